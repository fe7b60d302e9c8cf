"""Service-level targets: how long each tier has until a decision, and when it is at risk."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from review.models import SlaState, SlaTier, StrictModel


class SlaTarget(StrictModel):
    """The time a tier allows from receipt to a specialist's decision."""

    decision_hours: float = Field(gt=0, le=24 * 30)


class SlaPolicy(StrictModel):
    """Decision deadlines per tier, and the share of the time after which a review is at risk."""

    at_risk_fraction: float = Field(gt=0, lt=1)
    tiers: dict[SlaTier, SlaTarget]

    def start_clock(self, tier: SlaTier, started_at: datetime) -> SlaState:
        """The SLA clock for a review of ``tier`` received at ``started_at``."""
        allowed = timedelta(hours=self.tiers[tier].decision_hours)
        return SlaState(
            tier=tier,
            started_at=started_at,
            at_risk_at=started_at + allowed * self.at_risk_fraction,
            deadline=started_at + allowed,
        )
