"""Appeals: a person asks for a restriction to be looked at again, by someone else.

Plain models and rules, as review/lifecycle.py is for reviews: whether an appeal is admitted
(the window and the once-per-decision rule come from review/due_process.py), who may claim and
decide it (nobody who decided or second-reviewed the original), what a decision must carry, and
the appeal's state as each thing happens. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from review.due_process import refuse_appeal
from review.lifecycle import article
from review.matrix import ReviewPolicy
from review.models import (
    AccountChange,
    AccountRef,
    ClaimRequest,
    Decision,
    EnforcementAction,
    EvidenceItem,
    GuidelineRef,
    IncidentCategory,
    NonBlankText,
    Person,
    PersonRole,
    RetryActioningRequest,
    ReviewState,
    ReviewStatus,
    SentMessage,
    SlaClock,
    StatementOfReasons,
    StrictModel,
    TimelineEntry,
)
from review.refusals import ReviewRuleError

AppealOutcome = Literal["uphold", "overturn", "modify"]
AppealOrigin = Literal["person", "quality_audit"]
"""Who opened an appeal: the person, or a QA audit that found the restriction wrongful."""
APPEAL_DECIDERS = frozenset({PersonRole.SPECIALIST, PersonRole.LEAD})
MAX_CLOCK_SKEW = timedelta(minutes=5)
LATE_ARRIVAL = timedelta(hours=1)
"""How long after ``submitted_at`` an appeal may reach us and still be dated by it (the app
sends it when the phone is back online); one arriving later is dated as it arrives."""
DEFAULT_APPEAL_HOURS = 72.0
"""An appeal's time to a decision under a policy recorded before the matrix set one."""


class AppealBody(StrictModel):
    """What the platform's app sends when a person appeals (``POST .../appeals``)."""

    statement: NonBlankText = Field(
        max_length=5000, description="The person's own words: why the decision is wrong."
    )
    submitted_at: AwareDatetime = Field(description="When the person submitted it in the app.")
    new_information: bool = Field(
        default=False, description="The person brings information the review did not have."
    )


class AppealDecisionBody(StrictModel):
    """A decision on an appeal. ``modify`` replaces the action with ``action``."""

    outcome: AppealOutcome
    action: EnforcementAction | None = Field(default=None, description="For modify only.")
    suspension_days: int | None = Field(default=None, ge=1, le=365)
    rationale: NonBlankText = Field(max_length=5000)
    policy_refs: list[GuidelineRef] = Field(
        default_factory=list, description="Required to uphold or modify: what it rests on."
    )


class AppealDecisionRequest(AppealDecisionBody):
    """An appeal decision with the person who made it."""

    reviewer: Person


class AppealedDecision(StrictModel):
    """The decision appealed, as its review recorded it; the appeal's evidence with the
    person's statement. It carries nothing about who reported the incident."""

    review_id: str
    incident_id: str
    account: AccountRef
    category: IncidentCategory
    summary: str
    decision: Decision
    second_reviewer: Person | None
    reasons: StatementOfReasons
    evidence: list[EvidenceItem]
    took_effect: bool = Field(
        description="The restriction was in effect when the appeal came (not in its notice period)."
    )

    @property
    def deciders(self) -> set[str]:
        """Who may not hear this appeal: whoever decided or second-reviewed the original."""
        return {self.decision.reviewer.id} | (
            {self.second_reviewer.id} if self.second_reviewer else set()
        )


class QaFinding(StrictModel):
    """What a QA audit found wrong with a restriction, when it opened a correction."""

    auditor_id: str
    error_type: str
    comment: str
    scored_at: datetime


class AppealRequest(StrictModel):
    """What an appeal's workflow starts from."""

    appeal_id: str
    sequence: int = Field(ge=1, description="1 for the decision's first appeal, 2 for the next.")
    body: AppealBody
    appealed: AppealedDecision
    qa_finding: QaFinding | None = Field(
        default=None,
        description="Set when a QA audit opened it: a correction, heard as an appeal is; "
        "the person is told only if it changes the decision.",
    )

    @property
    def origin(self) -> AppealOrigin:
        """Who opened it."""
        return "person" if self.qa_finding is None else "quality_audit"


class AppealStatus(StrEnum):
    """Where an appeal is."""

    AWAITING_DECISION = "awaiting_decision"
    IN_REVIEW = "in_review"
    ACTIONING = "actioning"
    CLOSED = "closed"


class AppealDecision(StrictModel):
    """What the person hearing the appeal decided."""

    reviewer: Person
    outcome: AppealOutcome
    action: EnforcementAction | None
    suspension_days: int | None
    rationale: str
    policy_refs: list[str]
    decided_at: datetime


class AppealState(StrictModel):
    """An appeal as the people hearing it see it."""

    appeal_id: str
    review_id: str
    sequence: int
    status: AppealStatus
    request: AppealRequest
    received_at: datetime
    sla: SlaClock
    escalated: bool = False
    assignee: Person | None = None
    decision: AppealDecision | None = None
    account_changes: list[AccountChange] = Field(default_factory=list)
    messages: list[SentMessage] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    actioning_blocked: str | None = Field(
        default=None,
        description="Why carrying out the decision stopped; an operator retries once it is fixed.",
    )
    withdrawn_before_effect: bool = Field(
        default=False,
        description="The restriction was still in its notice period and never took effect.",
    )
    closed_at: datetime | None = None
    version: int = Field(default=0, ge=0, description="One more for each change.")


class AppealAck(StrictModel):
    """What an appeal's update answers."""

    appeal_id: str
    status: AppealStatus
    accepted: str
    version: int


def appeal_id(review_id: str, sequence: int) -> str:
    """The appeal's workflow id: Temporal keeps one workflow per id, so one appeal per
    decision and sequence number however many times the app sends it."""
    return f"appeal-{review_id.removeprefix('review-')}-{sequence}"


def appealed_decision(state: ReviewState) -> AppealedDecision:
    """The review's decision as an appeal takes it; ReviewRuleError when there is none to
    appeal yet (not decided, or not yet told to the person)."""
    decision, reasons = state.decision, state.statement_of_reasons
    told = state.status in (ReviewStatus.NOTICE_PERIOD, ReviewStatus.CLOSED)
    if decision is None or not told:
        raise ReviewRuleError("conflict", "not_decided_yet", status=state.status)
    if reasons is None:
        raise ReviewRuleError("conflict", "not_appealable", action=decision.action)
    second = state.second_review
    return AppealedDecision(
        review_id=state.review_id,
        incident_id=state.request.incident_id,
        account=state.request.account,
        category=state.request.category,
        summary=state.request.summary,
        decision=decision,
        second_reviewer=second.reviewer if second and second.outcome == "approve" else None,
        reasons=reasons,
        evidence=state.evidence,
        took_effect=state.status is ReviewStatus.CLOSED
        and any(change.change == "enforcement" for change in state.account_changes),
    )


def admit(
    appealed: AppealedDecision,
    body: AppealBody,
    earlier: list[AppealState],
    now: datetime,
    correction: bool = False,
) -> tuple[int, AppealedDecision]:
    """The sequence number of an admitted appeal and the decision it appeals (the one in
    force: as an earlier appeal modified it); ReviewRuleError naming the field when it may not
    be heard. ``earlier`` holds the decision's earlier appeals, first first; ``now`` is when
    it arrives (a submission dated inside the window that arrives after it is late). A
    ``correction`` QA opened is not bound by the person's window or new-information rule, but
    waits for an open appeal and has nothing to correct after an overturn."""
    if body.submitted_at > now + MAX_CLOCK_SKEW:
        raise ReviewRuleError("invalid", "reported_in_future", "submitted_at")
    if any(a.status is not AppealStatus.CLOSED for a in earlier):
        raise ReviewRuleError("conflict", "appeal_open")
    decided = [a.decision for a in earlier if a.decision is not None]
    if any(d.outcome == "overturn" for d in decided):
        raise ReviewRuleError("conflict", "overturned_already")
    modified = [d for d in decided if d.outcome == "modify" and d.action is not None]
    if modified:  # the decision in force is the milder one the last appeal made it
        last = modified[-1]
        assert last.action is not None
        appealed = appealed.model_copy(
            update={
                "decision": appealed.decision.model_copy(
                    update={"action": last.action, "suspension_days": last.suspension_days}
                )
            }
        )
    if correction:
        # An earlier appeal may have made it a warning: nothing left to correct.
        if not appealed.decision.action.restricts_account:
            raise ReviewRuleError("conflict", "not_appealable", action=appealed.decision.action)
        return len(earlier) + 1, appealed
    # A correction QA opened is not the person's appeal: their first one needs no new information.
    theirs = [a for a in earlier if a.request.qa_finding is None]
    refuse_appeal(
        appealed.decision.action,
        appealed.reasons,
        max(body.submitted_at, now - LATE_ARRIVAL),
        body.new_information,
        len(theirs),
    )
    return len(earlier) + 1, appealed


def open_appeal(request: AppealRequest, policy: ReviewPolicy, now: datetime) -> AppealState:
    """A new appeal, received at ``now``, with its SLA clock running."""
    hours = policy.matrix.sla.appeal_hours or DEFAULT_APPEAL_HOURS
    allowed = timedelta(hours=hours)
    state = AppealState(
        appeal_id=request.appeal_id,
        review_id=request.appealed.review_id,
        sequence=request.sequence,
        status=AppealStatus.AWAITING_DECISION,
        request=request,
        received_at=now,
        sla=SlaClock(
            started_at=now,
            at_risk_at=now + allowed * policy.matrix.sla.at_risk_fraction,
            deadline=now + allowed,
        ),
    )
    detail = "with new information" if request.body.new_information else None
    record(state, now, "appeal_received", detail=detail)
    return state


def record(
    state: AppealState,
    at: datetime,
    event: str,
    actor: Person | None = None,
    detail: str | None = None,
) -> None:
    """Add an entry to the appeal's timeline."""
    state.timeline.append(
        TimelineEntry(at=at, event=event, actor=actor.id if actor else None, detail=detail)
    )


def _not_a_decider(state: AppealState, person: Person) -> None:
    if person.role not in APPEAL_DECIDERS:
        raise ReviewRuleError(
            "forbidden",
            "role_may_not",
            article=article(person.role),
            role=person.role,
            verb="hear an appeal",
            request="hear_appeal",
        )
    if person.id in state.request.appealed.deciders:
        raise ReviewRuleError("forbidden", "appeal_by_original_decider", person=person.id)


def check_claim(state: AppealState, request: ClaimRequest) -> None:
    """Refuse a claim unless the appeal waits for someone who had no part in the original."""
    _not_a_decider(state, request.reviewer)
    if state.status is not AppealStatus.AWAITING_DECISION:
        raise ReviewRuleError("conflict", "not_open_to_claim", status=state.status)


def apply_claim(state: AppealState, request: ClaimRequest, now: datetime) -> None:
    """The person hears the appeal from now on."""
    state.status = AppealStatus.IN_REVIEW
    state.assignee = request.reviewer
    record(state, now, "claimed", request.reviewer)


def check_decision(
    state: AppealState, request: AppealDecisionRequest, policy: ReviewPolicy
) -> None:
    """Refuse a decision from anyone but the person hearing the appeal, or one that is not
    complete: every problem at once, each naming its field."""
    _not_a_decider(state, request.reviewer)
    if state.status is not AppealStatus.IN_REVIEW:
        raise ReviewRuleError("conflict", "not_claimed", status=state.status)
    if state.assignee is None or state.assignee.id != request.reviewer.id:
        holder = state.assignee.id if state.assignee else "nobody"
        raise ReviewRuleError(
            "conflict", "claimed_by_other_not_you", holder=holder, person=request.reviewer.id
        )
    problems: list[ReviewRuleError] = []
    original = state.request.appealed.decision
    if request.outcome == "modify":
        if request.action is None:
            problems.append(ReviewRuleError("invalid", "modify_needs_action", "action"))
        elif not _lighter(request.action, request.suspension_days, original):
            problems.append(
                ReviewRuleError("invalid", "modify_not_lighter", "action", action=original.action)
            )
    elif request.action is not None or request.suspension_days is not None:
        problems.append(ReviewRuleError("invalid", "action_only_to_modify", "action"))
    suspended = request.action is EnforcementAction.TEMPORARY_SUSPENSION
    if request.outcome == "modify" and suspended and request.suspension_days is None:
        problems.append(ReviewRuleError("invalid", "suspension_days_needed", "suspension_days"))
    if request.outcome == "modify" and not suspended and request.suspension_days is not None:
        problems.append(
            ReviewRuleError(
                "invalid",
                "suspension_days_not_applicable",
                "suspension_days",
                action=request.action,
            )
        )
    if request.outcome != "overturn" and not request.policy_refs:
        problems.append(ReviewRuleError("invalid", "guideline_required", "policy_refs"))
    unknown = sorted(set(request.policy_refs) - set(policy.guideline_refs))
    if unknown:
        problems.append(
            ReviewRuleError("invalid", "unknown_guidelines", "policy_refs", refs=", ".join(unknown))
        )
    if problems:
        raise ReviewRuleError.all_of(problems)


def _lighter(action: EnforcementAction, days: int | None, original: Decision) -> bool:
    """Whether ``action`` (of ``days``) is milder than the original decision and still an
    action: an appeal never makes a decision harsher, and taking it all back is an overturn."""
    order = list(EnforcementAction)
    if action is EnforcementAction.NO_ACTION:
        return False
    if action is original.action is EnforcementAction.TEMPORARY_SUSPENSION:
        return days is not None and days < (original.suspension_days or 0)
    return order.index(action) < order.index(original.action)


def apply_decision(state: AppealState, request: AppealDecisionRequest, now: datetime) -> None:
    """The appeal is decided; the workflow carries it out."""
    state.decision = AppealDecision(
        reviewer=request.reviewer,
        outcome=request.outcome,
        action=request.action,
        suspension_days=request.suspension_days,
        rationale=request.rationale,
        policy_refs=list(request.policy_refs),
        decided_at=now,
    )
    state.sla.met = now <= state.sla.deadline
    state.status = AppealStatus.ACTIONING
    detail = request.outcome + (f": {request.action}" if request.action else "")
    record(state, now, "appeal_decided", request.reviewer, detail)


def modified_suspension_end(state: AppealState, now: datetime) -> datetime:
    """When a suspension an appeal modified the decision to ends: counted from when the
    original restriction took effect (its time served counts), or from ``now`` when it never
    took effect (withdrawn in its notice period)."""
    decision = state.decision
    assert decision is not None and decision.suspension_days is not None
    start = now if state.withdrawn_before_effect else state.request.appealed.reasons.starts_at
    return start + timedelta(days=decision.suspension_days)


def mark_at_risk(state: AppealState, now: datetime) -> None:
    """Nobody decided the appeal in most of its time."""
    state.sla.at_risk = True
    record(state, now, "sla_at_risk", detail=f"deadline {state.sla.deadline.isoformat()}")


def mark_breached(state: AppealState, now: datetime) -> None:
    """The appeal's deadline passed undecided: the leads' queue shows it escalated."""
    state.sla.breached = True
    state.escalated = True
    record(state, now, "escalated", detail=f"appeal SLA breached at {now.isoformat()}")


def block(state: AppealState, reason: str, now: datetime) -> None:
    """A service refused a step of carrying out the decision: escalate and wait for an
    operator, keeping the decision."""
    state.actioning_blocked = reason
    state.escalated = True
    record(state, now, "escalated", detail=f"actioning blocked: {reason}")


def check_retry(state: AppealState, request: RetryActioningRequest) -> None:
    """Refuse a retry unless an operator asks it of an appeal whose actioning is blocked."""
    if request.operator.role not in (PersonRole.OPERATOR, PersonRole.LEAD):
        raise ReviewRuleError(
            "forbidden",
            "role_may_not",
            article=article(request.operator.role),
            role=request.operator.role,
            verb="retry actioning",
            request="retry_actioning",
        )
    if state.actioning_blocked is None:
        raise ReviewRuleError("conflict", "actioning_not_blocked", status=state.status)


def apply_retry(state: AppealState, request: RetryActioningRequest, now: datetime) -> None:
    """Clear the block; the workflow tries the refused step again."""
    state.actioning_blocked = None
    record(state, now, "actioning_retried", request.operator, request.reason)


def close(state: AppealState, now: datetime) -> None:
    """The decision is carried out and told: the appeal is closed."""
    state.status = AppealStatus.CLOSED
    state.closed_at = now
    record(state, now, "closed")


def is_decided(state: AppealState) -> bool:
    """Whether the appeal is decided (its SLA clock stops)."""
    return state.decision is not None
