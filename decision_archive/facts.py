"""A closed review's facts in plaintext columns: what metrics, QA sampling and policy insight
count, and nothing that says who the account or the reporter is.

The case record itself is sealed; SQL cannot read it. When the archive stores a record it also
stores these facts, in the same transaction, so every closed review is counted exactly once.
``facts_of`` is the one place that says how a record becomes facts.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from review.case_record import CaseRecord
from review.models import EnforcementAction, IncidentCategory, Severity, SlaTier, StrictModel


class DecisionFacts(StrictModel):
    """One closed review, as the numbers see it."""

    review_id: str
    market: str
    category: IncidentCategory
    severity: Severity
    account_role: str
    tier: SlaTier
    rule_id: str | None = Field(description="The matrix entry that recommended; None: none did.")
    matrix_version: str | None
    recommended_action: EnforcementAction | None
    action: EnforcementAction
    deviated: bool = Field(description="The decision departed from the matrix recommendation.")
    decided_by: str
    second_reviewer: str | None
    second_reviewed: bool = Field(description="A second person approved or returned it.")
    second_review_returned: bool = Field(description="A second reviewer returned it at least once.")
    escalated: bool
    received_at: datetime
    first_decided_at: datetime = Field(description="The first decision: what the SLA times.")
    decided_at: datetime = Field(description="The decision that was carried out.")
    closed_at: datetime
    sla_deadline: datetime
    sla_met: bool = Field(description="The first decision came by the tier's deadline.")
    sla_breached: bool

    @property
    def decision_seconds(self) -> float:
        """Time from receiving the incident to the first decision."""
        return (self.first_decided_at - self.received_at).total_seconds()


def facts_of(record: CaseRecord) -> DecisionFacts:
    """The facts of a closed review's record."""
    events = [entry.event for entry in record.timeline]
    decided = [entry.at for entry in record.timeline if entry.event == "decided"]
    first_decided = min(decided) if decided else record.decision.decided_at
    recommendation = record.recommendation
    sla = record.sla
    return DecisionFacts(
        review_id=record.review_id,
        market=record.request.account.market,
        category=record.request.category,
        severity=record.request.severity,
        account_role=str(record.request.account.role),
        tier=sla.tier,
        rule_id=recommendation.rule_id if recommendation else None,
        matrix_version=recommendation.matrix_version if recommendation else None,
        recommended_action=recommendation.action if recommendation else None,
        action=record.decision.action,
        deviated=record.decision.deviates_from_recommendation,
        decided_by=record.decision.reviewer.id,
        second_reviewer=record.second_review.reviewer.id if record.second_review else None,
        second_reviewed=("second_review_approved" in events or "second_review_returned" in events),
        second_review_returned="second_review_returned" in events,
        escalated=record.escalated,
        received_at=record.received_at,
        first_decided_at=first_decided,
        decided_at=record.decision.decided_at,
        closed_at=record.closed_at,
        sla_deadline=sla.deadline,
        sla_met=sla.met if sla.met is not None else first_decided <= sla.deadline,
        sla_breached=sla.breached,
    )
