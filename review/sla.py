"""Service-level targets: how long each tier has until a decision, until a lead's second
review, until the specialist's rework after a lead returned it, and until the specialist's new
decision after the person's hearing, and when each is at risk."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import get_args

from pydantic import Field

from review.models import ReviewStage, SlaState, SlaTier, StrictModel


class SlaTarget(StrictModel):
    """The times a tier allows: from receipt to a specialist's decision, from a decision to a
    lead's second review, from a lead's return to the revised decision, and from the end of the
    person's hearing to the new decision.

    The stage targets may be absent only in policies recorded in reviews started before they
    existed; a policy file must set them (the matrix loader says so)."""

    decision_hours: float = Field(gt=0, le=24 * 30)
    second_review_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    rework_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    reconsideration_hours: float | None = Field(default=None, gt=0, le=24 * 30)

    def stage_hours(self, stage: ReviewStage) -> float | None:
        """The hours this tier allows for ``stage``."""
        hours: float | None = getattr(self, f"{stage}_hours")
        return hours


class SlaPolicy(StrictModel):
    """Decision deadlines per tier, and the share of the time after which a review is at risk."""

    at_risk_fraction: float = Field(gt=0, lt=1)
    tiers: dict[SlaTier, SlaTarget]
    appeal_hours: float | None = Field(
        default=None,
        gt=0,
        le=24 * 30,
        description="Hours from an appeal to its decision (absent only in policies recorded "
        "before appeals; a policy file must set it).",
    )

    def start_clock(self, tier: SlaTier, started_at: datetime) -> SlaState:
        """The SLA clock for a review of ``tier`` received at ``started_at``."""
        target = self.tiers[tier]
        allowed = timedelta(hours=target.decision_hours)
        stages: dict[ReviewStage, float] = {}
        stage: ReviewStage
        for stage in get_args(ReviewStage):
            hours = target.stage_hours(stage)
            if hours is not None:
                stages[stage] = hours
        return SlaState(
            tier=tier,
            started_at=started_at,
            at_risk_at=started_at + allowed * self.at_risk_fraction,
            deadline=started_at + allowed,
            stage_hours=stages,
        )
