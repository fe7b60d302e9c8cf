"""The written case report (HTML and Markdown) of a closed review; pure rendering, no Temporal."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from decision_archive.report import CaseReportRenderer, report_filename, report_locales
from decision_archive.report import catalog as report_catalog
from policy import PolicySettings, load_policy
from review import lifecycle
from review.case_record import CaseRecord, EvidenceSummary, case_record, summarize_evidence
from review.guidelines import CommunityGuidelines, load_guidelines
from review.models import (
    AccountChange,
    AccountHistory,
    ClaimRequest,
    EnforcementAction,
    EvidenceItem,
    EvidenceSource,
    HearingAnswerBody,
    InAppMessages,
    IncidentCategory,
    IncidentReports,
    Recipient,
    ReviewState,
    SecondReviewRequest,
    SentMessage,
    Severity,
    SlaTier,
    Statement,
    Telematics,
    TripDetails,
)
from tests import test_web_api as web
from tests.conftest import review_request
from tests.review_steps import ANA, LUIS, following_recommendation
from tests.test_decision_archive import decided_record
from tests.test_web_pages import signed_in
from webapp.i18n import catalog as app_catalog
from webapp.i18n import translator
from webapp.services import WebServices

POLICY, _ = load_policy(PolicySettings())
GUIDELINES = load_guidelines()
RENDERER = CaseReportRenderer(GUIDELINES, translator("en"))
RECEIVED = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)
CONFIDENTIAL = (
    "Confidential: trust & safety case record. Contains personal data; "
    "share only with people whose role requires it."
)
TELEMATICS_DOWN = "telematics answered 503 | try again later"


def evidence(*, telematics_down: bool = False) -> list[EvidenceItem]:
    """Evidence for INC-1001: a trip, a rider's statement, a clean history, messages."""
    at = RECEIVED + timedelta(minutes=1)
    trip_start = datetime(2026, 11, 23, 15, 20, tzinfo=UTC)
    items = [
        EvidenceItem(
            source=EvidenceSource.TRIP_DETAILS,
            available=True,
            data=TripDetails(
                trip_id="trip_abc123",
                started_at=trip_start,
                ended_at=trip_start + timedelta(minutes=25),
                pickup_area="Roma Norte",
                dropoff_area="Polanco",
                distance_km=9.5,
                driver_account_id="drv_123",
                rider_account_id="rdr_9",
            ),
            gathered_at=at,
        ),
        EvidenceItem(
            source=EvidenceSource.INCIDENT_REPORTS,
            available=True,
            data=IncidentReports(
                report_count=1,
                statements=[
                    Statement(author_role="reporter", submitted_at=at, text="He ran two reds.")
                ],
            ),
            gathered_at=at,
        ),
        EvidenceItem(
            source=EvidenceSource.ACCOUNT_HISTORY,
            available=True,
            data=AccountHistory(
                account_id="drv_123",
                member_since=datetime(2023, 1, 5, tzinfo=UTC),
                completed_trips=1200,
                prior_violations=[],
            ),
            gathered_at=at,
        ),
        EvidenceItem(
            source=EvidenceSource.IN_APP_MESSAGES,
            available=True,
            data=InAppMessages(messages=[]),
            gathered_at=at,
        ),
    ]
    if telematics_down:
        items.append(
            EvidenceItem(
                source=EvidenceSource.TELEMATICS,
                available=False,
                unavailable_reason=TELEMATICS_DOWN,
                gathered_at=at,
            )
        )
    return items


def worked(telematics_down: bool = False, **request: Any) -> ReviewState:
    """A review of INC-1001 with evidence gathered and claimed by Ana."""
    state = lifecycle.open_review(
        review_request(incident_id="INC-1001", **request), POLICY, RECEIVED
    )
    lifecycle.start_gathering(state, RECEIVED)
    lifecycle.evidence_gathered(
        state, evidence(telematics_down=telematics_down), POLICY, RECEIVED + timedelta(minutes=2)
    )
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), RECEIVED + timedelta(minutes=10))
    return state


def decide(state: ReviewState, **changes: Any) -> None:
    fields: dict[str, Any] = {
        "rationale": "Telematics-free GPS trace shows 96 km/h in a 50 zone.\nThe rider's statement matches.",
        **changes,
    }
    request = following_recommendation(state, **fields)
    lifecycle.check_decision(state, request, POLICY)
    lifecycle.apply_decision(state, request, RECEIVED + timedelta(hours=2))


def approve(state: ReviewState, comment: str = "Agreed: the trace is clear.") -> None:
    request = SecondReviewRequest(reviewer=LUIS, outcome="approve", comment=comment)
    lifecycle.check_second_review(state, request)
    lifecycle.apply_second_review(state, request, RECEIVED + timedelta(hours=3))


def close(state: ReviewState) -> CaseRecord:
    carried_out = RECEIVED + timedelta(hours=3, minutes=1)
    lifecycle.state_reasons(state, POLICY, carried_out)
    decision = state.decision
    assert decision is not None
    if decision.action is not EnforcementAction.NO_ACTION:
        state.account_changes.append(
            AccountChange(
                change="enforcement",
                action=decision.action,
                suspension_days=decision.suspension_days,
                account_status="suspended" if decision.action.restricts_account else "active",
                applied_at=carried_out,
                reference="enf_0123456789ab",
            )
        )
    state.messages.append(
        SentMessage(
            kind="outcome_notice",
            recipient=Recipient(account_id="drv_123", role="driver", locale="es-MX"),
            locale="es-MX",
            subject="Tu cuenta: resultado de la revisión",
            idempotency_key=f"{state.review_id}:outcome_notice",
            gateway_message_id="msg_42",
            sent_at=carried_out,
        )
    )
    return case_record(state, RECEIVED + timedelta(hours=3, minutes=5))


def suspension() -> CaseRecord:
    """Physical assault (low): egregious, so a 30-day suspension that a lead approved."""
    state = worked(
        telematics_down=True,
        category="physical_assault",
        severity="low",
        summary="Rider says the driver pushed them out of the car at the drop-off.",
    )
    decide(state, rationale="The rider's statement and the driver's own messages agree.")
    approve(state)
    return close(state)


def education() -> CaseRecord:
    """Dangerous driving (low), no priors: education, no second review, no restriction."""
    state = worked(severity="low")
    decide(state)
    return close(state)


def deviation() -> CaseRecord:
    """Dangerous driving (high): the matrix says 7 days, the specialist warns instead."""
    state = worked()
    decide(
        state,
        action=EnforcementAction.WARNING,
        suspension_days=None,
        justification="First report in three years; the speeding was brief and at night.",
    )
    approve(state, comment="Approve the warning | the history supports it.")
    return close(state)


HEARD_ANSWER = "My brother drove that week | I was abroad; here is my passport stamp."


def after_a_hearing(answered: bool = True) -> CaseRecord:
    """Fraud (high) by a Mexico City driver: the deactivation approved is put to the driver
    at a hearing; after their answer (or none) Ana decides a suspension, which Luis approves."""
    state = worked(category="fraud", severity="high")
    state.hearing_days = 5
    decide(
        state,
        action=EnforcementAction.PERMANENT_DEACTIVATION,
        suspension_days=None,
        justification="Repeated inflation of fares.",
    )
    approve(state)
    sent = RECEIVED + timedelta(hours=3, minutes=1)
    lifecycle.notice_of_intent_sent(state, sent, sent + timedelta(days=5))
    if answered:
        answer = HearingAnswerBody(statement=HEARD_ANSWER, submitted_at=sent + timedelta(days=1))
        lifecycle.apply_hearing_answer(state, answer, sent + timedelta(days=1))
    lifecycle.end_hearing(state, sent + timedelta(days=1 if answered else 5))
    decide(
        state,
        action=EnforcementAction.TEMPORARY_SUSPENSION,
        suspension_days=30,
        justification="The driver's answer shows the account was shared.",
    )
    approve(state, comment="The answer changes the facts.")
    return close(state)


def plain(document: str) -> str:
    """The text an HTML reader sees: tags removed, entities decoded, whitespace collapsed."""
    text = re.sub(r"<style.*?</style>", " ", document, flags=re.S)
    text = re.sub(r"</?(?:span|time|strong)\b[^>]*>", "", text)  # inline: no space of their own
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text))


def rendered(record: CaseRecord, fmt: str, locale: str = "en") -> str:
    """The report as the renderer writes it, for a reader of ``locale``."""
    return RENDERER.html(record, locale) if fmt == "html" else RENDERER.markdown(record, locale)


def readable(record: CaseRecord, fmt: str, locale: str = "en") -> str:
    """The report as a reader sees it: HTML as plain text, Markdown as written."""
    document = rendered(record, fmt, locale)
    return plain(document) if fmt == "html" else document


def section(record: CaseRecord, title: str, fmt: str, locale: str = "en") -> str:
    """One top-level section of a report as a reader sees it, from its heading to the next."""
    if fmt == "html":
        parts = rendered(record, fmt, locale).split("<h2")
        return plain(next(p for p in parts[1:] if title in p.split("</h2>")[0]))
    parts = rendered(record, fmt, locale).split("\n## ")
    return next(p for p in parts[1:] if p.splitlines()[0].endswith(title))


def headings(record: CaseRecord, fmt: str, locale: str = "en") -> list[str]:
    """The report's h1 and h2 headings, in order, without their numbers."""
    if fmt == "html":
        found = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", rendered(record, fmt, locale))
    else:
        found = re.findall(r"^##? (.*)$", rendered(record, fmt, locale), flags=re.M)
    return [re.sub(r"^\d+\. ", "", h) for h in found]


# --- what the report says -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_names_the_decision_rationale_and_both_reviewers(fmt: str) -> None:
    text = readable(suspension(), fmt)
    assert "Temporary suspension, 30 days" in text
    assert "The rider's statement and the driver's own messages agree." in text
    decided_by = {"html": "Decided by ana (specialist)", "md": "| Decided by | `ana` (specialist)"}
    assert decided_by[fmt] in text
    assert "luis" in text and "approved" in text and "Agreed: the trace is clear." in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_names_the_matrix_version_and_rule(fmt: str) -> None:
    record = suspension()
    rec = record.recommendation
    assert rec is not None
    text = readable(record, fmt)
    assert rec.matrix_version in text and rec.rule_id in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_cited_guidelines_appear_with_title_and_plain_summary(fmt: str) -> None:
    _, clause = GUIDELINES.clause("CG-SAFETY-1").text("en")
    decision = section(suspension(), "Decision", fmt)
    assert "CG-SAFETY-1" in decision
    assert clause.title in decision and clause.summary in decision


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_suspension_carries_a_statement_of_reasons_with_scope_duration_and_appeal(
    fmt: str,
) -> None:
    record = suspension()
    sor = record.statement_of_reasons
    assert sor is not None and sor.ends_at is not None
    text = section(record, "Statement of reasons", fmt)
    assert "all markets where the platform operates" in text
    # Carried out at 19:06 UTC: 13:06 in Mexico City, where the account's market is.
    assert "until 23 Dec 2026, 13:06 Central Standard Time" in text
    assert "appeal internally until 23 Dec 2026, 13:06 Central Standard Time (30 days)" in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_statement_of_reasons_explains_automated_means_and_redress(fmt: str) -> None:
    text = section(suspension(), "Statement of reasons", fmt)
    assert "recommended an action automatically" in text
    assert "A person decided" in text and "followed the recommendation" in text
    assert "A second person reviewed and approved the decision." in text
    assert "Out-of-court dispute settlement and judicial redress remain available." in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_statement_of_reasons_names_the_reporters_role_never_who(fmt: str) -> None:
    text = section(suspension(), "Statement of reasons", fmt)
    assert "based on a report by a rider (identity withheld from the account holder)" in text
    assert "rdr_9" not in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_an_education_decision_has_no_statement_of_reasons(fmt: str) -> None:
    record = education()
    assert record.statement_of_reasons is None
    text = section(record, "Statement of reasons", fmt)
    assert "did not restrict the account, so no statement of reasons was required" in text
    assert "Out-of-court" not in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_second_review_nobody_needed_reads_not_required(fmt: str) -> None:
    expected = {"html": "Second review Not required", "md": "| Second review | Not required |"}
    assert expected[fmt] in readable(education(), fmt)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_deviation_shows_the_justification_and_says_it_deviates(fmt: str) -> None:
    decision = section(deviation(), "Decision", fmt)
    assert "This decision deviates from the matrix recommendation" in decision
    assert "recommended a temporary suspension of 7 days" in decision
    assert "First report in three years; the speeding was brief and at night." in decision


def test_a_deviation_is_shown_as_a_callout_in_html() -> None:
    document = RENDERER.html(deviation())
    callout = document.split('<div class="callout">')[1].split("</div>\n  </div>")[0]
    assert "Deviation from the matrix recommendation" in callout
    assert "First report in three years" in callout


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_unavailable_evidence_shows_the_reason(fmt: str) -> None:
    found = section(suspension(), "What was found", fmt)
    assert "Unavailable" in found
    assert "telematics answered 503" in found and "try again later" in found


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_reported_summary_appears_in_full_with_its_source(fmt: str) -> None:
    reported = section(suspension(), "What was reported", fmt)
    assert "Rider says the driver pushed them out of the car at the drop-off." in reported
    assert "safety-hotline" in reported and "rdr_9" in reported


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_dates_are_shown_in_the_markets_time_zone_with_the_zone_named(fmt: str) -> None:
    state = worked(reported_at="2026-11-23T10:00:00-06:00")
    decide(state)
    reported = section(close(state), "What was reported", fmt)
    assert "23 Nov 2026, 10:00 Central Standard Time" in reported
    assert "UTC" not in reported


def test_html_dates_carry_the_utc_time_for_machines_and_on_hover() -> None:
    state = worked(reported_at="2026-11-23T10:00:00-06:00")
    decide(state)
    document = RENDERER.html(close(state))
    assert (
        '<time datetime="2026-11-23T16:00:00+00:00" title="2026-11-23 16:00 UTC">'
        "23 Nov 2026, 10:00 Central Standard Time</time>"
    ) in document


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_both_formats_carry_the_confidentiality_notice(fmt: str) -> None:
    assert CONFIDENTIAL in readable(education(), fmt)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_sections_come_in_order(fmt: str) -> None:
    assert headings(suspension(), fmt) == [
        "Case report",
        "Summary",
        "What was reported",
        "What was found",
        "Recommendation",
        "Decision",
        "Statement of reasons",
        "Account changes, messages and notes",
        "Timeline",
    ]


# --- HTML ---------------------------------------------------------------------------------------


def test_html_escapes_user_text() -> None:
    state = worked(summary='He said <script>alert("x")</script> & drove off')
    decide(state, rationale="<b>bold</b> claim")
    document = RENDERER.html(close(state))
    assert "<script" not in document and "<b>" not in document
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; drove off" in document
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in document


def test_html_is_a_complete_printable_a4_document() -> None:
    document = RENDERER.html(suspension())
    assert document.lstrip().lower().startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in document
    assert "<title>Case report review-INC-1001</title>" in document
    assert "@page { size: A4; margin: 18mm 16mm; }" in document
    assert "@media print" in document and "break-inside: avoid" in document
    assert "word-break" in document
    assert document.rstrip().endswith("</html>")


def test_html_loads_nothing_external_and_runs_no_script() -> None:
    document = RENDERER.html(suspension()).lower()
    for forbidden in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert forbidden not in document


class _TagBalance(HTMLParser):
    VOID = frozenset({"meta", "br", "col", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


@pytest.mark.parametrize("make", [suspension, education, deviation, after_a_hearing])
def test_html_tags_are_balanced(make: Any) -> None:
    parser = _TagBalance()
    parser.feed(RENDERER.html(make()))
    assert parser.problems == [] and parser.open == []


# --- Markdown -----------------------------------------------------------------------------------


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_escapes_pipes_in_table_cells() -> None:
    document = RENDERER.markdown(deviation_with_telematics_down())
    rows = [line for line in document.splitlines() if line.startswith("| ")]
    evidence_row = next(line for line in rows if line.startswith("| Telematics"))
    assert "telematics answered 503 \\| try again later" in evidence_row
    assert _unescaped_pipes(evidence_row) == 4
    second_review_row = next(line for line in rows if "second review approved" in line)
    assert "Approve the warning \\| the history supports it." in second_review_row
    assert _unescaped_pipes(second_review_row) == 5


def deviation_with_telematics_down() -> CaseRecord:
    state = worked(telematics_down=True)
    decide(
        state,
        action=EnforcementAction.WARNING,
        suspension_days=None,
        justification="First report in three years.",
    )
    approve(state, comment="Approve the warning | the history supports it.")
    return close(state)


def test_markdown_keeps_html_in_user_text_inert() -> None:
    state = worked(summary="Look: <img src=x onerror=alert(1)>")
    decide(state)
    document = RENDERER.markdown(close(state))
    assert re.search(r"(?<!\\)<img", document) is None
    assert "\\<img src=x onerror=alert(1)>" in document


def test_markdown_has_tables_for_evidence_and_timeline() -> None:
    document = RENDERER.markdown(suspension())
    assert "| Evidence source | Status | What it showed |\n| --- | --- | --- |\n" in document
    assert "| At | Event | Actor | Detail |\n| --- | --- | --- | --- |\n" in document


# --- guidelines and file names ------------------------------------------------------------------


def test_a_clause_no_longer_in_the_guidelines_still_renders() -> None:
    only_driving = CommunityGuidelines.model_validate(
        {"CG-DRIVING-2": GUIDELINES.clause("CG-DRIVING-2").model_dump()}
    )
    text = CaseReportRenderer(only_driving, translator("en")).markdown(suspension())
    assert "CG-SAFETY-1" in text and "Clause not in the current community guidelines" in text


def test_the_filename_names_the_review_and_format() -> None:
    record = education()
    assert report_filename(record, "md") == "case-report-review-INC-1001.md"
    assert report_filename(record, "html") == "case-report-review-INC-1001.html"


# --- in the reader's language -------------------------------------------------------------------

ENGLISH_LABELS = [
    "Case report", "Summary", "What was reported", "What was found", "Recommendation",
    "Decision", "Statement of reasons", "Account changes", "Messages sent", "Notes", "Timeline",
    "Decided by", "Second review", "Category and severity", "Reported at", "Evidence source",
    "What it showed", "Available", "Unavailable", "Matrix rule", "Rationale", "Justification",
    "Policy references", "Physical assault", "Dangerous driving", "Temporary suspension",
    "Warning", "specialist", "lead", "Trip details", "Incident reports", "Account history",
    "Telematics", "In-app messages", "Outcome notice", "Enforcement", "suspended", "day", "days",
    "severity", "tier", "deadline", "Central Standard Time", "UTC", "system", "received",
    "evidence gathered", "recommended", "decided", "second review approved", "closed",
    "all sources available", "by rule", "deviates from the matrix", "report", "statement",
    "member since", "trips", "Territorial scope", "identity withheld", "Out-of-court",
    "Confidential", "No notes.", "Not escalated.", "Case record version", "Spanish (Mexico)",
]  # fmt: skip
RAW_CODES = [
    "temporary_suspension", "physical_assault", "dangerous_driving", "trip_details",
    "incident_reports", "outcome_notice", "specialist)", "es-MX", "report(s)", "statement(s)",
]  # fmt: skip


def free_text(record: CaseRecord) -> list[str]:
    """What people and other systems wrote, and identifiers: shown as written in any language."""
    d, rec = record.decision, record.recommendation
    texts = [record.request.summary, d.rationale, d.justification or ""]
    texts += [record.second_review.comment] if record.second_review else []
    texts += [e.summary.removeprefix("unavailable: ") for e in record.evidence if not e.available]
    texts += [m.subject for m in record.messages] + [n.text for n in record.notes]
    texts += [rec.rule_id, rec.matrix_version] if rec else []
    texts += [record.hearing.answer.statement] if record.hearing and record.hearing.answer else []
    return [line for text in texts for line in text.splitlines() if line]


def without_free_text(document: str, record: CaseRecord) -> str:
    """The report without the text it quotes as written (as shown in HTML or in Markdown)."""
    for text in sorted(free_text(record), key=len, reverse=True):
        for shown in (text, text.replace("|", "\\|"), text.replace("\\", "\\\\")):
            document = document.replace(shown, " ")
    return document


def english_leftovers(record: CaseRecord, fmt: str) -> list[str]:
    """English labels and raw codes found in the report an es-MX reader gets."""
    text = without_free_text(readable(record, fmt, "es-MX"), record)
    labels = list(ENGLISH_LABELS)
    # And every other text of the report's own that Spanish says differently.
    en, es = report_catalog("en"), report_catalog("es-MX")
    labels += [v for k, v in en.items() if "{" not in v and len(v) > 3 and v != es[k]]
    found = [w for w in labels if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    return found + [code for code in RAW_CODES if code in text]


@pytest.mark.parametrize("make", [suspension, deviation, education, after_a_hearing])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_report_for_an_es_mx_reader_has_no_english_leftovers(make: Any, fmt: str) -> None:
    assert english_leftovers(make(), fmt) == []


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_report_for_an_es_mx_reader_has_spanish_headings_in_order(fmt: str) -> None:
    assert headings(suspension(), fmt, "es-MX") == [
        "Informe del caso",
        "Resumen",
        "Qué se reportó",
        "Qué se encontró",
        "Recomendación",
        "Decisión",
        "Exposición de motivos",
        "Cambios en la cuenta, mensajes y notas",
        "Historial",
    ]


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_report_for_an_es_mx_reader_names_categories_actions_and_roles_in_spanish(
    fmt: str,
) -> None:
    text = readable(suspension(), fmt, "es-MX")
    person = {"html": "{} ({})", "md": "`{}` ({})"}[fmt]
    assert "Agresión física, gravedad baja" in text
    assert "Suspensión temporal, 30 días" in text
    assert person.format("ana", "especialista") in text
    assert person.format("luis", "líder") in text
    assert "Conductor" in text and "Pasajero" in text  # the account's and the reporter's roles
    assert "aprobada" in text and "Nivel crítico" in text
    for source in ("Detalles del viaje", "Reportes del incidente", "Telemetría"):
        assert source in text
    assert "Aviso del resultado" in text and "español (México)" in text
    assert "Medida aplicada" in text and "suspendida" in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_report_for_an_es_mx_reader_shows_times_in_the_markets_zone(fmt: str) -> None:
    state = worked(reported_at="2026-11-23T10:00:00-06:00")
    decide(state)
    reported = section(close(state), "Qué se reportó", fmt, "es-MX")
    assert "23 nov 2026, 10:00 hora estándar central" in reported
    assert "UTC" not in reported


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_times_follow_the_records_market_not_the_reader(fmt: str) -> None:
    state = worked(account={"market": "los-angeles"})
    decide(state)
    record = close(state)
    # Received at 16:05 UTC: 08:05 in Los Angeles.
    assert "23 nov 2026, 08:05 hora estándar del Pacífico" in readable(record, fmt, "es-MX")
    assert "23 Nov 2026, 08:05 Pacific Standard Time" in readable(record, fmt, "en")


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_same_record_reads_in_english_for_an_english_reader(fmt: str) -> None:
    record = suspension()
    text = readable(record, fmt, "en")
    assert text == readable(record, fmt)  # English is also what a reader gets by default
    assert "Physical assault, low severity" in text and "Temporary suspension, 30 days" in text
    assert "Critical tier" in text and "Spanish (Mexico)" in text
    assert "23 Nov 2026, 10:05 Central Standard Time" in text
    for spanish in ("Informe del caso", "Suspensión temporal", "especialista", "hora estándar"):
        assert spanish not in text
    assert "Tu cuenta: resultado de la revisión" in text  # the subject as it was sent


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_cited_guidelines_are_quoted_in_the_readers_language(fmt: str) -> None:
    _, en = GUIDELINES.clause("CG-SAFETY-1").text("en")
    _, es = GUIDELINES.clause("CG-SAFETY-1").text("es-MX")
    decision = section(suspension(), "Decisión", fmt, "es-MX")
    assert es.title in decision and es.summary in decision
    assert en.title not in decision and en.summary not in decision


def test_a_clause_without_a_translation_is_quoted_in_english_and_marked_so() -> None:
    english_only = CommunityGuidelines.model_validate(
        {"CG-SAFETY-1": {"en": GUIDELINES.clause("CG-SAFETY-1").text("en")[1].model_dump()}}
    )
    document = CaseReportRenderer(english_only).html(suspension(), "es-MX")
    assert '<strong lang="en">No physical violence</strong>' in document
    assert document.count('<html lang="es-MX">') == 1


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_statement_of_reasons_reads_in_the_readers_language(fmt: str) -> None:
    text = section(suspension(), "Exposición de motivos", fmt, "es-MX")
    assert "Suspensión temporal de la cuenta de conductor por 30 días." in text
    assert "Alcance territorial: todos los mercados donde opera la plataforma." in text
    assert "al 23 dic 2026, 13:06 hora estándar central" in text
    assert "con base en un reporte de un pasajero (sin revelar su identidad" in text
    assert "Una segunda persona revisó y aprobó la decisión." in text
    assert "apelar internamente hasta el 23 dic 2026, 13:06 hora estándar central (30 días)" in text
    assert "rdr_9" not in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_deviation_is_explained_in_the_readers_language(fmt: str) -> None:
    decision = section(deviation(), "Decisión", fmt, "es-MX")
    assert "Esta decisión difiere de la recomendación de la matriz" in decision
    assert (
        "la matriz recomendaba una suspensión temporal de 7 días y quien revisó decidió "
        "una advertencia" in decision
    )
    assert "First report in three years; the speeding was brief and at night." in decision


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_evidence_summaries_are_said_in_the_readers_language(fmt: str) -> None:
    record = suspension()
    found = section(record, "Qué se encontró", fmt, "es-MX")
    assert "viaje `trip_abc123`" in found if fmt == "md" else "viaje trip_abc123" in found
    assert "23 nov 2026, 09:20 hora estándar central, 9.5 km de Roma Norte a Polanco" in found
    assert "1 reporte, 1 declaración (quien reportó)" in found
    assert "miembro desde el 5 ene 2023, 1,200 viajes, 0 faltas previas confirmadas" in found
    assert "0 mensajes en la app" in found
    assert "no disponible: telematics answered 503" in found  # the service's reason as given
    english = section(record, "What was found", fmt)
    assert "1 report, 1 statement (reporter)" in english and "report(s)" not in english


def with_evidence(record: CaseRecord, *items: EvidenceItem) -> CaseRecord:
    summaries = [
        EvidenceSummary(source=e.source, available=e.available, summary=summarize_evidence(e))
        for e in items
    ]
    return record.model_copy(update={"evidence": summaries})


def test_telematics_and_counts_are_said_with_plurals() -> None:
    telematics = EvidenceItem(
        source=EvidenceSource.TELEMATICS,
        available=True,
        data=Telematics(trip_id="trip_abc123", max_speed_kmh=96.5, hard_brakes=1, events=[]),
        gathered_at=RECEIVED,
    )
    record = with_evidence(education(), telematics)
    assert "velocidad máxima 96.5 km/h, 1 frenado brusco, 0 eventos" in RENDERER.markdown(
        record, "es-MX"
    )
    assert "max speed 96.5 km/h, 1 hard brake, 0 events" in RENDERER.markdown(record)


def test_a_summary_that_does_not_parse_reliably_is_shown_as_written() -> None:
    trip = EvidenceItem(
        source=EvidenceSource.TRIP_DETAILS,
        available=True,
        data=TripDetails(
            trip_id="trip_abc123",
            started_at=RECEIVED,
            pickup_area="Back to Back Plaza",  # which " to " ends the pickup area is unclear
            dropoff_area="Polanco",
            distance_km=3.0,
            driver_account_id="drv_123",
            rider_account_id="rdr_9",
        ),
        gathered_at=RECEIVED,
    )
    written = summarize_evidence(trip)
    document = RENDERER.markdown(with_evidence(education(), trip), "es-MX")
    assert f"| Detalles del viaje | Disponible | {written} |" in document


def timeline_rows(record: CaseRecord, locale: str) -> list[str]:
    """The Markdown timeline's rows, without its header."""
    table = RENDERER.markdown(record, locale).split("\n## 7. ")[1].split("\n\n")[1]
    return table.splitlines()[2:]


def row(rows: list[str], event: str) -> str:
    return next(r for r in rows if f"| {event} |" in r)


def test_timeline_details_are_readable_not_raw_codes() -> None:
    record = suspension()
    en, es = timeline_rows(record, "en"), timeline_rows(record, "es-MX")
    assert row(en, "decided").endswith("| ana | Temporary suspension, 30 days |")
    assert row(es, "decidida").endswith("| ana | Suspensión temporal, 30 días |")
    rule = "`physical_assault.low.priors=0`"
    assert f"Temporary suspension, 30 days by rule {rule}" in row(en, "recommended")
    assert f"Suspensión temporal, 30 días según la regla {rule}" in row(
        es, "recomendación de la matriz"
    )
    assert "Physical assault (low) from `safety-hotline`; critical tier" in row(en, "received")
    assert "Agresión física (baja) desde `safety-hotline`; nivel crítico" in row(es, "recibida")
    assert row(es, "evidencia reunida").endswith("| no disponibles: Telemetría |")
    assert "temporary_suspension" not in "\n".join(en + es)


def test_a_deviating_decision_says_so_in_the_timeline() -> None:
    rows = timeline_rows(deviation(), "es-MX")
    assert row(rows, "decidida").endswith("| Advertencia (difiere de la matriz) |")
    assert row(timeline_rows(deviation(), "en"), "decided").endswith(
        "| Warning (deviates from the matrix) |"
    )


def workflow_timeline(state: ReviewState) -> None:
    """Entries the workflow and the SLA watch add, written as they write them."""
    at = RECEIVED + timedelta(hours=1)
    lifecycle.mark_at_risk(state, at)
    lifecycle.mark_breached(state, at)
    lifecycle.block_actioning(state, "account change: account service answered 503", at)
    lifecycle.record(state, at, "interim_hold_placed", detail="on_hold")
    lifecycle.record(state, at, "account_actioned", detail="status suspended")
    lifecycle.record(state, at, "message_sent", detail="outcome_notice to the driver in es-MX")
    lifecycle.record(
        state,
        at,
        "message_sent",
        detail="report_reviewed to the rider in en (no pt-BR translation)",
    )


def test_workflow_and_sla_details_are_readable_and_system_escalations_translated() -> None:
    state = worked()
    workflow_timeline(state)
    decide(state)
    record = close(state)
    rows = "\n".join(timeline_rows(record, "es-MX"))
    assert (
        "| SLA en riesgo | sistema | fecha límite: 24 nov 2026, 10:05 hora estándar central |"
        in rows
    )
    assert "SLA vencido: sin decisión al 24 nov 2026, 10:05 hora estándar central" in rows
    assert "ejecución bloqueada: cambio en la cuenta: account service answered 503" in rows
    assert "| pausa provisional aplicada | sistema | en pausa |" in rows
    assert "| estado: suspendida |" in rows
    assert "Aviso del resultado, enviado al conductor en español (México)" in rows
    assert (
        "Reporte revisado, enviado al pasajero en inglés (sin traducción a portugués (Brasil))"
        in rows
    )
    escalations = section(record, "Cambios en la cuenta, mensajes y notas", "md", "es-MX")
    assert "- SLA vencido: sin decisión al 24 nov 2026, 10:05 hora estándar central" in escalations
    english = "\n".join(timeline_rows(record, "en"))
    assert "Outcome notice, sent to the driver in Spanish (Mexico)" in english
    assert "actioning blocked: account change: account service answered 503" in english
    assert "deadline 24 Nov 2026, 10:05 Central Standard Time" in english
    assert "T19:" not in english and "T19:" not in rows  # no ISO times left


def test_what_people_wrote_stays_as_written_even_when_it_looks_like_a_code() -> None:
    state = worked(category="physical_assault", severity="low")  # a lead reviews it
    lifecycle.escalate(
        state, "SLA breached: no decision by 2026-11-23T20:05:00+00:00", RECEIVED, ANA
    )
    decide(state)
    approve(state, comment="temporary_suspension 7 days")
    record = close(state)
    rows = "\n".join(timeline_rows(record, "es-MX"))
    assert "| escalada | ana | SLA breached: no decision by 2026-11-23T20:05:00+00:00 |" in rows
    assert "| segunda revisión: aprobada | luis | temporary_suspension 7 days |" in rows
    escalations = section(record, "Cambios en la cuenta, mensajes y notas", "md", "es-MX")
    assert "- SLA breached: no decision by 2026-11-23T20:05:00+00:00" in escalations


def test_a_detail_that_does_not_parse_is_shown_as_written() -> None:
    state = worked()
    decide(state)
    lifecycle.record(state, RECEIVED, "decided", ANA, "something <odd> | here")
    lifecycle.record(state, RECEIVED, "reopened_by_magic", None, "whatever_code 3")
    record = close(state)
    rows = "\n".join(timeline_rows(record, "es-MX"))
    assert "| decidida | ana | something \\<odd> \\| here |" in rows
    assert "| reopened by magic | sistema | whatever_code 3 |" in rows
    assert "something &lt;odd&gt; | here" in RENDERER.html(record, "es-MX")


def test_html_escapes_user_text_in_every_language() -> None:
    state = worked(category="physical_assault", severity="low", summary="<script>x</script>")
    decide(state, rationale="<b>bold</b> claim")
    approve(state, comment="<i>ok</i>")
    document = RENDERER.html(close(state), "es-MX")
    assert '<html lang="es-MX">' in document and "<h1>Informe del caso</h1>" in document
    assert "<script" not in document and "<b>" not in document and "<i>" not in document
    assert "&lt;i&gt;ok&lt;/i&gt;" in document


@pytest.mark.parametrize("make", [suspension, education, deviation])
def test_spanish_html_says_its_language_and_its_tags_are_balanced(make: Any) -> None:
    document = RENDERER.html(make(), "es-MX")
    assert '<html lang="es-MX">' in document
    parser = _TagBalance()
    parser.feed(document)
    assert parser.problems == [] and parser.open == []


def test_markdown_tables_keep_their_columns_in_spanish() -> None:
    document = RENDERER.markdown(deviation_with_telematics_down(), "es-MX")
    rows = [line for line in document.splitlines() if line.startswith("| ")]
    evidence_row = next(line for line in rows if line.startswith("| Telemetría"))
    assert _unescaped_pipes(evidence_row) == 4
    timeline = document.split("\n## 7. ")[1].splitlines()[2:]
    assert all(_unescaped_pipes(line) == 5 for line in timeline if line.startswith("| "))


def test_a_reader_gets_the_nearest_language_the_report_is_written_in() -> None:
    nearest = {
        "es-MX": "es-MX", "es-mx": "es-MX", "es-AR": "es-MX", "es": "es-MX",
        "en-GB": "en", "pt-BR": "en", "fr": "en", None: "en",
    }  # fmt: skip
    assert {asked: RENDERER.reader_locale(asked) for asked in nearest} == nearest
    assert headings(suspension(), "md", "es-AR")[0] == "Informe del caso"


def test_every_report_language_has_every_text() -> None:
    keys = {loc: set(report_catalog(loc)) for loc in report_locales()}
    assert set(keys) >= {"en", "es-MX"}
    for loc, found in keys.items():
        assert found == keys["en"], f"{loc} differs from en: {found ^ keys['en']}"


def test_the_report_names_things_as_the_app_does_in_every_language() -> None:
    for loc in report_locales():
        report, app = report_catalog(loc), app_catalog(loc)
        for category in IncidentCategory:
            assert report[f"category_{category}"] == app[f"category_{category}"], (loc, category)
        for action in EnforcementAction:
            assert report[f"action_{action}"] == app[f"action_{action}"], (loc, action)
        for severity in Severity:
            assert report[f"severity_{severity}"] == app[f"severity_{severity}"].lower()
        for tier in SlaTier:
            assert report[f"tier_{tier}"] == app[f"tier_{tier}"].lower()


# --- the API ------------------------------------------------------------------------------------

ELENA = {"Authorization": "Bearer demo-elena-token"}  # a lead whose profile says en


async def archived(web_services: WebServices) -> str:
    """The report address of a suspension's record in the archive."""
    record = decided_record(web_services.policy, EnforcementAction.TEMPORARY_SUSPENSION)
    web_services.archive.write(record, datetime.now(UTC))
    return f"/api/v1/reviews/{record.review_id}/report"


async def test_the_api_serves_the_report_in_the_callers_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    spanish = await api.get(url, headers=web.ANA)  # Ana's profile says es-MX
    assert spanish.status_code == 200
    assert spanish.headers["content-language"] == "es-MX"
    assert (
        "<title>Informe del caso review-" in spanish.text
        and "Exposición de motivos" in spanish.text
    )
    english = await api.get(url, params={"format": "md"}, headers=ELENA)
    assert english.headers["content-language"] == "en"
    assert english.text.startswith("# Case report") and "Statement of reasons" in english.text


async def test_lang_picks_a_language_the_report_is_written_in(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    spanish = await api.get(url, params={"lang": "es-MX", "format": "md"}, headers=ELENA)
    assert spanish.status_code == 200 and spanish.text.startswith("# Informe del caso")
    english = await api.get(url, params={"lang": "en"}, headers=web.ANA)
    assert english.headers["content-language"] == "en" and "Statement of reasons" in english.text


async def test_lang_refuses_a_language_the_report_is_not_written_in(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    answer = await api.get(url, params={"lang": "fr"}, headers=web.ANA)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["lang"]
    assert "en, es-MX" in answer.json()["error"]


async def test_a_signed_in_reader_gets_the_language_chosen_for_the_session(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    url = await archived(web_services)
    token = await signed_in(api, "ana")  # Ana's profile says es-MX
    assert "Informe del caso" in (await api.get(url)).text
    await api.post("/language", data={"locale": "en", "csrf_token": token, "back": "/queue"})
    answer = await api.get(url)
    assert answer.headers["content-language"] == "en" and "<h1>Case report</h1>" in answer.text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_names_the_market_in_the_readers_language(fmt: str) -> None:
    record = suspension()  # a mexico-city account
    assert record.request.account.market == "mexico-city"

    assert "Ciudad de México" in readable(record, fmt, "es-MX")
    assert "Mexico City" in readable(record, fmt, "en")
    assert "mexico-city" not in readable(record, fmt, "es-MX")


@pytest.mark.parametrize(
    ("message", "locale", "said"),
    [
        (
            "account status service: connection refused",
            "es-MX",
            "el servicio de estado de cuentas no acepta conexiones",
        ),
        (
            "notification gateway: timed out",
            "en",
            "the notification gateway did not answer in time",
        ),
        (
            "evidence source telematics answered HTTP 503",
            "es-MX",
            "la fuente «Telemetría» respondió con el error HTTP 503",
        ),
        (
            "send_notice failed with OverflowError, which retrying cannot fix",
            "es-MX",
            "el envío de un mensaje falló con OverflowError, y reintentar no lo resuelve",
        ),
        (
            "decision archive: database unavailable (OperationalError)",
            "en",
            "the decision archive: the database is unavailable (OperationalError)",
        ),
    ],
)
def test_a_platform_services_failure_reads_in_the_readers_language(
    message: str, locale: str, said: str
) -> None:
    words = RENDERER.words("mexico-city", locale)
    assert str(words.failure(message)) == said


def test_a_failure_reason_no_activity_wrote_is_shown_as_it_is_and_escaped() -> None:
    words = RENDERER.words("mexico-city", "es-MX")
    assert str(words.failure("<b>odd</b>")) == "&lt;b&gt;odd&lt;/b&gt;"


def test_blocked_actioning_names_the_step_and_the_reason_in_the_readers_language() -> None:
    words = RENDERER.words("mexico-city", "es-MX")
    said = words.blocked("account change: account status service answered HTTP 404")
    assert (
        str(said)
        == "cambio en la cuenta: el servicio de estado de cuentas respondió con el error HTTP 404"
    )


# --- the person's hearing -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_decision_after_a_hearing_shows_what_was_put_to_the_person_and_their_answer(
    fmt: str,
) -> None:
    text = section(after_a_hearing(), "Decision", fmt).replace("`", "")
    assert "The person's hearing" in text
    assert "Permanent deactivation, decided by ana (specialist) on 23 Nov 2026, 12:05" in text
    assert "Approved before the hearing by" in text and "luis (lead)" in text
    assert "Received 24 Nov 2026, 13:06 Central Standard Time:" in text
    assert HEARD_ANSWER in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_hearing_without_an_answer_says_so(fmt: str) -> None:
    text = section(after_a_hearing(answered=False), "Decision", fmt)
    assert "No answer by the deadline." in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_statement_of_reasons_says_the_person_was_heard_first(fmt: str) -> None:
    answered = section(after_a_hearing(), "Statement of reasons", fmt)
    silent = section(after_a_hearing(answered=False), "Statement of reasons", fmt)
    assert "was sent a notice of intent on" in answered and "the answer was weighed" in answered
    assert "did not answer by" in silent


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_decision_without_a_hearing_shows_none(fmt: str) -> None:
    assert "hearing" not in readable(suspension(), fmt).lower()
