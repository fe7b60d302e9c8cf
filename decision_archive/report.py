"""The written case report: a closed review's case record as a document people read.

One record renders as a standalone, printable HTML page (A4, inline CSS, no scripts or external
resources) or as GitHub-flavoured Markdown. Both say what was reported, what was found, what the
matrix recommended, what was decided, why, under which guideline clauses and by whom, the
statement of reasons for a restriction, what was changed and sent, and the timeline; then, in an
annex after the record, the notes QA and leads added once the review was closed (the record
itself is never changed by them).

A report is written in its reader's language, while the archived record stays language-neutral
(codes, counts and UTC times): every word the report adds comes from
``templates/locales/{locale}.toml``, guideline clauses are quoted in the reader's language when
the guidelines have it, and times are shown in the market's time zone with the zone named. The
few lines the record keeps as English text written by our own code (evidence summaries, the
timeline details ``review/lifecycle.py`` and the workflow write, system escalations) are read
back into their parts and said again in the reader's language; a line that does not parse is
shown as written. Text people wrote (summary, rationale, justification, comments, notes, reasons)
is always shown as written.

Every text a person or another system wrote is escaped: HTML by jinja2's autoescape and
markupsafe when a sentence is put together, Markdown by the ``md``, ``md_cell`` and ``md_quote``
filters and by ReportWords, whose pieces of Markdown are ``Markdown`` strings the filters leave
alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from activities.steps import EVIDENCE_SERVICE, read_failure
from decision_archive.store import RecordNote
from review.case_record import CaseRecord, EvidenceSummary
from review.guidelines import CommunityGuidelines
from review.locales import negotiate
from review.markets import Markets, load_markets
from review.models import (
    IDENTIFIER_PATTERN,
    EnforcementAction,
    EvidenceSource,
    IncidentCategory,
    Person,
    Severity,
    SlaTier,
    TimelineEntry,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LOCALES_DIR = TEMPLATES_DIR / "locales"
BASE_LOCALE = "en"
"""The language a report falls back to, and the one every other language's texts mirror."""
ReportFormat = Literal["html", "md"]
DATE_TIME = "d MMM y, HH:mm zzzz"
"""How a moment reads: "23 nov 2026, 10:00 hora estándar central" (as on the review page)."""
DATE = "d MMM y"

Vocabulary = Callable[[str], str]
"""A ``t(key)`` translator, as the web app's ``webapp.i18n.translator(locale)``."""

MESSAGE_KINDS = frozenset(
    {"outcome_notice", "report_reviewed", "hold_notice", "appeal_outcome", "notice_of_intent"}
)
STEP_KEYS = {
    "interim hold": "step_interim_hold",
    "account change": "step_account_change",
    "case record": "step_case_record",
}
"""The steps an "actioning blocked" escalation names, by their name in activities/steps.py."""


@cache
def catalog(locale: str) -> dict[str, str]:
    """Every text of the report in one language."""
    with (LOCALES_DIR / f"{locale}.toml").open("rb") as f:
        return {str(k): str(v) for k, v in tomllib.load(f).items()}


def report_locales() -> list[str]:
    """The languages the report is written in."""
    return sorted(p.stem for p in LOCALES_DIR.glob("*.toml"))


class Markdown(str):
    """Text already written as Markdown, with everything in it escaped: ``md`` and ``md_cell``
    pass it through unchanged, so a sentence put together from escaped parts stays as it is."""

    __slots__ = ()


Written = Markup | Markdown
"""A piece of a report, escaped for its format."""

W = TypeVar("W", bound=str)


@dataclass(frozen=True)
class ClauseText:
    """A cited guideline clause with its title and plain summary in the reader's language
    (``lang`` says which language the text is in: English when it has no translation)."""

    ref: str
    title: str
    summary: str
    known: bool = True
    lang: str = BASE_LOCALE


def utc(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM UTC`` (a naive time is taken to be UTC already); "not set" for None."""
    if value is None:
        return "not set"
    return _aware(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def md(value: object) -> str:
    """Escape text for Markdown prose: backslashes and ``<`` (so no raw HTML gets through)."""
    if isinstance(value, Markdown):
        return value
    return str(value).replace("\\", "\\\\").replace("<", "\\<")


def md_cell(value: object) -> str:
    """Escape text for a Markdown table cell: as ``md``, plus ``|`` and line breaks."""
    if isinstance(value, Markdown):
        return value
    text = md(value).replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) if "\n" in text else text


def md_quote(value: object) -> str:
    """Free text as a Markdown block quote, one ``>`` per line, so it stays one block."""
    return "\n".join(f"> {line}".rstrip() for line in md(value).splitlines() or [""])


def upper_first(value: W) -> W:
    """The text with its first letter upper-cased (the rest as it is), keeping its type."""
    return type(value)(value[:1].upper() + value[1:])


def report_filename(record: CaseRecord, fmt: ReportFormat) -> str:
    """The report's file name, e.g. ``case-report-review-INC-1001.md``."""
    if fmt not in ("html", "md"):
        raise ValueError(f"unknown report format {fmt!r}; use 'html' or 'md'")
    return f"case-report-{record.review_id}.{fmt}"


# The lines our own code writes into the record, as review/case_record.py (evidence) and
# review/lifecycle.py and workflows/deactivation_review.py (timeline) write them.
_ACTION = r"(?P<action>[a-z_]+)(?: (?P<days>\d+) days)?"
_ISO = r"(?P<at>\d{4}-\d\d-\d\dT[0-9:.+\-Z]+)"
_TRIP = re.compile(
    r"trip (?P<trip>\S+) on (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d) UTC, "
    r"(?P<km>\d+(?:\.\d+)?) km from (?P<areas>.+)",
    re.S,
)
_REPORTS = re.compile(
    r"(?P<reports>\d+) report\(s\), (?P<statements>\d+) statement\(s\) \((?P<authors>.*)\)"
)
_HISTORY = re.compile(
    r"member since (?P<since>\d{4}-\d\d-\d\d), (?P<trips>\d+) trips, "
    r"(?P<priors>\d+) prior confirmed violation\(s\)"
)
_TELEMATICS = re.compile(
    r"max speed (?P<speed>\d+(?:\.\d+)?) km/h, (?P<brakes>\d+) hard brake\(s\), "
    r"(?P<events>\d+) event\(s\)"
)
_MESSAGES = re.compile(r"(?P<n>\d+) in-app message\(s\)")
_RECEIVED = re.compile(
    r"(?P<category>[a-z_]+) \((?P<severity>[a-z]+)\) from (?P<source>\S+); "
    r"tier (?P<tier>[a-z]+), matrix (?P<matrix>\S+)"
)
_RECOMMENDED = re.compile(_ACTION + r" by rule (?P<rule>\S+)")
_DECIDED = re.compile(_ACTION + r"(?P<deviates> \(deviates from the matrix\))?")
_STATUS = re.compile(r"status (?P<status>\S+)")
_SENT = re.compile(
    r"(?P<kind>[a-z_]+) to the (?P<role>\S+) in (?P<locale>\S+)"
    r"(?: \(no (?P<requested>\S+) translation\))?"
)
_AT_RISK = re.compile(r"deadline " + _ISO)
_BREACHED = re.compile(r"SLA breached: no decision by " + _ISO)
_UNTIL = re.compile(r"until " + _ISO)
_BLOCKED = re.compile(r"actioning blocked: (?P<step>[^:]+): (?P<reason>.*)", re.S)
_STEP_MESSAGE = re.compile(r"(?P<kind>[a-z_]+) message")


def said_action_key(action: str, days: object = None) -> str:
    """The key of the text that says an action inside a sentence, with the article the language
    puts there ("una advertencia", "la desactivación permanente", "a temporary suspension of
    {days}"), where the ``action_`` texts name it on its own (a label, a table cell). The report's
    and the web app's words both have these texts, under these keys; a suspension's ``days``
    fill its ``{days}``."""
    if days and action == EnforcementAction.TEMPORARY_SUSPENSION:
        return "said_action_temporary_suspension_days"
    return f"said_action_{action}"


def _moment(text: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        return None


class ReviewWords:
    """How a review's codes read in one language and one format: categories, actions, roles,
    sources, timeline events and the details our code writes, times in the market's zone.
    The case report and the review page both say things through it.

    Every method but ``t`` returns text escaped for the format (``Markup`` or ``Markdown``), so a
    template writes it as it is; ``t`` returns the report's own words, which need no escaping
    in Markdown and which autoescape escapes in HTML.
    """

    def __init__(
        self, renderer: CaseReportRenderer, market: str, locale: str, fmt: ReportFormat
    ) -> None:
        self.locale = locale
        self.fmt = fmt
        self.guidelines = renderer.guidelines
        self.markets = renderer.markets
        self.zone = renderer.markets.time_zone(market)
        self._own, self._base = catalog(locale), catalog(BASE_LOCALE)
        self._babel = Locale.parse(locale, sep="-")

    # --- writing --------------------------------------------------------------------------------

    def market(self, slug: str) -> str:
        """What people call a market, in the reader's language (its slug where unnamed)."""
        return self.markets.name(slug, self.locale)

    def has(self, key: str) -> bool:
        """Whether the report has a text called ``key``."""
        return key in self._own or key in self._base

    def t(self, key: str) -> str:
        """The report's text ``key`` in the reader's language (English when it has none)."""
        found = self._own.get(key) or self._base.get(key)
        if found is None:
            raise KeyError(f"the case report has no text {key!r}")
        return found

    def esc(self, value: object) -> Written:
        """Text to show as it is, escaped for the format."""
        if isinstance(value, Markup | Markdown):
            return value
        return escape(str(value)) if self.fmt == "html" else Markdown(md_cell(value))

    def say(self, key: str, /, **values: object) -> Written:
        """The text ``key`` with its ``{name}`` places filled in, each value escaped."""
        text = self.t(key)
        if self.fmt == "html":
            return escape(text).format(**values)
        return Markdown(text.format(**{name: self.esc(v) for name, v in values.items()}))

    def join(self, separator: str, parts: Iterable[object]) -> Written:
        """The parts one after the other, ``separator`` between them."""
        escaped = [self.esc(p) for p in parts]
        if self.fmt == "html":
            return Markup(separator).join(escaped)
        return Markdown(separator.join(escaped))

    def listing(self, items: list[str]) -> Written:
        """Words as a list in the reader's language ("a, b and c"; "a, b y c")."""
        return self.esc(format_list(items, locale=self._babel)) if items else self.esc("")

    def number(self, value: float) -> str:
        """A number as the reader writes it."""
        return format_decimal(value, locale=self._babel)

    def count(self, key: str, n: int) -> Written:
        """``n`` things in the right plural form: ``count("days", 7)`` is "7 days"."""
        form = f"{key}_{self._babel.plural_form(n)}"
        return self.say(form if self.has(form) else f"{key}_other", n=self.number(n))

    def code(self, value: object, kind: str = "id") -> Written:
        """An identifier, shown in monospace."""
        if self.fmt == "html":
            return Markup('<span class="{}">{}</span>').format(kind, value)
        text = " ".join(str(value).split()).replace("|", "\\|")
        fence = "``" if "`" in text else "`"
        pad = " " if fence == "``" else ""
        return Markdown(f"{fence}{pad}{text}{pad}{fence}")

    def strong(self, value: object) -> Written:
        """Text in bold."""
        if self.fmt == "html":
            return Markup("<strong>{}</strong>").format(value)
        return Markdown(f"**{self.esc(value)}**")

    def when(self, moment: datetime | None) -> Written:
        """A moment in the market's time zone, the zone named in the reader's language; in HTML
        a ``<time>`` with the UTC time as its machine-readable value and title."""
        if moment is None:
            return self.esc(self.t("date_not_set"))
        aware = _aware(moment)
        text = format_datetime(aware, DATE_TIME, tzinfo=self.zone, locale=self._babel)
        if self.fmt == "html":
            return Markup('<time datetime="{}" title="{}">{}</time>').format(
                aware.astimezone(UTC).isoformat(), utc(aware), text
            )
        return self.esc(text)

    def day(self, value: date) -> Written:
        """A calendar date as the reader writes it."""
        return self.esc(format_date(value, DATE, locale=self._babel))

    # --- names ----------------------------------------------------------------------------------

    def _word(self, prefix: str, value: object) -> str:
        key = f"{prefix}_{value}"
        return self.t(key) if self.has(key) else str(value).replace("_", " ")

    def category(self, value: object, lower: bool = False) -> Written:
        """An incident category's name ("Manejo peligroso"; lower-cased inside a sentence)."""
        word = self._word("category", value)
        return self.esc(word.lower() if lower else word)

    def severity(self, value: object) -> Written:
        """A severity, as said inside a sentence ("alta")."""
        return self.esc(self._word("severity", value))

    def tier(self, value: object) -> Written:
        """An SLA tier, as said inside a sentence ("crítico")."""
        return self.esc(self._word("tier", value))

    def role(self, value: object) -> Written:
        """A role, as said inside a sentence: an account's, a reporter's or a person's."""
        return self.esc(self._word("role", value))

    def source(self, value: object) -> Written:
        """An evidence source's name ("Telemetría")."""
        return self.esc(self._word("source", value))

    def change(self, value: object) -> Written:
        """An account change's name ("Pausa provisional")."""
        return self.esc(self._word("change", value))

    def status(self, value: object) -> Written:
        """An account status the platform answered ("suspendida"), or the status as answered."""
        return self.esc(self._word("status", value))

    def failure(self, message: str | None) -> Written:
        """A platform service's failure reason in the reader's language ("el servicio de estado
        de cuentas no acepta conexiones"); a reason our activities did not write, as it is."""
        read = read_failure(message or "")
        if read is None:
            return self.esc(message or "")
        code, params = read
        service = params.get("service", "")
        if service.startswith(EVIDENCE_SERVICE):
            source = self._word("source", service.removeprefix(EVIDENCE_SERVICE))
            params["service"] = self.t("service_evidence_source").format(source=source)
        elif service:
            params["service"] = self._word("service", service.replace(" ", "_"))
        if "activity" in params:
            params["activity"] = self._word("activity", params["activity"])
        return self.say(f"failure_{code}", **params)

    def activity(self, activity_type: str) -> Written:
        """A step of the review by its activity type ("el cambio en la cuenta")."""
        return self.esc(self._word("activity", activity_type))

    def blocked(self, text: str | None) -> Written:
        """Why actioning is blocked ("cambio en la cuenta: ..."), in the reader's language."""
        step, _, reason = (text or "").partition(": ")
        if not reason:
            return self.failure(text)
        return self.join(": ", [self._step(step), self.failure(reason)])

    def _step(self, step: str) -> Written:
        if step in STEP_KEYS:
            return self.esc(self.t(STEP_KEYS[step]))
        if (k := _STEP_MESSAGE.fullmatch(step)) and k["kind"] in MESSAGE_KINDS:
            return self.say("step_message", kind=self.message(k["kind"]))
        return self.esc(step)

    def message(self, value: object) -> Written:
        """A kind of message ("Aviso del resultado")."""
        return self.esc(self._word("message", value))

    def event(self, value: object) -> Written:
        """A timeline event ("evidencia reunida")."""
        return self.esc(self._word("event", value))

    def action(self, action: EnforcementAction | str, days: int | None = None) -> Written:
        """An action in words, e.g. "Temporary suspension, 7 days"."""
        name = self.esc(self._word("action", EnforcementAction(action)))
        return self.say("action_days", action=name, days=self.count("days", days)) if days else name

    def said_action(self, action: EnforcementAction | str, days: int | None = None) -> Written:
        """An action as said inside a sentence, with its article: "a temporary suspension of
        30 days", "la desactivación permanente" (``action`` names it on its own, for a cell)."""
        key = said_action_key(EnforcementAction(action), days)
        return self.say(key, days=self.count("days", days)) if days else self.say(key)

    def language(self, code: str) -> Written:
        """A locale's name in the reader's language ("español (México)"), else the code."""
        try:
            name = Locale.parse(code, sep="-").get_display_name(self._babel)
        except (ValueError, TypeError, UnknownLocaleError):
            name = None
        return self.esc(name or code)

    def person(self, person: Person) -> Written:
        """Who someone is: their id and role, "ana (especialista)"."""
        return self.join("", [self.code(person.id), " (", self.role(person.role), ")"])

    def clause(self, ref: str) -> ClauseText:
        """The clause ``ref`` in the reader's language; marked unknown when the guidelines no
        longer have it."""
        if ref not in self.guidelines:
            return ClauseText(
                ref=ref,
                title=self.t("clause_unknown_title"),
                summary=self.t("clause_unknown_summary"),
                known=False,
                lang=self.locale,
            )
        lang, text = self.guidelines.clause(ref).text(self.locale)
        return ClauseText(ref=ref, title=text.title, summary=text.summary, lang=lang)

    # --- sentences ------------------------------------------------------------------------------

    def reporter(self, role: str | None) -> Written:
        """Who the review was based on a report by, as the statement of reasons says it."""
        if role is None:
            return self.say("reporter_none")
        if self.has(f"reporter_{role}"):
            return self.say(f"reporter_{role}")
        return self.say("reporter_other", role=self.role(role))

    def sources(self, sources: Iterable[EvidenceSource]) -> Written:
        """Evidence sources as a list in the reader's language."""
        return self.listing([self._word("source", s) for s in sources])

    def evidence(self, item: EvidenceSummary) -> Written:
        """What an evidence source showed (review/case_record.py's summary, in words)."""
        text = item.summary
        if not item.available:
            reason = text.removeprefix("unavailable: ")
            if reason == text:
                return self.esc(text)
            if reason == "no answer":
                return self.say("ev_unavailable", reason=self.t("ev_no_answer"))
            return self.say("ev_unavailable", reason=reason)
        said = self._evidence(item.source, text)
        return self.esc(text) if said is None else said

    def _evidence(self, source: EvidenceSource, text: str) -> Written | None:
        match source:
            case EvidenceSource.TRIP_DETAILS:
                if not (m := _TRIP.fullmatch(text)):
                    return None
                areas = m["areas"].split(" to ")
                if len(areas) > 2:
                    return None  # an area's own name says " to ": which one is which is unclear
                at = datetime.strptime(m["at"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
                trip = {"trip": self.code(m["trip"]), "when": self.when(at)}
                km = self.number(float(m["km"]))
                if len(areas) == 1:
                    return self.say("ev_trip", **trip, km=km, pickup=areas[0])
                return self.say("ev_trip_to", **trip, km=km, pickup=areas[0], dropoff=areas[1])
            case EvidenceSource.INCIDENT_REPORTS:
                if not (m := _REPORTS.fullmatch(text)):
                    return None
                authors = m["authors"]
                if authors == "none":
                    said_authors = self.esc(self.t("ev_no_authors"))
                else:
                    said_authors = self.join(", ", [self.role(a) for a in authors.split(", ")])
                return self.say(
                    "ev_reports",
                    reports=self.count("ev_reports", int(m["reports"])),
                    statements=self.count("ev_statements", int(m["statements"])),
                    authors=said_authors,
                )
            case EvidenceSource.ACCOUNT_HISTORY:
                if not (m := _HISTORY.fullmatch(text)):
                    return None
                return self.say(
                    "ev_history",
                    since=self.day(date.fromisoformat(m["since"])),
                    trips=self.count("ev_trips", int(m["trips"])),
                    violations=self.count("ev_priors", int(m["priors"])),
                )
            case EvidenceSource.TELEMATICS:
                if not (m := _TELEMATICS.fullmatch(text)):
                    return None
                return self.say(
                    "ev_telematics",
                    speed=self.number(float(m["speed"])),
                    brakes=self.count("ev_brakes", int(m["brakes"])),
                    events=self.count("ev_events", int(m["events"])),
                )
            case EvidenceSource.IN_APP_MESSAGES:
                if not (m := _MESSAGES.fullmatch(text)):
                    return None
                return self.count("ev_messages", int(m["n"]))
        return None

    def detail(self, entry: TimelineEntry) -> Written:
        """A timeline entry's detail: what our code wrote, in words; what a person wrote (a
        comment, a reason) as written; a line that does not parse as written."""
        if not entry.detail:
            return self.esc("")
        if entry.event == "escalated" and entry.actor is not None:
            return self.esc(entry.detail)  # the reason a person gave
        said = self._detail(entry.event, entry.detail)
        return self.esc(entry.detail) if said is None else said

    def _detail(self, event: str, text: str) -> Written | None:
        match event:
            case "received":
                if not (m := _RECEIVED.fullmatch(text)):
                    return None
                if not (
                    m["category"] in set(IncidentCategory)
                    and m["severity"] in set(Severity)
                    and m["tier"] in set(SlaTier)
                ):
                    return None
                return self.say(
                    "detail_received",
                    category=self.category(m["category"]),
                    severity=self.severity(m["severity"]),
                    source=self.code(m["source"]),
                    tier=self.tier(m["tier"]),
                    matrix=self.code(m["matrix"]),
                )
            case "evidence_gathered":
                if text == "all sources available":
                    return self.say("detail_all_available")
                missing = text.removeprefix("unavailable: ").split(", ")
                if not text.startswith("unavailable: ") or not set(missing) <= set(EvidenceSource):
                    return None
                return self.say(
                    "detail_unavailable", sources=self.sources(EvidenceSource(s) for s in missing)
                )
            case "recommended":
                if not (m := _RECOMMENDED.fullmatch(text)) or not self._is_action(m["action"]):
                    return None
                return self.say(
                    "detail_recommended",
                    action=self._action_days(m["action"], m["days"]),
                    rule=self.code(m["rule"]),
                )
            case "decided":
                if not (m := _DECIDED.fullmatch(text)) or not self._is_action(m["action"]):
                    return None
                action = self._action_days(m["action"], m["days"])
                return self.say("detail_deviates", action=action) if m["deviates"] else action
            case "claim_released" | "claim_held" | "reassigned" | "claim_expired":
                # The person whose claim it was, or who takes it: an id our code wrote.
                if not re.fullmatch(IDENTIFIER_PATTERN, text):
                    return None
                return self.say(f"detail_{event}", person=self.code(text))
            case "interim_hold_placed":
                return self.status(text) if re.fullmatch(r"[a-z_]+", text) else None
            case "account_actioned":
                if not (m := _STATUS.fullmatch(text)):
                    return None
                return self.say("detail_status", status=self.status(m["status"]))
            case "message_sent":
                if not (m := _SENT.fullmatch(text)) or m["kind"] not in MESSAGE_KINDS:
                    return None
                said = {
                    "kind": self.message(m["kind"]),
                    "role": self.role(m["role"]),
                    "language": self.language(m["locale"]),
                }
                if m["requested"]:
                    return self.say(
                        "detail_message_fallback", **said, requested=self.language(m["requested"])
                    )
                return self.say("detail_message", **said)
            case "sla_at_risk":
                if not (m := _AT_RISK.fullmatch(text)) or not (at := _moment(m["at"])):
                    return None
                return self.say("detail_deadline", when=self.when(at))
            case "notice_period_started":
                if not (m := _UNTIL.fullmatch(text)) or not (at := _moment(m["at"])):
                    return None
                return self.say("detail_takes_effect", when=self.when(at))
            case "hearing_started":
                if not self._is_action(text):
                    return None
                return self.say("detail_intended", action=self.action(EnforcementAction(text)))
            case "awaiting_answer":
                if not (m := _UNTIL.fullmatch(text)) or not (at := _moment(m["at"])):
                    return None
                return self.say("detail_answer_due", when=self.when(at))
            case "hearing_ended":
                if text not in ("answered", "no_answer"):
                    return None
                return self.say(f"detail_hearing_{text}")
            case "escalated":
                return self._system_escalation(text)
        return None

    def _is_action(self, value: str) -> bool:
        return value in set(EnforcementAction)

    def _action_days(self, action: str, days: str | None) -> Written:
        return self.action(EnforcementAction(action), int(days) if days else None)

    def _system_escalation(self, text: str) -> Written | None:
        if (m := _BREACHED.fullmatch(text)) and (at := _moment(m["at"])):
            return self.say("detail_sla_breached", when=self.when(at))
        if m := _BLOCKED.fullmatch(text):
            return self.say(
                "detail_actioning_blocked",
                step=self._step(m["step"]),
                reason=self.failure(m["reason"]),
            )
        return None


class ReportWords(ReviewWords):
    """What one report says, in one language and one format; the templates' ``w``."""

    def __init__(
        self, renderer: CaseReportRenderer, record: CaseRecord, locale: str, fmt: ReportFormat
    ) -> None:
        super().__init__(renderer, record.request.account.market, locale, fmt)
        self.record = record

    def sla_outcome(self) -> Written:
        """Whether the decision met its SLA deadline, in words."""
        sla = self.record.sla
        if sla.met is None:
            parts: list[object] = [self.t("sla_no_decision")]
        else:
            parts = [self.t("sla_met" if sla.met else "sla_missed")]
        if sla.breached:
            parts.append(self.t("sla_breached"))
        if sla.at_risk:
            parts.append(self.say("sla_at_risk", when=self.when(sla.at_risk_at)))
        else:
            parts.append(self.t("sla_never_at_risk"))
        return self.join("; ", parts)

    def deviation(self) -> Written:
        """What the decision did against the matrix recommendation, in one or two sentences."""
        decision = self.record.decision
        decided = self.said_action(decision.action, decision.suspension_days)
        rec = self.record.recommendation
        if rec is None:
            return self.say("deviation_no_recommendation", decided=decided)
        recommended = self.said_action(rec.action, rec.suspension_days)
        if not decision.deviates_from_recommendation:
            return self.say("deviation_follows", recommended=recommended)
        return self.say("deviation_deviates", recommended=recommended, decided=decided)

    def escalation(self, reason: str) -> Written:
        """An escalation reason: in words when our code wrote it (the timeline has it as a
        system escalation), as written when a person gave it."""
        by_system = any(
            e.event == "escalated" and e.actor is None and e.detail == reason
            for e in self.record.timeline
        )
        said = self._system_escalation(reason) if by_system else None
        return self.esc(reason) if said is None else said


class CaseReportRenderer:
    """Renders case records as HTML or Markdown reports in the reader's language."""

    def __init__(
        self,
        guidelines: CommunityGuidelines,
        vocabulary: Vocabulary | None = None,
        markets: Markets | None = None,
    ) -> None:
        """Quote ``guidelines`` for the titles and plain summaries of cited clauses and show
        times in the zones of ``markets`` (the policy's markets file when not given).

        ``vocabulary`` is no longer used: it named actions and categories in English when the
        report was English only. The report now has its own texts in every language it is
        written in (``templates/locales``; a test keeps their names equal to the app's). It is
        still accepted so that callers written for the English-only report keep working."""
        del vocabulary
        self.guidelines = guidelines
        self.markets = markets if markets is not None else load_markets()
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=select_autoescape(["html.j2"], default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(md=md, md_cell=md_cell, md_quote=md_quote, upper_first=upper_first)

    def locales(self) -> list[str]:
        """The languages reports are written in."""
        return report_locales()

    def supported_locale(self, requested: str) -> str | None:
        """The report language ``requested`` names exactly (any case), or None."""
        return {loc.lower(): loc for loc in self.locales()}.get(requested.strip().lower())

    def reader_locale(self, requested: str | None) -> str:
        """The language to write for a reader who prefers ``requested``: the same rule as the
        app's (exact, then the same language, else English)."""
        return negotiate(requested, self.locales(), BASE_LOCALE)

    def html(
        self, record: CaseRecord, locale: str = BASE_LOCALE, notes: Sequence[RecordNote] = ()
    ) -> str:
        """The report as a complete, printable HTML document, for a reader of ``locale``; the
        ``notes`` added after closing, if any, in an annex."""
        return self._render("case_report.html.j2", record, locale, "html", notes)

    def markdown(
        self, record: CaseRecord, locale: str = BASE_LOCALE, notes: Sequence[RecordNote] = ()
    ) -> str:
        """The report as GitHub-flavoured Markdown, for a reader of ``locale``; the ``notes``
        added after closing, if any, in an annex."""
        return self._render("case_report.md.j2", record, locale, "md", notes)

    def words(self, market: str, locale: str) -> ReviewWords:
        """How a review of ``market`` reads on an HTML page in ``locale``."""
        return ReviewWords(self, market, self.reader_locale(locale), "html")

    def _render(
        self,
        template: str,
        record: CaseRecord,
        locale: str,
        fmt: ReportFormat,
        notes: Sequence[RecordNote],
    ) -> str:
        words = ReportWords(self, record, self.reader_locale(locale), fmt)
        return self.env.get_template(template).render(
            r=record, w=words, lang=words.locale, notes=list(notes)
        )
