"""Which closed reviews QA audits: sampling rules as policy data, drawn reproducibly.

Every closed review is a candidate. Its rate is the highest that applies to it: the base rate;
the new-specialist rate when whoever decided it had worked here fewer than
``new_specialist_days`` on the day they decided; the deviation rate when the decision departed
from the matrix; the unreviewed-deactivation rate (1.0: every one) for a permanent deactivation
no second person reviewed. The draw is a number in [0, 1) hashed from the policy's seed and the
review id, so anyone with the same policy file draws the same sample, in any order, at any time;
a review is sampled when its draw is below its rate. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from review.models import EnforcementAction, StrictModel
from review.policy_files import POLICY_DIR, load_policy_file

QA_SAMPLING_FILE = POLICY_DIR / "qa_sampling.toml"

Rate = float


class SamplingReason(StrEnum):
    """Why a review's rate is what it is (each rule that applies to it)."""

    BASE = "base"
    NEW_SPECIALIST = "new_specialist"
    DEVIATION = "deviation"
    UNREVIEWED_DEACTIVATION = "unreviewed_deactivation"


class QaSamplingPolicy(StrictModel):
    """The sampling rules in force (``policy/qa_sampling.toml``)."""

    version: str = Field(min_length=1, max_length=40, description="Recorded with every draw.")
    seed: str = Field(
        min_length=1,
        max_length=80,
        description="Changes every draw; keep it while a period's sample must stay the same.",
    )
    base_rate: Rate = Field(ge=0, le=1, description="Share of all closed reviews audited.")
    new_specialist_rate: Rate = Field(ge=0, le=1)
    new_specialist_days: int = Field(
        ge=1, le=730, description="A specialist is new for this many days after starting."
    )
    deviation_rate: Rate = Field(
        ge=0, le=1, description="For decisions that departed from the matrix recommendation."
    )
    unreviewed_deactivation_rate: Rate = Field(
        ge=0, le=1, description="For permanent deactivations no second person reviewed."
    )
    lookback_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Only reviews closed this recently are drawn: QA audits current work.",
    )

    def rate_for(self, reason: SamplingReason) -> Rate:
        """The rate one rule gives."""
        return {
            SamplingReason.BASE: self.base_rate,
            SamplingReason.NEW_SPECIALIST: self.new_specialist_rate,
            SamplingReason.DEVIATION: self.deviation_rate,
            SamplingReason.UNREVIEWED_DEACTIVATION: self.unreviewed_deactivation_rate,
        }[reason]


def load_qa_sampling(path: Path = QA_SAMPLING_FILE) -> QaSamplingPolicy:
    """Load and validate the sampling rules; raises PolicyFileError naming the problem."""
    return load_policy_file(path, QaSamplingPolicy)


class AuditCandidate(StrictModel):
    """What sampling needs to know of a closed review."""

    review_id: str
    decided_by: str
    decided_at: datetime
    action: EnforcementAction
    deviated: bool
    second_reviewed: bool
    decider_started_on: date | None = Field(
        default=None, description="When the decider started; None when the directory lacks it."
    )


class SampleDraw(StrictModel):
    """One review's draw: its rate, the rules behind it, the number drawn and the outcome."""

    review_id: str
    policy_version: str
    rate: Rate
    reasons: list[SamplingReason]
    draw: float
    sampled: bool


def reasons_for(candidate: AuditCandidate, policy: QaSamplingPolicy) -> list[SamplingReason]:
    """Every sampling rule that applies to a review, the base rule first."""
    reasons = [SamplingReason.BASE]
    started = candidate.decider_started_on
    if started is not None and (candidate.decided_at.date() - started).days < (
        policy.new_specialist_days
    ):
        reasons.append(SamplingReason.NEW_SPECIALIST)
    if candidate.deviated:
        reasons.append(SamplingReason.DEVIATION)
    if (
        candidate.action == EnforcementAction.PERMANENT_DEACTIVATION
        and not candidate.second_reviewed
    ):
        reasons.append(SamplingReason.UNREVIEWED_DEACTIVATION)
    return reasons


def draw_number(seed: str, review_id: str) -> float:
    """A number in [0, 1) fixed by the seed and the review id (the first 8 bytes of SHA-256)."""
    digest = hashlib.sha256(f"{seed}\x00{review_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def draw_for_audit(candidate: AuditCandidate, policy: QaSamplingPolicy) -> SampleDraw:
    """Whether QA audits this review, and why; the same inputs always give the same draw."""
    reasons = reasons_for(candidate, policy)
    rate = max(policy.rate_for(r) for r in reasons)
    draw = draw_number(policy.seed, candidate.review_id)
    return SampleDraw(
        review_id=candidate.review_id,
        policy_version=policy.version,
        rate=rate,
        reasons=reasons,
        draw=draw,
        sampled=draw < rate,
    )


class SampleRate(StrictModel):
    """How much of what was eligible was sampled, overall or for one rule."""

    eligible: int
    sampled: int
    rate: float | None = Field(description="sampled / eligible; None when nothing was eligible.")


class SamplingReport(StrictModel):
    """The sample's size against what it was drawn from, overall and per rule."""

    overall: SampleRate
    by_reason: dict[SamplingReason, SampleRate]


def sampling_report(draws: Iterable[SampleDraw]) -> SamplingReport:
    """Count the draws: overall and for each rule (a review counts under every rule that
    applied to it)."""
    return count_draws((d.reasons, d.sampled, 1) for d in draws)


def count_draws(groups: Iterable[tuple[list[SamplingReason], bool, int]]) -> SamplingReport:
    """The report of draws counted by group: the rules that applied, whether sampled, how
    many."""
    counts: dict[SamplingReason | None, list[int]] = {None: [0, 0]}
    for reason in SamplingReason:
        counts[reason] = [0, 0]
    for reasons, sampled, n in groups:
        for key in (None, *reasons):
            counts[key][0] += n
            counts[key][1] += n if sampled else 0

    def rate(key: SamplingReason | None) -> SampleRate:
        eligible, sampled = counts[key]
        return SampleRate(
            eligible=eligible, sampled=sampled, rate=sampled / eligible if eligible else None
        )

    return SamplingReport(
        overall=rate(None), by_reason={reason: rate(reason) for reason in SamplingReason}
    )
