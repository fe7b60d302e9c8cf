"""Render notices from jinja2 templates in the recipient's language.

Templates live in ``notifications/templates/{locale}/{audience}/{outcome}.txt.j2``; each sets
``subject`` at the top and renders the body. Adding a language is adding its folder: the
renderer checks at load that it has every template English has, and that the community
guidelines and the markets (names, redress, legal basis) have its text, naming what is missing.
A locale without templates falls back to the same language in another region (``es-AR`` ->
``es-MX``), then to the first language the person's market is written to in (Spanish in Mexico),
then to English: the message tells the person so in the language it is written in, and
``fallback_from`` records it for the review and the gateway.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from review.guidelines import GUIDELINES_FILE, CommunityGuidelines, load_guidelines
from review.locales import negotiate
from review.markets import MARKETS_FILE, ROLES, Markets, load_markets
from review.models import StrictModel
from review.notices import NoticeJob
from review.policy_files import PolicyFileError

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
BASE_LOCALE = "en"


class RenderedMessage(StrictModel):
    """A message ready to send."""

    locale: str
    fallback_from: str | None
    subject: str
    body: str


class MessageSetError(PolicyFileError):
    """A language's messages are incomplete: each problem names the file, the entry and what
    is missing (``lines``), as every policy file error does, so the worker and the web app
    refuse to start with it."""

    def __init__(self, problems: list[tuple[Path, str, str]]) -> None:
        super().__init__(problems[0][0], [(entry, problem) for _, entry, problem in problems])
        self.lines = [f"{path}: {entry}: {problem}" for path, entry, problem in problems]
        Exception.__init__(self, "\n".join(self.lines))


class GuidelineQuote(StrictModel):
    """A guideline clause as quoted in a message."""

    ref: str
    title: str
    summary: str


def template_name(job: NoticeJob, locale: str) -> str:
    """The template a job renders with in ``locale``."""
    content = job.content
    if content.kind == "outcome_notice":
        return f"{locale}/reported_account/{content.action}.txt.j2"
    if content.kind in ("hold_notice", "notice_of_intent"):
        return f"{locale}/reported_account/{content.kind}.txt.j2"
    if content.kind == "appeal_outcome":
        return f"{locale}/reported_account/appeal_{content.outcome}.txt.j2"
    return f"{locale}/reporter/{content.kind}.txt.j2"


def language_name(requested: str, locale: str) -> str:
    """The language ``requested`` names, as said in ``locale`` ("portugués (Brasil)")."""
    try:
        named = Locale.parse(requested, sep="-").get_display_name(locale.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        named = None
    return named or requested


class MessageRenderer:
    """Renders NoticeJobs; one instance is shared by the notification activities."""

    def __init__(
        self,
        templates_dir: Path = TEMPLATES_DIR,
        guidelines: CommunityGuidelines | None = None,
        markets: Markets | None = None,
        guidelines_file: Path = GUIDELINES_FILE,
        markets_file: Path = MARKETS_FILE,
    ) -> None:
        """``guidelines_file`` and ``markets_file`` name where the guidelines and markets given
        were read from, for the errors about a language they lack."""
        self.templates_dir = templates_dir
        self.guidelines_file = guidelines_file
        self.markets_file = markets_file
        self.guidelines = guidelines if guidelines is not None else load_guidelines()
        self.markets = markets if markets is not None else load_markets()
        self.env = Environment(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text messages
            keep_trailing_newline=True,
        )
        self._environments: dict[tuple[str, str], Environment] = {}
        problems = self.completeness_problems()
        if problems:
            raise MessageSetError(problems)

    def completeness_problems(self) -> list[tuple[Path, str, str]]:
        """What each language lacks that English has: templates, guideline texts, and the
        markets' names, redress and legal basis in it; each as (file, entry, problem)."""

        def names(locale: str) -> set[str]:
            root = self.templates_dir / locale
            return {str(p.relative_to(root)) for p in root.rglob("*.j2")}

        problems: list[tuple[Path, str, str]] = []
        english = names(BASE_LOCALE)
        for locale in self.locales():
            folder = self.templates_dir / locale
            problems += [(folder, name, "missing") for name in sorted(english - names(locale))]
            problems += [
                (folder, name, f"not in {BASE_LOCALE}") for name in sorted(names(locale) - english)
            ]
            for ref in self.guidelines.refs():
                if locale not in self.guidelines.clause(ref).root:
                    problems.append((self.guidelines_file, ref, f"no {locale} text"))
            for slug, market in self.markets.root.items():
                texts = {
                    "names": market.names,
                    "legal_basis": market.legal_basis,
                    **{f"redress.{role}": t for role, t in market.redress.items()},
                }
                problems += [
                    (self.markets_file, f"{slug}.{entry}", f"no {locale} text")
                    for entry, given in texts.items()
                    if given and locale not in given
                ]
        return problems

    def _environment(self, locale: str, zone: tzinfo) -> Environment:
        """The environment for messages in ``locale`` about a market in ``zone``: one per pair,
        kept, so each of its templates compiles once (an overlay has a cache of its own)."""
        key = (locale, str(zone))
        env = self._environments.get(key)
        if env is None:

            def long_date(value: datetime) -> str:
                day = value.astimezone(zone)
                return str(format_date(day, "long", locale=locale.replace("-", "_")))

            def clock_time(value: datetime) -> str:
                """The time of day in the market's zone, as people there write it."""
                moment = value.astimezone(zone)
                said = str(format_time(moment, "short", locale=locale.replace("-", "_")))
                # CLDR puts a narrow no-break space before "PM"; SMS alphabets lack it.
                return said.replace("\u202f", " ")

            env = self.env.overlay()
            # An overlay shares its parent's filters: give it a dict of its own.
            env.filters = {
                **self.env.filters,
                "long_date": long_date,
                "clock_time": clock_time,
            }
            self._environments[key] = env
        return env

    def locales(self) -> list[str]:
        """Locales that have templates."""
        return sorted(p.name for p in self.templates_dir.iterdir() if p.is_dir())

    def resolve_locale(self, requested: str, market: str | None = None) -> tuple[str, str | None]:
        """The locale to write in, and the requested one when it had to fall back: the same
        language in another region, else the first language the person's market is written
        to in that we have, else English."""
        available = self.locales()
        locale = negotiate(requested, available, "")
        if not locale:
            found = self.markets.get(market) if market else None
            spoken = [lang for lang in (found.languages if found else []) if lang in available]
            locale = spoken[0] if spoken else BASE_LOCALE
        return locale, None if locale == requested else requested

    def render(self, job: NoticeJob) -> RenderedMessage:
        """Render the job in the recipient's language (or its fallback)."""
        locale, fallback_from = self.resolve_locale(job.recipient.locale, job.content.market)
        zone = self.markets.time_zone(job.content.market)

        template = self._environment(locale, zone).get_template(template_name(job, locale))
        refs = job.content.guideline_refs if job.content.kind != "report_reviewed" else []
        quotes = []
        for ref in refs:
            _, text = self.guidelines.clause(ref).text(locale)
            quotes.append(GuidelineQuote(ref=ref, title=text.title, summary=text.summary))
        market = self.markets.get(job.content.market)
        role = getattr(job.content, "account_role", None)
        module = template.make_module(
            {
                "c": job.content,
                "guidelines": quotes,
                # For times of day: "(Mexico City time)", in the message's language.
                "market_name": self.markets.name(job.content.market, locale),
                # Beyond the app's appeal: the route the person's market and role have.
                "redress": self.markets.redress(job.content.market, role, locale)
                if role in ROLES
                else None,
                "reporters_unmatched": market is not None and market.reporters_unmatched,
                # The language they asked for, named in the one we write in, when we could
                # not write in it (another region of the same language reads as theirs).
                "asked_language": language_name(fallback_from, locale)
                if fallback_from and fallback_from.split("-")[0] != locale.split("-")[0]
                else None,
            }
        )
        return RenderedMessage(
            locale=locale,
            fallback_from=fallback_from,
            subject=str(module.subject),  # type: ignore[attr-defined]
            body=str(module).strip() + "\n",
        )
