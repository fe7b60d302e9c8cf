"""Render notices from jinja2 templates in the recipient's language.

Templates live in ``notifications/templates/{locale}/{audience}/{outcome}.txt.j2``; each sets
``subject`` at the top and renders the body. A locale without templates falls back to the same
language in another region (``es-AR`` -> ``es-MX``), then to English, and says so in
``fallback_from`` so the gap is visible in the review and the gateway.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from review.guidelines import CommunityGuidelines, load_guidelines
from review.locales import negotiate
from review.markets import Markets, load_markets
from review.models import StrictModel
from review.notices import NoticeJob

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
BASE_LOCALE = "en"


class RenderedMessage(StrictModel):
    """A message ready to send."""

    locale: str
    fallback_from: str | None
    subject: str
    body: str


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


class MessageRenderer:
    """Renders NoticeJobs; one instance is shared by the notification activities."""

    def __init__(
        self,
        templates_dir: Path = TEMPLATES_DIR,
        guidelines: CommunityGuidelines | None = None,
        markets: Markets | None = None,
    ) -> None:
        self.templates_dir = templates_dir
        self.guidelines = guidelines if guidelines is not None else load_guidelines()
        self.markets = markets if markets is not None else load_markets()
        self.env = Environment(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text messages
            keep_trailing_newline=True,
        )
        self._environments: dict[tuple[str, str], Environment] = {}

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
                return str(format_time(moment, "short", locale=locale.replace("-", "_")))

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

    def resolve_locale(self, requested: str) -> tuple[str, str | None]:
        """The locale to write in, and the requested one when it had to fall back."""
        locale = negotiate(requested, self.locales(), BASE_LOCALE)
        return locale, None if locale == requested else requested

    def render(self, job: NoticeJob) -> RenderedMessage:
        """Render the job in the recipient's language (or its fallback)."""
        locale, fallback_from = self.resolve_locale(job.recipient.locale)
        zone = self.markets.time_zone(job.content.market)

        template = self._environment(locale, zone).get_template(template_name(job, locale))
        refs = job.content.guideline_refs if job.content.kind != "report_reviewed" else []
        quotes = []
        for ref in refs:
            _, text = self.guidelines.clause(ref).text(locale)
            quotes.append(GuidelineQuote(ref=ref, title=text.title, summary=text.summary))
        module = template.make_module(
            {
                "c": job.content,
                "guidelines": quotes,
                # For times of day: "(Mexico City time)", in the message's language.
                "market_name": self.markets.name(job.content.market, locale),
            }
        )
        return RenderedMessage(
            locale=locale,
            fallback_from=fallback_from,
            subject=str(module.subject),  # type: ignore[attr-defined]
            body=str(module).strip() + "\n",
        )
