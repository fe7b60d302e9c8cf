"""Who is told what when a review closes.

The reported account gets an outcome notice explaining the decision; the reporter (a rider or
driver) learns that the report was reviewed and never the other person's outcome. The content
models carry only what each audience may see, so a template cannot leak what it never receives.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from review.appeals import AppealState, modified_suspension_end
from review.due_process import DueProcess, answer_due_by, hearing_first
from review.lifecycle import on_interim_hold
from review.matrix import ReviewPolicy
from review.models import (
    AccountRef,
    Decision,
    EnforcementAction,
    EvidenceSource,
    HeardBefore,
    Hearing,
    IncidentCategory,
    Person,
    PersonRole,
    Recipient,
    ReporterRole,
    ReviewState,
    StatementOfReasons,
    StrictModel,
    TripReference,
)
from review.reasons import (
    detected_automatically,
    evidence_relied_on,
    heard_before,
    statement_of_reasons,
    trip_reference,
)


class OutcomeNoticeContent(StrictModel):
    """What the reported account is told: the decision, why, and how to appeal."""

    kind: Literal["outcome_notice"] = "outcome_notice"
    review_id: str
    account_role: Literal["rider", "driver"]
    market: str
    category: IncidentCategory
    action: EnforcementAction
    suspension_days: int | None
    suspension_ends_at: datetime | None
    guideline_refs: list[str]
    interim_hold_lifted: bool
    appeal_deadline: datetime | None
    trip: TripReference | None = Field(
        default=None, description="The trip the decision is about, when its details were found."
    )
    detected_automatically: bool = Field(
        default=False,
        description="The platform's own systems raised the incident: the message speaks of an "
        "alert, never of a report.",
    )
    reasons: StatementOfReasons | None = Field(
        default=None,
        description=(
            "For restrictions: the statement of reasons, in full. Only jobs scheduled before "
            "statements of reasons existed lack it (their retries still render, with the "
            "appeal paragraph alone)."
        ),
    )
    heard: HeardBefore | None = Field(
        default=None,
        description="The hearing the person was given before this decision, if any: the "
        "message says their answer was read (or that none came).",
    )


class ReportReviewedContent(StrictModel):
    """What the reporter is told: thanks, it was reviewed; nothing about the other person."""

    kind: Literal["report_reviewed"] = "report_reviewed"
    review_id: str
    reporter_role: str
    market: str


class HoldNoticeContent(StrictModel):
    """What the account is told when an egregious report puts it on hold before any person has
    looked: that it is not a decision, and the statement of reasons for an automated,
    temporary restriction (what applies and until when, what it rests on, that it was
    automatic, the guidelines concerned, and what the person can do)."""

    kind: Literal["hold_notice"] = "hold_notice"
    review_id: str
    account_role: Literal["rider", "driver"]
    market: str
    category: IncidentCategory
    reported_at: datetime
    based_on_report_by: ReporterRole | None
    held_at: datetime
    decision_due_by: datetime = Field(description="The review's SLA deadline.")
    guideline_refs: list[str]
    appeal_window_days: int | None = Field(
        default=None,
        description="How long the person could appeal if the hold became a restriction (None "
        "in notices planned before the hold notice said so).",
    )


class NoticeOfIntentContent(StrictModel):
    """What the person is told before a permanent deactivation where their market's law gives
    them a hearing: the facts found and the rules, what we intend, what it rests on, until when
    and how to answer, and the law that gives them the right to. Never who reported them, nor
    what anyone said."""

    kind: Literal["notice_of_intent"] = "notice_of_intent"
    review_id: str
    account_role: Literal["rider", "driver"]
    market: str
    category: IncidentCategory
    reported_at: datetime
    trip_started_at: datetime | None = Field(
        default=None, description="When the trip reported began, when its details were found."
    )
    trip_id: str | None = Field(
        default=None, description="The trip's reference, when its details were found."
    )
    detected_automatically: bool = Field(
        default=False,
        description="The platform's own systems raised the incident (an alert, not a report).",
    )
    evidence_relied_on: list[EvidenceSource]
    prior_violations: int
    answer_due_by: datetime = Field(
        description="Until when the person may answer: the hearing's days from when the "
        "notice is sent (see ``dated``)."
    )
    hearing_days: int | None = Field(
        default=None,
        ge=1,
        description="The days the person has to answer, counted from sending (None in jobs "
        "planned before the deadline was dated at sending: they tell the planned one).",
    )
    on_hold: bool = Field(description="The account is on an interim hold, and stays on it.")
    guideline_refs: list[str]
    legal_basis: dict[str, str]


class AppealOutcomeContent(StrictModel):
    """What a person who appealed is told of its outcome; never the reporter. ``took_effect``
    says whether the restriction had begun (an overturn reinstates the account) or was still
    in its notice period (it never takes effect)."""

    kind: Literal["appeal_outcome"] = "appeal_outcome"
    review_id: str
    appeal_id: str
    account_role: Literal["rider", "driver"]
    market: str
    category: IncidentCategory
    outcome: Literal["uphold", "overturn", "modify"]
    original_action: EnforcementAction
    action: EnforcementAction | None = Field(description="The action now in force (modify).")
    suspension_days: int | None
    suspension_ends_at: datetime | None
    took_effect: bool
    restriction_ended: bool = Field(
        default=False, description="An upheld suspension is over already (it still counts)."
    )
    appeal_again_by: datetime | None = Field(
        default=None, description="Until when a further appeal with new information is heard."
    )
    guideline_refs: list[str]
    correction: bool = Field(
        default=False,
        description="Our own quality check reopened the decision; the person did not appeal.",
    )
    trip: TripReference | None = Field(
        default=None, description="The trip the decision was about, when its details were found."
    )


NoticeContent = Annotated[
    OutcomeNoticeContent
    | ReportReviewedContent
    | HoldNoticeContent
    | AppealOutcomeContent
    | NoticeOfIntentContent,
    Field(discriminator="kind"),
]


class NoticeJob(StrictModel):
    """One message to render and send, with the key that makes sending it idempotent."""

    review_id: str
    recipient: Recipient
    idempotency_key: str
    content: NoticeContent


def idempotency_key(review_id: str, kind: str) -> str:
    """One key per review and message kind: the gateway delivers each at most once."""
    return f"{review_id}:{kind}"


def market_language(policy: ReviewPolicy, account: AccountRef) -> str:
    """The language the account's market is written to in first (the account's own where the
    review's policy predates markets)."""
    market = policy.markets.get(account.market) if policy.markets else None
    return market.languages[0] if market else account.locale


def reported_account(state: ReviewState) -> Recipient:
    """The account under review, as a message recipient in its own language."""
    account = state.request.account
    return Recipient(account_id=account.id, role=account.role, locale=account.locale)


def plan_hold_notice(state: ReviewState, policy: ReviewPolicy, now: datetime) -> NoticeJob:
    """The notice an account gets when the review holds it at intake (``now``)."""
    request = state.request
    due = DueProcess.for_account(policy, request.account)
    return NoticeJob(
        review_id=state.review_id,
        recipient=reported_account(state),
        idempotency_key=idempotency_key(state.review_id, "hold_notice"),
        content=HoldNoticeContent(
            review_id=state.review_id,
            account_role=request.account.role,
            market=request.account.market,
            category=request.category,
            reported_at=request.reported_at,
            based_on_report_by=request.reporter.role if request.reporter else None,
            held_at=now,
            decision_due_by=state.sla.deadline,
            guideline_refs=list(policy.matrix.categories[request.category].guidelines),
            appeal_window_days=due.appeal_window_days
            if due is not None
            else policy.matrix.appeal_window_days,
        ),
    )


def plan_notice_of_intent(
    state: ReviewState, policy: ReviewPolicy, answer_due_by: datetime
) -> NoticeJob:
    """The notice of intent that opens the person's hearing on the review's intended decision
    (requires one), asking for their answer by ``answer_due_by``."""
    hearing = state.hearing
    if hearing is None:
        raise ValueError("a review without a hearing sends no notice of intent")
    request = state.request
    due = DueProcess.for_account(policy, request.account)
    rec = state.recommendation
    trip = trip_reference(state)
    return NoticeJob(
        review_id=state.review_id,
        recipient=reported_account(state),
        idempotency_key=idempotency_key(state.review_id, "notice_of_intent"),
        content=NoticeOfIntentContent(
            review_id=state.review_id,
            account_role=request.account.role,
            market=request.account.market,
            category=request.category,
            reported_at=request.reported_at,
            trip_started_at=trip.started_at if trip else None,
            trip_id=trip.trip_id if trip else None,
            detected_automatically=detected_automatically(request),
            evidence_relied_on=evidence_relied_on(state, policy),
            prior_violations=rec.prior_violations if rec else 0,
            answer_due_by=answer_due_by,
            hearing_days=state.hearing_days or None,
            on_hold=on_interim_hold(state),
            guideline_refs=list(hearing.intended.policy_refs),
            legal_basis=dict(due.legal_basis) if due is not None else {},
        ),
    )


def dated(job: NoticeJob, sent_at: datetime) -> NoticeJob:
    """The job as it is sent at ``sent_at``: a notice of intent tells the person the answer
    deadline counted from then, however long an outage held it back; any other job as it is."""
    content = job.content
    if not isinstance(content, NoticeOfIntentContent) or content.hearing_days is None:
        return job
    due_by = answer_due_by(sent_at, content.hearing_days)
    return job.model_copy(update={"content": content.model_copy(update={"answer_due_by": due_by})})


def plan_notices(state: ReviewState, policy: ReviewPolicy, now: datetime) -> list[NoticeJob]:
    """The messages a decided review sends, in order. Requires a decision."""
    decision = state.decision
    if decision is None:
        raise ValueError("a review without a decision sends no notices")
    request = state.request
    held = on_interim_hold(state)
    heard = heard_before(state)
    jobs: list[NoticeJob] = []

    # No action, no hold and no hearing: the account never knew, and telling them a report
    # was made could expose the reporter to retaliation.
    if decision.action is not EnforcementAction.NO_ACTION or held or heard is not None:
        # The statement the workflow fixed once the account change took effect; computed here
        # for the decision form's preview.
        reasons = state.statement_of_reasons or statement_of_reasons(state, policy, now)
        jobs.append(
            NoticeJob(
                review_id=state.review_id,
                recipient=reported_account(state),
                idempotency_key=idempotency_key(state.review_id, "outcome_notice"),
                content=OutcomeNoticeContent(
                    review_id=state.review_id,
                    account_role=request.account.role,
                    market=request.account.market,
                    category=request.category,
                    action=decision.action,
                    suspension_days=decision.suspension_days,
                    suspension_ends_at=reasons.ends_at if reasons else None,
                    guideline_refs=list(decision.policy_refs),
                    interim_hold_lifted=held and not decision.action.restricts_account,
                    appeal_deadline=reasons.appeal_deadline if reasons else None,
                    trip=trip_reference(state),
                    detected_automatically=detected_automatically(request),
                    reasons=reasons,
                    heard=heard,
                ),
            )
        )

    reporter = request.reporter
    if reporter is not None and reporter.role in ("rider", "driver"):
        jobs.append(
            NoticeJob(
                review_id=state.review_id,
                recipient=Recipient(
                    account_id=reporter.id,
                    role=reporter.role,
                    locale=reporter.locale or market_language(policy, request.account),
                ),
                idempotency_key=idempotency_key(state.review_id, "report_reviewed"),
                content=ReportReviewedContent(
                    review_id=state.review_id,
                    reporter_role=reporter.role,
                    market=request.account.market,
                ),
            )
        )
    return jobs


def preview_notices(
    state: ReviewState,
    action: EnforcementAction,
    suspension_days: int | None,
    policy_refs: list[str],
    policy: ReviewPolicy,
    now: datetime,
) -> list[NoticeJob]:
    """The notices a decision would send if it were carried out now (for the decision form):
    the notice of intent, when the decision would first be put to the person at a hearing."""
    draft = state.model_copy(deep=True)
    draft.statement_of_reasons = None
    draft.decision = Decision(
        reviewer=Person(id="preview", role=PersonRole.SPECIALIST),
        action=action,
        suspension_days=suspension_days,
        rationale="(preview)",
        policy_refs=policy_refs,
        justification=None,
        deviates_from_recommendation=False,
        decided_at=now,
    )
    if draft.hearing is None and hearing_first(action, draft.hearing_days or 0):
        draft.hearing = Hearing(
            intended=draft.decision, intended_second_review=None, started_at=now
        )
        due_by = answer_due_by(now, draft.hearing_days or 0)
        return [plan_notice_of_intent(draft, policy, due_by)]
    return plan_notices(draft, policy, now)


def plan_appeal_notice(state: AppealState, now: datetime) -> NoticeJob:
    """The message that tells the person who appealed what came of it (requires a decision),
    or, for a correction QA opened, what changed. Only the person: whoever reported the
    incident never learns of an appeal."""
    decision = state.decision
    if decision is None:
        raise ValueError("an undecided appeal sends no notice")
    appealed = state.request.appealed
    reasons = appealed.reasons
    suspended = decision.action is EnforcementAction.TEMPORARY_SUSPENSION
    days = decision.suspension_days if suspended else None
    account = appealed.account
    if decision.outcome == "uphold":  # the restriction stands: has it begun, or ended?
        took_effect = now >= reasons.starts_at
    else:
        took_effect = not state.withdrawn_before_effect
    return NoticeJob(
        review_id=appealed.review_id,
        recipient=Recipient(account_id=account.id, role=account.role, locale=account.locale),
        idempotency_key=idempotency_key(state.appeal_id, "appeal_outcome"),
        content=AppealOutcomeContent(
            review_id=appealed.review_id,
            appeal_id=state.appeal_id,
            account_role=account.role,
            market=account.market,
            category=appealed.category,
            outcome=decision.outcome,
            original_action=appealed.decision.action,
            action=decision.action,
            suspension_days=days,
            suspension_ends_at=modified_suspension_end(state, now) if days else None,
            took_effect=took_effect,
            restriction_ended=reasons.ends_at is not None and now >= reasons.ends_at,
            appeal_again_by=reasons.appeal_deadline if reasons.appeal_deadline > now else None,
            guideline_refs=list(decision.policy_refs or appealed.decision.policy_refs),
            correction=state.request.qa_finding is not None,
            trip=reasons.trip,
        ),
    )
