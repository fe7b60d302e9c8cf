"""The written case report: a closed review's case record as a document people read.

One record renders as a standalone, printable HTML page (A4, inline CSS, no scripts or external
resources) or as GitHub-flavoured Markdown. Both say, in English, what was reported, what was
found, what the matrix recommended, what was decided, why, under which guideline clauses and by
whom, the statement of reasons for a restriction, what was changed and sent, and the timeline.
Every text a person or another system wrote is escaped: HTML by jinja2's autoescape, Markdown by
the ``md``, ``md_cell`` and ``md_quote`` filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from review.case_record import CaseRecord
from review.guidelines import BASE_LOCALE, CommunityGuidelines
from review.models import EnforcementAction

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ReportFormat = Literal["html", "md"]

Vocabulary = Callable[[str], str]
"""English words for ``action_<action>`` and ``category_<category>`` keys: the web app's own
translator (``webapp.i18n.translator("en")``), so the report names things as the app does."""

SOURCE_WORDS = {
    "trip_details": "Trip details",
    "incident_reports": "Incident reports",
    "account_history": "Account history",
    "telematics": "Telematics",
    "in_app_messages": "In-app messages",
}
CHANGE_WORDS = {
    "interim_hold": "Interim hold",
    "hold_lifted": "Hold lifted",
    "enforcement": "Enforcement",
}
MESSAGE_WORDS = {
    "outcome_notice": "Outcome notice",
    "report_reviewed": "Report reviewed",
    "hold_notice": "Hold notice",
}
ROLE_WORDS = {"third_party": "third party"}


@dataclass(frozen=True)
class ClauseText:
    """A cited guideline clause with its English title and plain summary."""

    ref: str
    title: str
    summary: str
    known: bool = True


def utc(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM UTC`` (a naive time is taken to be UTC already); "not set" for None."""
    if value is None:
        return "not set"
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def words(value: object, table: dict[str, str]) -> str:
    """The word for a vocabulary value, or the value itself with underscores as spaces."""
    key = str(value)
    return table.get(key, key.replace("_", " "))


def sla_outcome(record: CaseRecord) -> str:
    """Whether the decision met its SLA deadline, in words."""
    sla = record.sla
    if sla.met is None:
        outcome = "no decision recorded"
    elif sla.met:
        outcome = "met: decided before the deadline"
    else:
        outcome = "missed: decided after the deadline"
    if sla.breached:
        outcome += "; breached: the deadline passed without a decision and the review escalated"
    at_risk = f"went at risk at {utc(sla.at_risk_at)}" if sla.at_risk else "never at risk"
    return f"{outcome}; {at_risk}"


def reporter_words(role: str | None) -> str:
    """Who the review was based on a report by, as the statement of reasons says it."""
    match role:
        case None:
            return "not based on a report by a person (the platform opened the review)"
        case "platform":
            return "based on a report by the platform's own safety checks"
        case "third_party":
            return "based on a report by a third party (identity withheld from the account holder)"
        case _:
            return f"based on a report by a {role} (identity withheld from the account holder)"


def md(value: object) -> str:
    """Escape text for Markdown prose: backslashes and ``<`` (so no raw HTML gets through)."""
    return str(value).replace("\\", "\\\\").replace("<", "\\<")


def md_cell(value: object) -> str:
    """Escape text for a Markdown table cell: as ``md``, plus ``|`` and line breaks."""
    text = md(value).replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) if "\n" in text else text


def md_quote(value: object) -> str:
    """Free text as a Markdown block quote, one ``>`` per line, so it stays one block."""
    return "\n".join(f"> {line}".rstrip() for line in md(value).splitlines() or [""])


def report_filename(record: CaseRecord, fmt: ReportFormat) -> str:
    """The report's file name, e.g. ``case-report-review-INC-1001.md``."""
    if fmt not in ("html", "md"):
        raise ValueError(f"unknown report format {fmt!r}; use 'html' or 'md'")
    return f"case-report-{record.review_id}.{fmt}"


class CaseReportRenderer:
    """Renders case records as HTML or Markdown reports, quoting the community guidelines."""

    def __init__(self, guidelines: CommunityGuidelines, vocabulary: Vocabulary) -> None:
        """Use ``guidelines`` for the titles and plain summaries of cited clauses, and
        ``vocabulary`` for the names of actions and categories."""
        self.guidelines = guidelines
        self.vocabulary = vocabulary
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=select_autoescape(["html.j2"], default_for_string=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            utc=utc,
            clause=self.clause,
            category_words=lambda v: vocabulary(f"category_{v}"),
            source_words=lambda v: words(v, SOURCE_WORDS),
            change_words=lambda v: words(v, CHANGE_WORDS),
            message_words=lambda v: words(v, MESSAGE_WORDS),
            role_words=lambda v: words(v, ROLE_WORDS),
            md=md,
            md_cell=md_cell,
            md_quote=md_quote,
        )
        self.env.globals.update(
            decision_words=self.decision_words,
            sla_outcome=sla_outcome,
            deviation_sentence=self.deviation_sentence,
            reporter_words=reporter_words,
        )

    def decision_words(self, action: EnforcementAction | str, days: int | None = None) -> str:
        """An action in words, e.g. "Temporary suspension, 7 days"."""
        words = self.vocabulary(f"action_{EnforcementAction(action)}")
        if days:
            words += f", {days} {'day' if days == 1 else 'days'}"
        return words

    def deviation_sentence(self, record: CaseRecord) -> str:
        """What the decision did against the matrix recommendation, in one or two sentences."""
        decision = record.decision
        decided = self.decision_words(decision.action, decision.suspension_days)
        rec = record.recommendation
        if rec is None:
            return (
                f"The matrix made no recommendation, so the decision ({decided}) counts as a "
                "deviation: it needed a written justification and a lead's second review."
            )
        recommended = self.decision_words(rec.action, rec.suspension_days)
        if not decision.deviates_from_recommendation:
            return f"The decision follows the matrix recommendation ({recommended})."
        return (
            f"This decision deviates from the matrix recommendation: the matrix recommended "
            f"{recommended}, the reviewer decided {decided}. A deviation needs a written "
            "justification and a lead's second review."
        )

    def clause(self, ref: str) -> ClauseText:
        """The clause ``ref`` in English; marked unknown when the guidelines no longer have it."""
        if ref not in self.guidelines:
            return ClauseText(
                ref=ref,
                title="Clause not in the current community guidelines",
                summary="The text this reference had when the decision was made is not on file.",
                known=False,
            )
        _, text = self.guidelines.clause(ref).text(BASE_LOCALE)
        return ClauseText(ref=ref, title=text.title, summary=text.summary)

    def html(self, record: CaseRecord) -> str:
        """The report as a complete, printable HTML document."""
        return self._render("case_report.html.j2", record)

    def markdown(self, record: CaseRecord) -> str:
        """The report as GitHub-flavoured Markdown."""
        return self._render("case_report.md.j2", record)

    def _render(self, template: str, record: CaseRecord) -> str:
        return self.env.get_template(template).render(r=record)
