"""The written case report (HTML and Markdown) of a closed review; pure rendering, no Temporal."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from decision_archive.report import CaseReportRenderer, report_filename
from policy import PolicySettings, load_policy
from review import lifecycle
from review.case_record import CaseRecord, case_record
from review.guidelines import CommunityGuidelines, load_guidelines
from review.models import (
    AccountChange,
    AccountHistory,
    ClaimRequest,
    EnforcementAction,
    EvidenceItem,
    EvidenceSource,
    InAppMessages,
    IncidentReports,
    Recipient,
    ReviewState,
    SecondReviewRequest,
    SentMessage,
    Statement,
    TripDetails,
)
from tests.conftest import review_request
from tests.review_steps import ANA, LUIS, following_recommendation
from webapp.i18n import translator

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


def plain(document: str) -> str:
    """The text an HTML reader sees: tags removed, entities decoded, whitespace collapsed."""
    text = re.sub(r"<style.*?</style>", " ", document, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text))


def readable(record: CaseRecord, fmt: str) -> str:
    """The report as a reader sees it: HTML as plain text, Markdown as written."""
    return plain(RENDERER.html(record)) if fmt == "html" else RENDERER.markdown(record)


def section(record: CaseRecord, title: str, fmt: str) -> str:
    """One top-level section of a report as a reader sees it, from its heading to the next."""
    if fmt == "html":
        parts = RENDERER.html(record).split("<h2")
        return plain(next(p for p in parts[1:] if title in p.split("</h2>")[0]))
    parts = RENDERER.markdown(record).split("\n## ")
    return next(p for p in parts[1:] if p.splitlines()[0].endswith(title))


def headings(record: CaseRecord, fmt: str) -> list[str]:
    """The report's h1 and h2 headings, in order, without their numbers."""
    if fmt == "html":
        found = re.findall(r"<h[12][^>]*>(.*?)</h[12]>", RENDERER.html(record))
    else:
        found = re.findall(r"^##? (.*)$", RENDERER.markdown(record), flags=re.M)
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
    assert f"until {sor.ends_at:%Y-%m-%d %H:%M} UTC" in text
    assert f"appeal internally until {sor.appeal_deadline:%Y-%m-%d %H:%M} UTC (30 days)" in text


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
    assert "recommended Temporary suspension, 7 days" in decision
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
def test_dates_are_shown_in_utc(fmt: str) -> None:
    state = worked(reported_at="2026-11-23T10:00:00-06:00")
    decide(state)
    reported = section(close(state), "What was reported", fmt)
    assert "2026-11-23 16:00 UTC" in reported


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


@pytest.mark.parametrize("make", [suspension, education, deviation])
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
