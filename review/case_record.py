"""The written record of a closed review, as the decision archive keeps it.

A reader who never saw the review must understand from it what was reported, what was found,
what was decided, why, under which policy and by whom; so the record keeps the request, a
summary of each evidence source, the recommendation (rule and matrix version), the decision with
its rationale, policy references and justification, both reviewers, the person's hearing where
there was one, the SLA outcome, the account changes, the messages sent, the statement of
reasons and the timeline. It outlives the workflow
history, which Temporal deletes after its retention period.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from review import lifecycle
from review.models import (
    AccountChange,
    AccountHistory,
    Decision,
    EvidenceItem,
    EvidenceSource,
    Hearing,
    InAppMessages,
    IncidentReports,
    Note,
    Recommendation,
    ReviewRequest,
    ReviewState,
    SecondReview,
    SentMessage,
    SlaState,
    StatementOfReasons,
    StrictModel,
    Telematics,
    TimelineEntry,
    TripDetails,
)


class EvidenceSummary(StrictModel):
    """One evidence source in a line: what it showed, or why it could not be read."""

    source: EvidenceSource
    available: bool
    summary: str


class CaseRecord(StrictModel):
    """A closed review's case record (schema version 1)."""

    record_version: Literal[1] = 1
    review_id: str
    request: ReviewRequest
    received_at: datetime
    closed_at: datetime
    evidence: list[EvidenceSummary]
    recommendation: Recommendation | None
    decision: Decision
    second_review: SecondReview | None
    sla: SlaState
    escalated: bool
    escalation_reasons: list[str] = Field(default_factory=list)
    more_info_requests: list[str] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    account_changes: list[AccountChange] = Field(default_factory=list)
    messages: list[SentMessage] = Field(default_factory=list)
    statement_of_reasons: StatementOfReasons | None
    timeline: list[TimelineEntry]
    hearing: Hearing | None = Field(
        default=None,
        description="The person's hearing before the decision, where their market's law gave "
        "one: the decision put to them, the notice of intent and their answer.",
    )


class ArchivedRecord(StrictModel):
    """The archive's answer to a write: whether this call stored the record or found it."""

    review_id: str
    written_now: bool


def summarize_evidence(item: EvidenceItem) -> str:
    """One line that says what a source showed, without quoting statements or messages."""
    data = item.data
    if not item.available or data is None:
        return f"unavailable: {item.unavailable_reason or 'no answer'}"
    match data:
        case TripDetails():
            to = f" to {data.dropoff_area}" if data.dropoff_area else ""
            return (
                f"trip {data.trip_id} on {data.started_at:%Y-%m-%d %H:%M} UTC, "
                f"{data.distance_km} km from {data.pickup_area}{to}"
            )
        case IncidentReports():
            authors = ", ".join(sorted({s.author_role for s in data.statements})) or "none"
            return f"{data.report_count} report(s), {len(data.statements)} statement(s) ({authors})"
        case AccountHistory():
            return (
                f"member since {data.member_since:%Y-%m-%d}, {data.completed_trips} trips, "
                f"{len(data.prior_violations)} prior confirmed violation(s)"
            )
        case Telematics():
            return (
                f"max speed {data.max_speed_kmh:g} km/h, {data.hard_brakes} hard brake(s), "
                f"{len(data.events)} event(s)"
            )
        case InAppMessages():
            return f"{len(data.messages)} in-app message(s)"


def case_record(state: ReviewState, closed_at: datetime) -> CaseRecord:
    """The record of a decided review as it will be once closed at ``closed_at`` (the workflow
    writes the record before it closes, so a review is never closed without one)."""
    if state.decision is None:
        raise ValueError("only a decided review has a case record")
    state = state.model_copy(deep=True)
    lifecycle.close(state, closed_at)
    assert state.decision is not None
    return CaseRecord(
        review_id=state.review_id,
        request=state.request,
        received_at=state.received_at,
        closed_at=closed_at,
        evidence=[
            EvidenceSummary(source=e.source, available=e.available, summary=summarize_evidence(e))
            for e in state.evidence
        ],
        recommendation=state.recommendation,
        decision=state.decision,
        second_review=state.second_review,
        sla=state.sla,
        escalated=state.escalated,
        escalation_reasons=list(state.escalation_reasons),
        more_info_requests=list(state.more_info_requests),
        notes=list(state.notes),
        account_changes=list(state.account_changes),
        messages=list(state.messages),
        statement_of_reasons=state.statement_of_reasons,
        timeline=state.timeline,
        hearing=state.hearing,
    )
