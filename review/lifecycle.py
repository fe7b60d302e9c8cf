"""The review lifecycle as plain functions over ReviewState.

Each thing a person can do has a ``check_*`` function that raises a ReviewRuleError when the
review cannot take it (the workflow's update validators call these, so a refused request leaves
no trace), and an ``apply_*`` function that changes the state (the update handlers call these).
Who may ask at all, by role, is declared with each action in ``review/actions.py``.
Nothing here does I/O or reads a clock: callers pass ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from review.due_process import answer_due_by, hearing_first
from review.markets import Markets
from review.matrix import ReviewPolicy
from review.models import (
    AccountHistory,
    ClaimRequest,
    Decision,
    DecisionRequest,
    EnforcementAction,
    EscalationRequest,
    EvidenceItem,
    Hearing,
    HearingAnswer,
    HearingAnswerBody,
    MoreInfoRequest,
    Note,
    NoteRequest,
    Person,
    PersonRole,
    ReassignRequest,
    RetryActioningRequest,
    ReviewRequest,
    ReviewStage,
    ReviewState,
    ReviewStatus,
    SecondReview,
    SecondReviewRequest,
    StageClock,
    StrictModel,
    TimelineEntry,
)
from review.reasons import statement_of_reasons
from review.refusals import (
    NO_RECOMMENDATION,
    ReviewRuleError,
)


class CarriedReview(StrictModel):
    """What a review carries into its next run when its history grows long (continue-as-new):
    the state so far and the policy it was opened under."""

    state: ReviewState
    policy: ReviewPolicy


OPEN_FOR_WORK = (ReviewStatus.AWAITING_DECISION, ReviewStatus.IN_REVIEW)


MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_NOTES = 200
"""Notes a review keeps; each one is also stored in the review's history."""


def article(word: str) -> str:
    """The English article before ``word``, for refusals' English wording ("an operator")."""
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def check_intake(request: ReviewRequest, now: datetime, markets: Markets) -> None:
    """Checks on a review request that need the current time or the policy's markets (the
    model checks the rest): a market we have no rules for (notice, retention, time zone) is
    refused, naming the ones configured, and so is a rider reported for the driving or the
    vehicle (only the driver can be)."""
    if request.account.market not in markets.root:
        known = ", ".join(sorted(markets.root))
        raise ReviewRuleError(
            "invalid",
            "unknown_market",
            "account.market",
            market=request.account.market,
            known=known,
        )
    if request.reported_at > now + MAX_CLOCK_SKEW:
        raise ReviewRuleError("invalid", "reported_in_future", "reported_at")
    # Here, not in the model: reviews started before this rule must still decode on replay.
    if request.category.concerns_driving and request.account.role != "driver":
        raise ReviewRuleError(
            "invalid",
            "category_only_for_drivers",
            "category",
            category=request.category,
        )


def open_review(request: ReviewRequest, policy: ReviewPolicy, received_at: datetime) -> ReviewState:
    """A new review: intake assessment and SLA clock from the matrix, nothing gathered yet."""
    intake = policy.matrix.assess_intake(request.category, request.severity)
    state = ReviewState(
        review_id=request.review_id,
        status=ReviewStatus.RECEIVED,
        request=request,
        received_at=received_at,
        intake=intake,
        sla=policy.matrix.sla.start_clock(intake.sla_tier, received_at),
    )
    record(
        state,
        received_at,
        "received",
        detail=(
            f"{request.category} ({request.severity}) from {request.source}; tier "
            f"{intake.sla_tier}, matrix {intake.matrix_version}"
        ),
    )
    return state


def record(
    state: ReviewState,
    at: datetime,
    event: str,
    actor: Person | None = None,
    detail: str | None = None,
) -> None:
    """Add an entry to the review's timeline."""
    state.timeline.append(
        TimelineEntry(at=at, event=event, actor=actor.id if actor else None, detail=detail)
    )


# --- evidence and recommendation ----------------------------------------------------------------


def start_gathering(state: ReviewState, now: datetime) -> None:
    """The review is (again) gathering evidence."""
    state.status = ReviewStatus.GATHERING_EVIDENCE
    state.lease_until = None  # nothing to work on while the evidence comes in
    record(state, now, "gathering_evidence")


def evidence_gathered(
    state: ReviewState, evidence: list[EvidenceItem], policy: ReviewPolicy, now: datetime
) -> None:
    """Store the evidence, recommend from the matrix, and put the review in front of people."""
    state.evidence = evidence
    history = next((e.data for e in evidence if isinstance(e.data, AccountHistory)), None)
    priors = history.prior_violations if history is not None else None
    request = state.request
    state.recommendation = policy.matrix.recommend(
        request.category, request.severity, priors, as_of=state.received_at
    )
    missing = [str(e.source) for e in evidence if not e.available]
    record(
        state,
        now,
        "evidence_gathered",
        detail=f"unavailable: {', '.join(missing)}" if missing else "all sources available",
    )
    rec = state.recommendation
    days = f" {rec.suspension_days} days" if rec.suspension_days else ""
    record(state, now, "recommended", detail=f"{rec.action}{days} by rule {rec.rule_id}")
    state.status = ReviewStatus.IN_REVIEW if state.assignee else ReviewStatus.AWAITING_DECISION
    _lease(state, now)


# --- claim --------------------------------------------------------------------------------------


def check_claim(state: ReviewState, request: ClaimRequest) -> None:
    """An open review nobody else holds may be claimed."""
    if state.status not in OPEN_FOR_WORK:
        raise ReviewRuleError("conflict", "not_open_to_claim", status=state.status)
    if state.assignee and state.assignee.id != request.reviewer.id:
        raise ReviewRuleError("conflict", "claimed_by_other", holder=state.assignee.id)


def apply_claim(state: ReviewState, request: ClaimRequest, now: datetime) -> None:
    """Assign the review to the claimant, with a fresh lease (claiming one's own review again
    only renews the lease)."""
    if state.assignee == request.reviewer:
        _lease(state, now)
        return
    state.assignee = request.reviewer
    state.status = ReviewStatus.IN_REVIEW
    state.lease_held_by = None
    _lease(state, now)
    record(state, now, "claimed", request.reviewer)


def check_extend_claim(state: ReviewState, request: ClaimRequest) -> None:
    """The assignee extends their claim while they work."""
    _require_assignee(state, request.reviewer)


def apply_extend_claim(state: ReviewState, request: ClaimRequest, now: datetime) -> None:
    """The lease runs again from now (a held claim has none to extend)."""
    _lease(state, now)


def check_release_claim(state: ReviewState, request: ClaimRequest) -> None:
    """A claimed review is released by its assignee, or by a lead."""
    if state.status is not ReviewStatus.IN_REVIEW or state.assignee is None:
        raise ReviewRuleError("conflict", "not_claimed", status=state.status)
    person = request.reviewer
    if person.role is not PersonRole.LEAD and state.assignee.id != person.id:
        raise ReviewRuleError("forbidden", "release_claimed_by_other", holder=state.assignee.id)


def apply_release_claim(state: ReviewState, request: ClaimRequest, now: datetime) -> None:
    """Back to the queue, unassigned; the timeline says whose claim it was."""
    previous = state.assignee
    _unassign(state)
    record(state, now, "claim_released", request.reviewer, previous.id if previous else None)


def check_hold_claim(state: ReviewState, request: ClaimRequest) -> None:
    """A lead can hold a claimed review for its assignee past the lease."""
    if state.status is not ReviewStatus.IN_REVIEW or state.assignee is None:
        raise ReviewRuleError("conflict", "not_claimed", status=state.status)


def apply_hold_claim(state: ReviewState, request: ClaimRequest, now: datetime) -> None:
    """The claim no longer lapses: it stays with the assignee until they decide or release it,
    or a lead reassigns it."""
    state.lease_held_by = request.reviewer
    _lease(state, now)
    record(
        state, now, "claim_held", request.reviewer, state.assignee.id if state.assignee else None
    )


def check_reassign(state: ReviewState, request: ReassignRequest) -> None:
    """A lead gives an open review to a specialist or another lead."""
    if state.status not in OPEN_FOR_WORK:
        raise ReviewRuleError("conflict", "not_open_to_reassign", status=state.status)
    to = request.to
    if to.role not in (PersonRole.SPECIALIST, PersonRole.LEAD):
        raise ReviewRuleError(
            "invalid",
            "reassign_to_decider",
            "to",
            person=to.id,
            article=article(str(to.role)),
            role=to.role,
        )


def apply_reassign(state: ReviewState, request: ReassignRequest, now: datetime) -> None:
    """The review is the new person's, with a fresh lease."""
    state.assignee = request.to
    state.status = ReviewStatus.IN_REVIEW
    state.lease_held_by = None
    _lease(state, now)
    record(state, now, "reassigned", request.lead, request.to.id)


def expire_lease(state: ReviewState, now: datetime) -> None:
    """The claim lapsed without activity: back to the queue, and the timeline says so."""
    previous = state.assignee
    _unassign(state)
    record(state, now, "claim_expired", detail=previous.id if previous else None)


def lease_running(state: ReviewState) -> datetime | None:
    """When the running lease ends (None when none is running)."""
    return state.lease_until if state.status is ReviewStatus.IN_REVIEW else None


def _lease(state: ReviewState, now: datetime) -> None:
    """Start the lease afresh where one runs: a claimed review in review, not held by a lead,
    opened since claims are leases; else no lease."""
    runs = (
        state.lease_minutes is not None
        and state.status is ReviewStatus.IN_REVIEW
        and state.assignee is not None
        and state.lease_held_by is None
    )
    state.lease_until = now + timedelta(minutes=state.lease_minutes or 0) if runs else None


def _unassign(state: ReviewState) -> None:
    state.assignee = None
    state.status = ReviewStatus.AWAITING_DECISION
    state.lease_held_by = None
    state.lease_until = None


# --- decision -----------------------------------------------------------------------------------


def deviates(state: ReviewState, action: EnforcementAction, days: int | None) -> bool:
    """Whether a decision differs from the matrix recommendation (action or suspension length)."""
    rec = state.recommendation
    if rec is None:
        return True
    return action is not rec.action or (days or None) != rec.suspension_days


def _require_assignee(state: ReviewState, reviewer: Person) -> None:
    if state.status is not ReviewStatus.IN_REVIEW:
        raise ReviewRuleError("conflict", "not_claimed", status=state.status)
    if state.assignee is None or state.assignee.id != reviewer.id:
        holder = state.assignee.id if state.assignee else "nobody"
        raise ReviewRuleError(
            "conflict", "claimed_by_other_not_you", holder=holder, person=reviewer.id
        )


def check_decision(state: ReviewState, request: DecisionRequest, policy: ReviewPolicy) -> None:
    """A decision must come from the assignee, be complete, and justify any deviation."""
    _require_assignee(state, request.reviewer)
    # Every problem at once, so the specialist fixes the form in one go.
    problems: list[ReviewRuleError] = []
    suspension = request.action is EnforcementAction.TEMPORARY_SUSPENSION
    days_missing = suspension and request.suspension_days is None
    if days_missing:
        problems.append(ReviewRuleError("invalid", "suspension_days_needed", "suspension_days"))
    if not suspension and request.suspension_days is not None:
        problems.append(
            ReviewRuleError(
                "invalid",
                "suspension_days_not_applicable",
                "suspension_days",
                action=request.action,
            )
        )
    if not request.rationale.strip():
        problems.append(ReviewRuleError("invalid", "rationale_required", "rationale"))
    if not request.policy_refs:
        problems.append(ReviewRuleError("invalid", "guideline_required", "policy_refs"))
    unknown = [ref for ref in request.policy_refs if ref not in policy.guideline_refs]
    if unknown:
        problems.append(
            ReviewRuleError("invalid", "unknown_guidelines", "policy_refs", refs=", ".join(unknown))
        )
    # A suspension without its days cannot be compared with the recommendation yet.
    if (
        not days_missing
        and deviates(state, request.action, request.suspension_days)
        and not (request.justification and request.justification.strip())
    ):
        rec = state.recommendation
        recommended = f"{rec.action}" if rec else NO_RECOMMENDATION
        if rec and rec.suspension_days:
            recommended += f" {rec.suspension_days} days"
        problems.append(
            ReviewRuleError(
                "invalid",
                "justification_required",
                "justification",
                recommended=recommended,
                action=rec.action if rec else NO_RECOMMENDATION,
                days=rec.suspension_days or "" if rec else "",
            )
        )
    if problems:
        raise ReviewRuleError.all_of(problems)


def needs_second_review(state: ReviewState, decision: Decision) -> bool:
    """Permanent deactivations, deviations and entries the matrix flags need a second reviewer."""
    rec = state.recommendation
    return (
        decision.action is EnforcementAction.PERMANENT_DEACTIVATION
        or decision.deviates_from_recommendation
        or state.intake.second_review_required
        or bool(rec and rec.second_review_required)
    )


def apply_decision(state: ReviewState, request: DecisionRequest, now: datetime) -> None:
    """Record the decision; it goes to a lead when it needs a second review, else to actioning."""
    decision = Decision(
        reviewer=request.reviewer,
        action=request.action,
        suspension_days=request.suspension_days,
        rationale=request.rationale,
        policy_refs=list(request.policy_refs),
        justification=request.justification or None,
        deviates_from_recommendation=deviates(state, request.action, request.suspension_days),
        decided_at=now,
    )
    state.decision = decision
    state.second_review = None
    if state.sla.met is None:
        state.sla.met = now <= state.sla.deadline
    _finish_stage(state, "rework", now)
    _finish_stage(state, "reconsideration", now)
    days = f" {decision.suspension_days} days" if decision.suspension_days else ""
    deviation = " (deviates from the matrix)" if decision.deviates_from_recommendation else ""
    record(state, now, "decided", request.reviewer, f"{decision.action}{days}{deviation}")
    if needs_second_review(state, decision):
        state.status = ReviewStatus.AWAITING_SECOND_REVIEW
        _start_stage(state, "second_review", now)
    else:
        _carry_out(state, now)
    state.lease_until = None  # decided: the claim has done its work


# --- second review ------------------------------------------------------------------------------


def check_second_review(state: ReviewState, request: SecondReviewRequest) -> None:
    """Only someone who did not make the decision may second-review it."""
    if state.status is not ReviewStatus.AWAITING_SECOND_REVIEW or state.decision is None:
        raise ReviewRuleError("conflict", "not_awaiting_second_review", status=state.status)
    if state.decision.reviewer.id == request.reviewer.id:
        raise ReviewRuleError("forbidden", "second_reviewer_decided")


def apply_second_review(state: ReviewState, request: SecondReviewRequest, now: datetime) -> None:
    """Approve (the decision is carried out) or return it to the specialist to revise."""
    state.second_review = SecondReview(
        reviewer=request.reviewer,
        outcome=request.outcome,
        comment=request.comment,
        reviewed_at=now,
    )
    _finish_stage(state, "second_review", now)
    if request.outcome == "approve":
        record(state, now, "second_review_approved", request.reviewer, request.comment)
        _carry_out(state, now)
    else:
        record(state, now, "second_review_returned", request.reviewer, request.comment)
        state.status = ReviewStatus.IN_REVIEW
        _start_stage(state, "rework", now)
        _lease(state, now)


def _carry_out(state: ReviewState, now: datetime) -> None:
    """A decision ready to be carried out goes first to the person's hearing, where their
    market's law gives one and they have not been heard yet; else to actioning."""
    decision = state.decision
    assert decision is not None
    if state.hearing is None and hearing_first(decision.action, state.hearing_days or 0):
        begin_hearing(state, now)
    else:
        state.status = ReviewStatus.ACTIONING


# --- the person's hearing -----------------------------------------------------------------------


def begin_hearing(state: ReviewState, now: datetime) -> None:
    """Put the intended decision to the person before it is taken: the review waits for their
    answer (an account on an interim hold stays held)."""
    decision = state.decision
    assert decision is not None
    state.status = ReviewStatus.HEARING
    state.hearing = Hearing(
        intended=decision, intended_second_review=state.second_review, started_at=now
    )
    record(state, now, "hearing_started", detail=str(decision.action))


def notice_of_intent_sent(state: ReviewState, now: datetime, told_due_by: datetime) -> datetime:
    """The notice of intent, which told the person to answer by ``told_due_by``, went out at
    ``now``: they have until then, and never less than the market's hearing days from when it
    went out (a notification outage never shortens it). Returns the end of the hearing."""
    hearing = state.hearing
    assert hearing is not None and state.hearing_days is not None
    hearing.notice_sent_at = now
    hearing.answer_due_by = max(told_due_by, answer_due_by(now, state.hearing_days))
    record(state, now, "awaiting_answer", detail=f"until {hearing.answer_due_by.isoformat()}")
    return hearing.answer_due_by


LATE_ANSWER = timedelta(hours=1)
"""How long after the hearing's deadline an answer sent in time (by ``submitted_at``) may still
reach the review, until the new decision is taken: the app sends it when the phone is back
online. One arriving later is refused (the person can appeal the decision)."""


def check_hearing_answer(state: ReviewState, body: HearingAnswerBody, now: datetime) -> None:
    """The person answers a notice of intent they were sent, once, while the review waits for
    it (or, sent in time, up to LATE_ANSWER after its deadline if nobody has decided again);
    the same answer sent again (a retry after a lost reply) is taken as the one given."""
    hearing = state.hearing
    if hearing is not None and hearing.answer is not None:
        if _same_answer(hearing.answer, body):
            return
        raise ReviewRuleError("conflict", "answered_already")
    if hearing is None or hearing.notice_sent_at is None or hearing.answer_due_by is None:
        raise ReviewRuleError("conflict", "no_hearing_open", status=state.status)
    arrived_late_in_time = (
        hearing.ended_at is not None
        and state.decision is None
        and state.status is not ReviewStatus.CLOSED
        and body.submitted_at <= hearing.answer_due_by
        and now <= hearing.answer_due_by + LATE_ANSWER
    )
    if state.status is not ReviewStatus.HEARING and not arrived_late_in_time:
        raise ReviewRuleError("conflict", "no_hearing_open", status=state.status)
    if body.submitted_at > now + MAX_CLOCK_SKEW:
        raise ReviewRuleError("invalid", "reported_in_future", "submitted_at")
    if body.submitted_at < hearing.notice_sent_at - MAX_CLOCK_SKEW:
        raise ReviewRuleError("invalid", "answer_before_notice", "submitted_at")


def apply_hearing_answer(state: ReviewState, body: HearingAnswerBody, now: datetime) -> bool:
    """Keep the person's answer for the specialist; whether it changed the review (the same
    answer again does not). Checks again, as the hearing may have ended since the answer was
    validated (it and the end of the period reached the review together)."""
    check_hearing_answer(state, body, now)
    hearing = state.hearing
    assert hearing is not None
    if hearing.answer is not None:
        return False
    hearing.answer = HearingAnswer(**body.model_dump(), received_at=now)
    record(state, now, "hearing_answered")
    return True


def _same_answer(answer: HearingAnswer, body: HearingAnswerBody) -> bool:
    return answer.statement == body.statement and answer.submitted_at == body.submitted_at


def end_hearing(state: ReviewState, now: datetime, leased: bool = False) -> None:
    """The person answered, or the hearing period ended: the intended decision goes back to
    the specialist who made it, to decide again with the answer in front of them (on the
    reconsideration clock). The hearing keeps the intended decision and its second review.
    No lease runs until they take it up (claim it or extend it): a hearing ends at any hour,
    and the reconsideration clock, not a lapsed claim, brings in a lead when nobody does.
    (``leased``: reviews of the first hearing code gave the decider a fresh lease instead.)"""
    hearing = state.hearing
    assert hearing is not None
    hearing.ended_at = now
    state.decision = None
    state.second_review = None
    state.assignee = hearing.intended.reviewer
    state.status = ReviewStatus.IN_REVIEW
    state.lease_held_by = None
    state.lease_until = None
    _start_stage(state, "reconsideration", now)
    if leased:
        _lease(state, now)
    record(state, now, "hearing_ended", detail="answered" if hearing.answer else "no_answer")


# --- notes, more information, escalation --------------------------------------------------------


def check_note(state: ReviewState, request: NoteRequest) -> None:
    """Notes can be added until the case record is being written (a note accepted later would
    never reach the record), and up to MAX_NOTES of them."""
    if state.status is ReviewStatus.CLOSED:
        raise ReviewRuleError("conflict", "closed")
    if state.record_started_at is not None:
        raise ReviewRuleError("conflict", "record_being_written")
    if len(state.notes) >= MAX_NOTES:
        raise ReviewRuleError("conflict", "too_many_notes", "text", max_notes=MAX_NOTES)


def apply_note(state: ReviewState, request: NoteRequest, now: datetime) -> None:
    """Add the note to the case file."""
    state.notes.append(Note(author=request.author, text=request.text, at=now))
    record(state, now, "note_added", request.author)


def check_more_info(state: ReviewState, request: MoreInfoRequest) -> None:
    """The assignee of a claimed review may send it back to gathering evidence."""
    _require_assignee(state, request.reviewer)


def apply_more_info(state: ReviewState, request: MoreInfoRequest, now: datetime) -> None:
    """Back to gathering evidence; the claim stays with the assignee."""
    state.more_info_requests.append(request.reason)
    record(state, now, "more_info_requested", request.reviewer, request.reason)
    start_gathering(state, now)


def check_escalation(state: ReviewState, request: EscalationRequest) -> None:
    """A review can be escalated until it is decided and told (in its notice period or being
    actioned); one someone has claimed is escalated by that person or by a lead."""
    reviewer = request.reviewer
    if state.status in (ReviewStatus.NOTICE_PERIOD, ReviewStatus.ACTIONING, ReviewStatus.CLOSED):
        raise ReviewRuleError("conflict", "nothing_to_escalate", status=state.status)
    assignee = state.assignee
    if reviewer.role is not PersonRole.LEAD and assignee and assignee.id != reviewer.id:
        raise ReviewRuleError("forbidden", "escalation_claimed_by_other", holder=assignee.id)


def escalate(state: ReviewState, reason: str, now: datetime, actor: Person | None = None) -> None:
    """Put the review in the leads' queue, recording why."""
    state.escalated = True
    state.escalation_reasons.append(reason)
    record(state, now, "escalated", actor, reason)


# --- actioning ----------------------------------------------------------------------------------


def block_actioning(state: ReviewState, reason: str, now: datetime) -> None:
    """A platform service refused part of carrying out the decision: stop and call a person.
    Steps run side by side (the two decision messages) can each be refused: the block then
    names every reason, and one retry tries them all again."""
    blocked = state.actioning_blocked
    state.actioning_blocked = reason if blocked is None else f"{blocked}; {reason}"
    escalate(state, f"actioning blocked: {reason}", now)


def check_retry_actioning(state: ReviewState, request: RetryActioningRequest) -> None:
    """Actioning a service refused can be retried once it is blocked."""
    if state.actioning_blocked is None:
        raise ReviewRuleError("conflict", "actioning_not_blocked", status=state.status)


def apply_retry_actioning(
    state: ReviewState, request: RetryActioningRequest, now: datetime
) -> None:
    """Clear the block; the workflow tries the refused step again."""
    state.actioning_blocked = None
    record(state, now, "actioning_retried", request.operator, request.reason)


def state_reasons(state: ReviewState, policy: ReviewPolicy, now: datetime) -> None:
    """Fix the statement of reasons the messages and the case record will carry, once the
    account change took effect at ``now`` (its dates count from then). A review that gave
    notice keeps the statement the person was given."""
    if state.statement_of_reasons is None:
        state.statement_of_reasons = statement_of_reasons(state, policy, now)


def begin_notice_period(
    state: ReviewState, policy: ReviewPolicy, now: datetime, effective_at: datetime
) -> None:
    """The market's law gives the person notice: the decision is told at ``now`` and takes
    effect at ``effective_at``; the statement of reasons dates the restriction from then."""
    state.status = ReviewStatus.NOTICE_PERIOD
    state.statement_of_reasons = statement_of_reasons(state, policy, now, effective_at)
    record(state, now, "notice_period_started", detail=f"until {effective_at.isoformat()}")


def end_notice_period(state: ReviewState, now: datetime) -> None:
    """The notice period is over: the restriction is carried out now, unless an appeal
    withdrew it first (it then never takes effect)."""
    state.status = ReviewStatus.ACTIONING
    record(state, now, "notice_period_ended")


def withdraw_on_appeal(state: ReviewState, appeal_id: str, now: datetime) -> bool:
    """An appeal overturned or changed the decision: a restriction still in its notice period
    never takes effect. Whether it was withdrawn (too late once the period ended)."""
    if state.status is not ReviewStatus.NOTICE_PERIOD or state.withdrawn_by_appeal:
        return False
    state.withdrawn_by_appeal = appeal_id
    record(state, now, "restriction_withdrawn", detail=appeal_id)
    return True


def begin_record(state: ReviewState, now: datetime) -> None:
    """The case record is about to be written: from now on the review takes nothing new that
    the record would have to hold."""
    if state.record_started_at is None:
        state.record_started_at = now


def close(state: ReviewState, now: datetime) -> None:
    """The decision is carried out, told and recorded: the review is closed."""
    state.status = ReviewStatus.CLOSED
    state.closed_at = now
    record(state, now, "closed")


# --- SLA ----------------------------------------------------------------------------------------


def on_interim_hold(state: ReviewState) -> bool:
    """Whether the review put the account on an interim hold at intake (the decision lifts or
    confirms it)."""
    return any(change.change == "interim_hold" for change in state.account_changes)


def steps_may_be_running(state: ReviewState) -> bool:
    """Whether a step of the review (an activity) may be in flight now: while it is received,
    gathers evidence or is carried out, while a notice of intent or an interim hold's notice is
    not sent yet.
    Otherwise it waits for people and runs none."""
    if state.status in (
        ReviewStatus.RECEIVED,
        ReviewStatus.GATHERING_EVIDENCE,
        ReviewStatus.ACTIONING,
    ):
        return True
    if state.status is ReviewStatus.NOTICE_PERIOD:  # until its notice is sent
        return not any(message.kind == "outcome_notice" for message in state.messages)
    if state.status is ReviewStatus.HEARING:  # until its notice of intent is sent
        return state.hearing is None or state.hearing.notice_sent_at is None
    return on_interim_hold(state) and not any(m.kind == "hold_notice" for m in state.messages)


def open_stage(state: ReviewState) -> StageClock | None:
    """The stage after the decision whose clock is running (a second review, or rework after a
    return), if any."""
    last = state.stage_clocks[-1] if state.stage_clocks else None
    return last if last is not None and last.met is None else None


def sla_state(state: ReviewState) -> str:
    """The running clock's ``on_track``, ``at_risk`` or ``breached`` (a second review's or
    rework's once decided, when one is open), or ``met``/``missed`` once decided."""
    stage = open_stage(state)
    clock = stage if stage is not None else state.sla
    if stage is None and state.sla.met is not None:
        return "met" if state.sla.met else "missed"
    if clock.breached:
        return "breached"
    return "at_risk" if clock.at_risk else "on_track"


def sla_deadline(state: ReviewState) -> datetime:
    """The deadline people work to now: an open second review's or rework's, else the
    decision's."""
    stage = open_stage(state)
    return stage.deadline if stage is not None else state.sla.deadline


def _start_stage(state: ReviewState, stage: ReviewStage, now: datetime) -> None:
    clock = state.sla.start_stage(stage, now)
    if clock is not None:
        state.stage_clocks.append(clock)


def _finish_stage(state: ReviewState, stage: ReviewStage, now: datetime) -> None:
    clock = open_stage(state)
    if clock is not None and clock.stage == stage:
        clock.met = now <= clock.deadline


STAGE_WORK: dict[ReviewStage, str] = {
    "second_review": "second review",
    "rework": "rework after a return",
    "reconsideration": "decision after the hearing",
}
"""What a stage's breach escalation says was not done in time."""


def mark_stage_at_risk(state: ReviewState, clock: StageClock, now: datetime) -> None:
    """A second review or rework passed the at-risk point of its SLA."""
    clock.at_risk = True
    record(
        state, now, f"{clock.stage}_sla_at_risk", detail=f"deadline {clock.deadline.isoformat()}"
    )


def mark_stage_breached(state: ReviewState, clock: StageClock, now: datetime) -> None:
    """A second review or rework passed its deadline: record the breach and escalate."""
    clock.breached = True
    what = STAGE_WORK[clock.stage]
    escalate(state, f"SLA breached: no {what} by {clock.deadline.isoformat()}", now)


def is_decided(state: ReviewState) -> bool:
    """A specialist has decided (the SLA clock stops, whatever a second review says)."""
    return state.sla.met is not None


def mark_at_risk(state: ReviewState, now: datetime) -> None:
    """The review passed the at-risk point of its SLA without a decision."""
    state.sla.at_risk = True
    record(state, now, "sla_at_risk", detail=f"deadline {state.sla.deadline.isoformat()}")


def mark_breached(state: ReviewState, now: datetime) -> None:
    """The SLA deadline passed without a decision: record the breach and escalate."""
    state.sla.breached = True
    escalate(state, f"SLA breached: no decision by {state.sla.deadline.isoformat()}", now)
