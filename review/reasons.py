"""The statement of reasons for a decision that restricts an account (see StatementOfReasons).

One builder serves the message to the person and the case record, so both say the same thing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from review.due_process import DueProcess
from review.matrix import LadderStep, ReviewPolicy
from review.models import (
    EnforcementAction,
    EvidenceSource,
    HeardBefore,
    ReviewRequest,
    ReviewState,
    StatementOfReasons,
    TripDetails,
    TripReference,
)


def statement_of_reasons(
    state: ReviewState, policy: ReviewPolicy, now: datetime, effective_at: datetime | None = None
) -> StatementOfReasons | None:
    """The statement of reasons for the review's decision, told at ``now`` and taking effect at
    ``effective_at`` (then too, unless the market's law gives notice first); None when the
    decision does not restrict the account (education, warnings and no action). The appeal
    window is the market's where the review recorded it, else the matrix's."""
    decision = state.decision
    if decision is None:
        raise ValueError("a review without a decision has no statement of reasons")
    if not decision.action.restricts_account:
        return None
    request = state.request
    rec = state.recommendation
    suspended = decision.action is EnforcementAction.TEMPORARY_SUSPENSION
    second = state.second_review
    due = DueProcess.for_account(policy, request.account)
    window = due.appeal_window_days if due is not None else policy.matrix.appeal_window_days
    start = effective_at or now
    return StatementOfReasons(
        action=decision.action,
        suspension_days=decision.suspension_days if suspended else None,
        account_role=request.account.role,
        starts_at=start,
        ends_at=start + timedelta(days=decision.suspension_days)
        if suspended and decision.suspension_days
        else None,
        category=request.category,
        reported_at=request.reported_at,
        market=request.account.market,
        based_on_report_by=request.reporter.role if request.reporter else None,
        trip=trip_reference(state),
        evidence_relied_on=evidence_relied_on(state, policy),
        prior_violations=rec.prior_violations if rec else 0,
        because_of_prior_violations=escalated_by_priors(state, policy),
        detected_automatically=detected_automatically(request),
        automated_recommendation=rec is not None,
        recommendation_rule=rec.rule_id if rec else None,
        matrix_version=rec.matrix_version if rec else state.intake.matrix_version,
        followed_recommendation=not decision.deviates_from_recommendation,
        second_reviewed=second is not None and second.outcome == "approve",
        guideline_refs=list(decision.policy_refs),
        appeal_deadline=start + timedelta(days=window),
        appeal_window_days=window,
        notified_at=now if start > now else None,
        legal_basis=dict(due.legal_basis) if due is not None else {},
        heard=heard_before(state),
        held_since=next(
            (c.applied_at for c in state.account_changes if c.change == "interim_hold"), None
        ),
    )


def detected_automatically(request: ReviewRequest) -> bool:
    """Whether the platform's own systems raised the incident (telematics, fraud models): no
    person reported it, and the person is told of an alert, never of a report."""
    return request.reporter is not None and request.reporter.role == "platform"


def trip_reference(state: ReviewState) -> TripReference | None:
    """The trip the review is about, as the person finds it in their trips; None when its
    details were not found."""
    for item in state.evidence:
        if isinstance(item.data, TripDetails):
            return TripReference(trip_id=item.data.trip_id, started_at=item.data.started_at)
    return None


def evidence_relied_on(state: ReviewState, policy: ReviewPolicy) -> list[EvidenceSource]:
    """The gathered evidence a decision in the review's category rests on (the matrix says
    which sources count: never speed data for a fraud case)."""
    available = [e.source for e in state.evidence if e.available]
    return policy.matrix.categories[state.request.category].relied_on(available)


def escalated_by_priors(state: ReviewState, policy: ReviewPolicy) -> bool:
    """Whether the decided action is harsher than the incident alone calls for in the matrix
    (its first rung) and the account had earlier violations that made it so: the notice then
    says the history is why, not how serious the incident was."""
    decision, rec = state.decision, state.recommendation
    if decision is None or rec is None or rec.prior_violations == 0:
        return False
    request = state.request
    first = policy.matrix.rule(request.category, request.severity).ladder[0]
    suspended = decision.action is EnforcementAction.TEMPORARY_SUSPENSION
    decided = LadderStep(
        action=decision.action, days=decision.suspension_days or 1 if suspended else None
    )
    return decided.weight() > first.weight()


def heard_before(state: ReviewState) -> HeardBefore | None:
    """What the person is told of the hearing they were given before this decision: None when
    there was none (or its notice of intent never went out)."""
    hearing = state.hearing
    if hearing is None or hearing.notice_sent_at is None or hearing.answer_due_by is None:
        return None
    return HeardBefore(
        notice_sent_at=hearing.notice_sent_at,
        answer_due_by=hearing.answer_due_by,
        answered_at=hearing.answer.received_at if hearing.answer else None,
    )
