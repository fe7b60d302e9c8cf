"""The deactivation matrix: incident category x severity x prior history -> recommended action.

The matrix is policy, so it lives in a versioned data file (``policy/deactivation_matrix.toml``)
that is validated when loaded. Evaluating it is plain Python the workflow calls directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from review.guidelines import CommunityGuidelines, load_guidelines
from review.markets import MARKETS_FILE, Markets, load_markets
from review.models import (
    EnforcementAction,
    EvidenceSource,
    GuidelineRef,
    IncidentCategory,
    IntakeAssessment,
    PriorViolation,
    Recommendation,
    Severity,
    SlaTier,
    StrictModel,
    Strike,
    StrikeState,
)
from review.policy_files import POLICY_DIR, PolicyProblem, load_policy_file
from review.sla import SlaPolicy

MATRIX_FILE = POLICY_DIR / "deactivation_matrix.toml"

_ACTION_ORDER = list(EnforcementAction)


class LadderStep(StrictModel):
    """One rung: the action for a given number of prior confirmed violations."""

    action: EnforcementAction
    days: int | None = Field(default=None, ge=1, le=365)

    @model_validator(mode="before")
    @classmethod
    def _from_action_name(cls, value: Any) -> Any:
        # A bare action name is shorthand for a step without days: "warning".
        return {"action": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _days_only_for_suspensions(self) -> LadderStep:
        suspension = self.action is EnforcementAction.TEMPORARY_SUSPENSION
        if suspension and self.days is None:
            raise ValueError("temporary_suspension needs 'days'")
        if not suspension and self.days is not None:
            raise ValueError(f"'days' only applies to temporary_suspension, not {self.action}")
        return self

    def weight(self) -> tuple[int, int]:
        """Order steps by how much they restrict the account."""
        return _ACTION_ORDER.index(self.action), self.days or 0


class SeverityRule(StrictModel):
    """How one category is handled at one severity."""

    egregious: bool = Field(
        default=False,
        description="Egregious: interim hold at intake, critical tier, second review.",
    )
    tier: SlaTier | None = None
    interim_hold: bool | None = None
    second_review: bool | None = None
    ladder: list[LadderStep] = Field(
        min_length=1,
        max_length=10,
        description="ladder[n] applies with n prior violations; the last rung to n or more.",
    )

    @model_validator(mode="after")
    def _egregious_is_critical(self) -> SeverityRule:
        if self.egregious:
            if self.tier not in (None, SlaTier.CRITICAL):
                raise ValueError("an egregious entry is always tier 'critical'")
            if self.interim_hold is False or self.second_review is False:
                raise ValueError("an egregious entry always has an interim hold and second review")
        elif self.tier is None:
            raise ValueError("'tier' is required unless the entry is egregious")
        for lower, higher in zip(self.ladder, self.ladder[1:], strict=False):
            if higher.weight() < lower.weight():
                raise ValueError(
                    "ladder must not get milder with more prior violations "
                    f"({lower.action} is followed by {higher.action})"
                )
        return self

    @property
    def sla_tier(self) -> SlaTier:
        """The tier, critical for egregious entries."""
        return SlaTier.CRITICAL if self.egregious else (self.tier or SlaTier.STANDARD)

    @property
    def needs_interim_hold(self) -> bool:
        """Whether the account is held at intake."""
        return self.egregious or bool(self.interim_hold)

    @property
    def needs_second_review(self) -> bool:
        """Whether every decision at this entry needs a second reviewer."""
        return self.egregious or bool(self.second_review)


class CategoryPolicy(StrictModel):
    """One incident category: its guideline clauses and a rule per severity."""

    guidelines: list[GuidelineRef] = Field(min_length=1)
    strike_days: int | None = Field(
        default=None,
        ge=30,
        le=3650,
        description="How long a confirmed violation of this category counts as a strike. Absent "
        "only in policies recorded before strikes (they count history_window_days); a policy "
        "file must set it.",
    )
    evidence: list[EvidenceSource] | None = Field(
        default=None,
        description="The evidence a decision in this category rests on, of what is gathered "
        "(a fraud decision does not rest on speed data). Absent only in policies recorded "
        "before it existed: every source counts.",
    )
    severities: dict[Severity, SeverityRule]

    def relied_on(self, available: list[EvidenceSource]) -> list[EvidenceSource]:
        """Of the sources gathered, those a decision in this category rests on, in order."""
        counted = self.evidence
        return [s for s in available if counted is None or s in counted]


class ClaimPolicy(StrictModel):
    """How claims work: a claim is a lease the assignee's work keeps extending."""

    lease_minutes: int = Field(
        ge=5, le=24 * 60, description="How long a claim lasts without activity."
    )


DEFAULT_LEASE_MINUTES = 30
"""The lease of reviews whose recorded policy predates ``claims``."""


class DeactivationMatrix(StrictModel):
    """The whole versioned matrix, plus the SLA targets, claim leases and appeal window it
    sets."""

    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]+$")
    effective_from: date
    history_window_days: int = Field(ge=1, le=3650)
    appeal_window_days: int = Field(ge=1, le=365)
    sla: SlaPolicy
    claims: ClaimPolicy | None = Field(
        default=None,
        description="Absent only in policies recorded in reviews opened before claims were "
        "leases; a policy file must set it.",
    )
    categories: dict[IncidentCategory, CategoryPolicy]

    def lease_minutes(self) -> int:
        """How long a claim lasts without activity under this matrix."""
        return self.claims.lease_minutes if self.claims else DEFAULT_LEASE_MINUTES

    def rule(self, category: IncidentCategory, severity: Severity) -> SeverityRule:
        """The entry for a category at a severity."""
        return self.categories[category].severities[severity]

    def assess_intake(self, category: IncidentCategory, severity: Severity) -> IntakeAssessment:
        """What intake must do before anyone looks: urgency, interim hold, second review."""
        rule = self.rule(category, severity)
        return IntakeAssessment(
            sla_tier=rule.sla_tier,
            egregious=rule.egregious,
            interim_hold=rule.needs_interim_hold,
            second_review_required=rule.needs_second_review,
            matrix_version=self.version,
        )

    def recommend(
        self,
        category: IncidentCategory,
        severity: Severity,
        prior_violations: list[PriorViolation] | None,
        as_of: datetime,
    ) -> Recommendation:
        """The recommended action, counting confirmed violations within the look-back window.

        ``prior_violations`` is None when the account history could not be read: priors then
        count as zero and the recommendation says so, so the specialist knows to check.
        """
        strikes = self.strikes(prior_violations or [], as_of)
        counted = [s for s in strikes if s.state == "active"]
        rule = self.rule(category, severity)
        rung = min(len(counted), len(rule.ladder) - 1)
        step = rule.ladder[rung]
        # The last rung applies to that many priors or more: "2+", or "0+" for a single rung.
        priors = f"{rung}+" if rung == len(rule.ladder) - 1 else str(rung)
        return Recommendation(
            action=step.action,
            suspension_days=step.days,
            rule_id=f"{category}.{severity}.priors={priors}",
            matrix_version=self.version,
            guideline_refs=list(self.categories[category].guidelines),
            prior_violations=len(counted),
            strikes=strikes,
            history_available=prior_violations is not None,
            second_review_required=(
                rule.needs_second_review or step.action is EnforcementAction.PERMANENT_DEACTIVATION
            ),
        )

    def strike_days(self, category: str) -> int:
        """How long a violation of ``category`` counts: its strike period, or the look-back
        window for a category without one (or not in this matrix)."""
        policy = self.categories.get(category)  # type: ignore[call-overload]
        if policy is not None and policy.strike_days is not None:
            return int(policy.strike_days)
        return self.history_window_days

    def strikes(self, prior_violations: list[PriorViolation], as_of: datetime) -> list[Strike]:
        """Every prior violation decided by ``as_of`` as a strike then, newest first: retracted
        ones count for nothing; the rest are active from their decision until their period
        ends."""
        strikes: list[Strike] = []
        decided = [p for p in prior_violations if p.decided_at <= as_of]  # none yet at as_of
        for prior in sorted(decided, key=lambda p: p.decided_at, reverse=True):
            expires_at = prior.decided_at + timedelta(days=self.strike_days(prior.category))
            state: StrikeState = (
                "retracted" if prior.retracted else "active" if as_of <= expires_at else "expired"
            )
            strikes.append(
                Strike(
                    incident_id=prior.incident_id,
                    category=prior.category,
                    action=prior.action,
                    decided_at=prior.decided_at,
                    expires_at=expires_at,
                    state=state,
                )
            )
        return strikes


class ReviewPolicy(StrictModel):
    """The policy a review is worked under, recorded once in its history at intake."""

    matrix: DeactivationMatrix
    guideline_refs: list[str] = Field(description="Clauses a decision may cite.")
    markets: Markets | None = Field(
        default=None,
        description="The markets and the due process their law gives (None in reviews opened "
        "before markets were part of the policy a review records).",
    )


def _completeness(
    guidelines: CommunityGuidelines,
) -> Callable[[DeactivationMatrix], list[PolicyProblem]]:
    def check(matrix: DeactivationMatrix) -> list[PolicyProblem]:
        problems: list[PolicyProblem] = []
        if matrix.claims is None:
            problems.append(PolicyProblem("claims", "missing"))
        if matrix.sla.appeal_hours is None:
            problems.append(PolicyProblem("sla.appeal_hours", "missing"))
        for tier in SlaTier:
            target = matrix.sla.tiers.get(tier)
            if target is None:
                problems.append(PolicyProblem(f"sla.tiers.{tier}", "missing"))
                continue
            for stage_target in ("second_review_hours", "rework_hours", "reconsideration_hours"):
                if getattr(target, stage_target) is None:
                    problems.append(PolicyProblem(f"sla.tiers.{tier}.{stage_target}", "missing"))
        for category in IncidentCategory:
            policy = matrix.categories.get(category)
            if policy is None:
                problems.append(PolicyProblem(f"categories.{category}", "missing"))
                continue
            if policy.strike_days is None:
                problems.append(PolicyProblem(f"categories.{category}.strike_days", "missing"))
            if policy.evidence is None:
                problems.append(PolicyProblem(f"categories.{category}.evidence", "missing"))
            elif not policy.evidence:
                problems.append(
                    PolicyProblem(f"categories.{category}.evidence", "names no evidence source")
                )
            for severity in Severity:
                if severity not in policy.severities:
                    problems.append(
                        PolicyProblem(f"categories.{category}.severities.{severity}", "missing")
                    )
            for i, ref in enumerate(policy.guidelines):
                if ref not in guidelines:
                    problems.append(
                        PolicyProblem(
                            f"categories.{category}.guidelines[{i}]",
                            f"unknown guideline '{ref}' (not in community_guidelines.toml)",
                        )
                    )
        return problems

    return check


def load_matrix(
    path: Path = MATRIX_FILE, guidelines: CommunityGuidelines | None = None
) -> DeactivationMatrix:
    """Load and validate the matrix; PolicyFileError names the file, each entry and problem."""
    known = guidelines if guidelines is not None else load_guidelines()
    return load_policy_file(path, DeactivationMatrix, _completeness(known))


def load_review_policy(
    matrix_path: Path = MATRIX_FILE,
    guidelines_path: Path | None = None,
    markets_path: Path = MARKETS_FILE,
) -> ReviewPolicy:
    """Load the guidelines, the matrix that cites them and the markets, all validated."""
    guidelines = load_guidelines() if guidelines_path is None else load_guidelines(guidelines_path)
    matrix = load_matrix(matrix_path, guidelines)
    return ReviewPolicy(
        matrix=matrix, guideline_refs=guidelines.refs(), markets=load_markets(markets_path)
    )
