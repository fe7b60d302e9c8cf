"""The statement of reasons for a decision that restricts an account (see StatementOfReasons).

One builder serves the message to the person and the case record, so both say the same thing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from review.matrix import ReviewPolicy
from review.models import EnforcementAction, ReviewState, StatementOfReasons


def statement_of_reasons(
    state: ReviewState, policy: ReviewPolicy, now: datetime
) -> StatementOfReasons | None:
    """The statement of reasons for the review's decision carried out at ``now``; None when the
    decision does not restrict the account (education, warnings and no action)."""
    decision = state.decision
    if decision is None:
        raise ValueError("a review without a decision has no statement of reasons")
    if not decision.action.restricts_account:
        return None
    request = state.request
    rec = state.recommendation
    suspended = decision.action is EnforcementAction.TEMPORARY_SUSPENSION
    second = state.second_review
    return StatementOfReasons(
        action=decision.action,
        suspension_days=decision.suspension_days if suspended else None,
        account_role=request.account.role,
        starts_at=now,
        ends_at=now + timedelta(days=decision.suspension_days)
        if suspended and decision.suspension_days
        else None,
        category=request.category,
        reported_at=request.reported_at,
        market=request.account.market,
        based_on_report_by=request.reporter.role if request.reporter else None,
        evidence_relied_on=[e.source for e in state.evidence if e.available],
        prior_violations=rec.prior_violations if rec else 0,
        automated_recommendation=rec is not None,
        recommendation_rule=rec.rule_id if rec else None,
        matrix_version=rec.matrix_version if rec else state.intake.matrix_version,
        followed_recommendation=not decision.deviates_from_recommendation,
        second_reviewed=second is not None and second.outcome == "approve",
        guideline_refs=list(decision.policy_refs),
        appeal_deadline=now + timedelta(days=policy.matrix.appeal_window_days),
        appeal_window_days=policy.matrix.appeal_window_days,
    )
