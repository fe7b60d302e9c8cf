"""DeactivationReview: one durable workflow per reported incident.

The story, in order:
1. Record the policy in force and open the review with its SLA clock.
2. Hold the account at once when the incident is egregious, before any person looks, and tell
   the person why.
3. Gather evidence from every source at the same time; a source that stays down is marked
   unavailable and the review goes on.
4. Recommend an action from the deactivation matrix.
5. Wait for a specialist to claim and decide (workflow updates, validated where they enter; a
   claim is a lease that returns the review to the queue when nobody works on it),
   sending the review back to gathering when more information is requested, and for a lead's
   second review when the decision needs one. Meanwhile SLA timers flag the review at risk and
   escalate it on breach.
   Where the market's law gives the person a hearing, a permanent deactivation is first put
   to them as a notice of intent: the review waits for their answer or the end of the hearing
   period (a durable timer), and the specialist decides again with the answer in front of them.
6. Carry out the decision: change the account and send each message exactly once, with a
   statement of reasons when the account is restricted. Where the market's law gives notice
   before a deactivation, the person is told at once and the account changes when the notice
   period ends (a durable timer).
7. Write the case record to the decision archive, which outlives this history; then close,
   returning the full case.

Each change of the review is published, in order, to the read model the queues and the review's
page read (a local activity beside the search attributes operators query).

A review that waits long enough for its history to grow past what Temporal suggests continues
as a new run of itself, carrying its state and policy. Every change to the commands this code
issues sits behind a new ``workflow.patched`` id, so reviews started on older code still replay
(tests/histories/ holds a history of each). Reviews started since ``lean-history`` take every
earlier change under the newest id they record, so their history holds one patch marker.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.accounts import AccountActivities, EnforcementOrder, HoldOrder
    from activities.evidence import EvidenceActivities
    from activities.notifications import NotificationActivities
    from activities.policy import PolicyActivities
    from activities.read_model import ReadModelActivities, ReviewPublication
    from activities.records import RecordActivities
    from activities.steps import STEPS
    from review import actions, lifecycle
    from review.actions import PersonAction
    from review.case_record import ArchivedRecord, case_record
    from review.due_process import DueProcess, answer_due_by
    from review.lifecycle import CarriedReview
    from review.matrix import ReviewPolicy
    from review.models import (
        AccountChange,
        EnforcementAction,
        EvidenceItem,
        EvidenceQuery,
        EvidenceSource,
        HearingAnswerBody,
        ReviewAck,
        ReviewRequest,
        ReviewState,
        ReviewStatus,
        SentMessage,
        StageClock,
    )
    from review.notices import (
        NoticeJob,
        plan_hold_notice,
        plan_notice_of_intent,
        plan_notices,
    )
    from review.policy_files import entry_path
    from review.refusals import ReviewRuleError
    from workflows import search_attributes
    from workflows.failures import as_update_failure, failure_reason, still_being_received

T = TypeVar("T")

# Evidence: a few quick tries, then the review goes on without that source.
EVIDENCE_TIMEOUT = timedelta(seconds=15)
EVIDENCE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=4,
)
# Account changes and messages must happen: retry transient failures for as long as it takes.
# Operators see the pending activity in the Temporal Web UI.
SERVICE_TIMEOUT = timedelta(seconds=30)
SERVICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
)
# The read model: a local write in the worker, retried quickly while the database is away.
PUBLISH_TIMEOUT = timedelta(seconds=10)
PUBLISH_RETRY_LOCALLY = timedelta(seconds=2)
"""A publication retried after a longer wait than this waits on a durable timer, so a read
model outage never holds the review's workflow task open (nor stops its worker)."""
PUBLISH_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)


@workflow.defn
class DeactivationReview:
    """A trust & safety review of one incident, from intake to the closed case."""

    def __init__(self) -> None:
        self._state: ReviewState | None = None
        self._policy: ReviewPolicy | None = None
        self._hold_notice: asyncio.Task[SentMessage] | None = None
        self._continuing_refused = False
        self._clocks: list[asyncio.Task[None]] = []
        self._returns = False
        self._heard = False
        self._due = False
        self._apart = False
        self._lean = False
        self._publishes = False
        self._leases = False
        self._publisher: asyncio.Task[None] | None = None
        self._published = 0
        self._attributes: asyncio.Task[None] | None = None
        self._upserted = 0

    @workflow.run
    async def run(self, review: ReviewRequest | CarriedReview) -> ReviewState:
        """Work the review to its end and return the closed case. It starts from the intake
        request, or from the review so far when it continues from an earlier run."""
        # First, before any other patch: a review takes every change before the newest id it
        # records, without a marker (and a search attribute upsert) for each. Since
        # "read-model-outage" a review rides out a read model outage: its search attributes
        # are upserted apart from its publications, and a publication that keeps failing
        # waits on durable timers between attempts instead of holding its workflow task open.
        # Since "market-due-process" a review follows the due process of the account's market
        # (the policy it records holds the markets): notice before a deactivation takes effect.
        # Since "market-hearing" a permanent deactivation is first put to the person, where
        # their market's law gives them a hearing; since "hearing-returns-to-decider" the
        # decision then waits for its specialist without a lease running.
        self._returns = workflow.patched("hearing-returns-to-decider")
        self._heard = self._returns or workflow.patched("market-hearing")
        self._due = self._heard or workflow.patched("market-due-process")
        self._apart = self._due or workflow.patched("read-model-outage")
        self._lean = self._apart or workflow.patched("lean-history")
        # Reviews started since the read model exists publish each change to it; older ones
        # are mirrored from visibility (decision_archive/read_model.py).
        self._publishes = self._patched("publish-read-model")
        if self._publishes:
            if self._apart:  # first: it upserts before the publisher schedules its write
                self._attributes = asyncio.create_task(self._keep_search_attributes())
            self._publisher = asyncio.create_task(self._keep_read_model())
        # Reviews started since claims are leases return a claim nobody works on to the queue.
        self._leases = self._patched("claim-lease")
        if isinstance(review, ReviewRequest):
            request = review
            self._policy = await workflow.execute_activity_method(
                PolicyActivities.load_review_policy,
                start_to_close_timeout=SERVICE_TIMEOUT,
                retry_policy=SERVICE_RETRY,
                summary="policy in force",
            )
            state = lifecycle.open_review(request, self._policy, workflow.now())
            if self._leases:
                state.lease_minutes = self._policy.matrix.lease_minutes()
            if self._heard:
                due = DueProcess.for_account(self._policy, request.account)
                state.hearing_days = due.hearing_days if due is not None else 0
            self._state = state
            self._publish()
            self._watch_clocks()
            if state.intake.interim_hold:
                await self._place_interim_hold()
            lifecycle.start_gathering(state, workflow.now())
        else:
            self._policy, state = review.policy, review.state
            request = state.request
            self._state = state
            # An earlier run that published waited for it before continuing; one from before the
            # read model published nothing, and the mirror has its row.
            self._published = self._upserted = state.version
            if self._leases and state.lease_minutes is None:
                state.lease_minutes = self._policy.matrix.lease_minutes()
            self._watch_clocks()

        policy = self._policy
        while True:
            if state.status is ReviewStatus.GATHERING_EVIDENCE:
                self._publish()
                evidence = await self._gather_evidence()
                lifecycle.evidence_gathered(state, evidence, policy, workflow.now())
                self._publish()
            await workflow.wait_condition(
                lambda: (
                    state.status
                    in (
                        ReviewStatus.ACTIONING,
                        ReviewStatus.GATHERING_EVIDENCE,
                        ReviewStatus.HEARING,
                    )
                    or self._history_too_long()
                )
            )
            if state.status is ReviewStatus.ACTIONING:
                break
            if state.status is ReviewStatus.GATHERING_EVIDENCE:
                continue
            if state.status is ReviewStatus.HEARING:
                await self._hear_the_person()
                continue
            # Waiting for people while the history grew long: go on in a fresh run.
            if self._patched("continue-as-new-when-suggested"):
                await workflow.wait_condition(
                    lambda: workflow.all_handlers_finished() and self._all_published()
                )
                self._stop_clocks()
                workflow.continue_as_new(CarriedReview(state=state, policy=policy))
            self._continuing_refused = True  # a review from before this code: it goes on here

        self._publish()
        await self._carry_out_decision()

        closed_at = workflow.now()
        # Reviews that had already got this far when the decision archive was deployed (their
        # history has no marker) close without a record; every other review writes one.
        if self._patched("write-case-record"):
            lifecycle.begin_record(state, workflow.now())
            closed_at = await self._write_case_record()
        lifecycle.close(state, closed_at)
        self._publish()
        self._stop_clocks()
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and self._all_published()
        )
        for task in (self._publisher, self._attributes):
            if task is not None:
                task.cancel()
        return state

    def _history_too_long(self) -> bool:
        """Temporal suggests continuing as new, and no step of this run is still in flight."""
        return (
            not self._continuing_refused
            and workflow.info().is_continue_as_new_suggested()
            and (self._hold_notice is None or self._hold_notice.done())
        )

    # --- the read model -------------------------------------------------------------------------

    async def _keep_read_model(self) -> None:
        """Publish the review after each change, in order. Changes made while a publication is
        on its way go out together in the next one, carrying the newest version. Reviews of
        "lean-history" (not yet "read-model-outage") upsert their search attributes here
        too, before each publication."""
        while True:
            await workflow.wait_condition(
                lambda: self._state is not None and self._state.version > self._published
            )
            state = self._current()
            version = state.version
            if self._lean and not self._apart:
                self._upsert_search_attributes()
            await workflow.execute_local_activity_method(
                ReadModelActivities.publish_review,
                ReviewPublication(state=state, changed_at=workflow.now()),
                start_to_close_timeout=PUBLISH_TIMEOUT,
                retry_policy=PUBLISH_RETRY,
                # Past this backoff, the next attempt waits on a timer: the review goes on.
                local_retry_threshold=PUBLISH_RETRY_LOCALLY if self._apart else None,
            )
            self._published = version

    async def _keep_search_attributes(self) -> None:
        """Since "read-model-outage": bring the search attributes up to date once for the
        changes of each workflow task, on their own, so operators' visibility never waits on
        the read model's database (a publication is retried for as long as that is down)."""
        while True:
            await workflow.wait_condition(
                lambda: self._state is not None and self._state.version > self._upserted
            )
            self._upserted = self._current().version
            self._upsert_search_attributes()

    def _all_published(self) -> bool:
        if not self._publishes:
            return True
        version = self._current().version
        return version <= self._published and (not self._apart or version <= self._upserted)

    # --- steps ----------------------------------------------------------------------------------

    async def _place_interim_hold(self) -> None:
        state = self._current()
        change = await self._until_done(
            STEPS["place_interim_hold"].name,
            lambda: workflow.execute_activity_method(
                AccountActivities.place_interim_hold,
                HoldOrder(
                    review_id=state.review_id,
                    account_id=state.request.account.id,
                    category=str(state.request.category),
                    idempotency_key=f"{state.review_id}:interim_hold",
                ),
                start_to_close_timeout=SERVICE_TIMEOUT,
                retry_policy=SERVICE_RETRY,
                summary="interim safety hold",
            ),
        )
        state.account_changes.append(change)
        lifecycle.record(state, workflow.now(), "interim_hold_placed", detail=change.account_status)
        # The hold restricts the account: tell the person why, as for any restriction. Sent
        # alongside the review, so a notification outage does not hold up the evidence.
        # "hold-notice" reviews sent it before gathering; reviews that placed their hold before
        # either existed go on without it. (6c83485 once sent it alongside under the old id.)
        assert self._policy is not None
        if self._patched("hold-notice-alongside"):
            job = plan_hold_notice(state, self._policy, workflow.now())
            self._hold_notice = asyncio.create_task(self._send_notice(job))
        elif workflow.patched("hold-notice"):
            await self._send_notice(plan_hold_notice(state, self._policy, workflow.now()))

    async def _hear_the_person(self) -> None:
        """Send the notice of intent, then wait for the person's answer until the hearing period
        ends, counted from when the notice actually went out (an outage never shortens it);
        then the decision goes back to the specialist."""
        state = self._current()
        assert self._policy is not None and state.hearing_days is not None
        if self._hold_notice is not None:
            await self._hold_notice  # the hold's own notice comes first
        planned = answer_due_by(workflow.now(), state.hearing_days)
        sent = await self._send_notice(plan_notice_of_intent(state, self._policy, planned))
        # What the notice told (dated when it went out), else what was planned for it.
        told = sent.answer_due_by or planned
        due_by = lifecycle.notice_of_intent_sent(state, workflow.now(), told)
        hearing = state.hearing
        assert hearing is not None
        self._publish()
        with contextlib.suppress(TimeoutError):  # the period ended without an answer
            await workflow.wait_condition(
                lambda: hearing.answer is not None,
                timeout=(due_by - workflow.now()).total_seconds(),
                timeout_summary=f"hearing until {due_by.isoformat()}",
            )
        lifecycle.end_hearing(state, workflow.now(), leased=not self._returns)
        self._publish()

    async def _gather_evidence(self) -> list[EvidenceItem]:
        return list(await asyncio.gather(*(self._gather_one(s) for s in EvidenceSource)))

    async def _gather_one(self, source: EvidenceSource) -> EvidenceItem:
        state = self._current()
        query = EvidenceQuery(
            source=source,
            review_id=state.review_id,
            incident_id=state.request.incident_id,
            account_id=state.request.account.id,
            reported_at=state.request.reported_at,
        )
        try:
            return await workflow.execute_activity_method(
                EvidenceActivities.gather_evidence,
                query,
                start_to_close_timeout=EVIDENCE_TIMEOUT,
                retry_policy=EVIDENCE_RETRY,
                summary=str(source),
            )
        except ActivityError as err:
            return EvidenceItem(
                source=source,
                available=False,
                unavailable_reason=failure_reason(err),
                gathered_at=workflow.now(),
            )

    async def _carry_out_decision(self) -> None:
        state = self._current()
        decision = state.decision
        assert decision is not None and self._policy is not None
        held = lifecycle.on_interim_hold(state)
        due = DueProcess.for_account(self._policy, state.request.account) if self._due else None
        # An account already on hold is off the platform: no notice period keeps it waiting.
        effective_at = (
            due.takes_effect_at(decision.action, state.intake.egregious or held, workflow.now())
            if due is not None
            else workflow.now()
        )
        notice_given = effective_at > workflow.now()
        if notice_given:
            await self._give_notice(effective_at, due.notice_days if due else 0)
            if state.withdrawn_by_appeal:
                return  # an appeal decided before it took effect: the account never changes
        if decision.action is not EnforcementAction.NO_ACTION or held:
            order = EnforcementOrder(
                review_id=state.review_id,
                account_id=state.request.account.id,
                action=decision.action,
                suspension_days=decision.suspension_days,
                release_hold=held,
                idempotency_key=f"{state.review_id}:enforcement",
            )
            change: AccountChange = await self._until_done(
                STEPS["apply_enforcement"].name,
                lambda: workflow.execute_activity_method(
                    AccountActivities.apply_enforcement,
                    order,
                    start_to_close_timeout=SERVICE_TIMEOUT,
                    retry_policy=SERVICE_RETRY,
                    summary=str(decision.action),
                ),
            )
            state.account_changes.append(change)
            lifecycle.record(
                state, workflow.now(), "account_actioned", detail=f"status {change.account_status}"
            )

        # After the account change, however long an operator took to unblock it: the statement
        # of reasons dates the restriction and the appeal window from when it took effect.
        lifecycle.state_reasons(state, self._policy, workflow.now())
        if notice_given:
            return  # the person was told when the notice period began
        if self._hold_notice is not None:
            await self._hold_notice  # the outcome never arrives before the hold notice
        jobs = plan_notices(state, self._policy, workflow.now())
        if self._lean:  # the person's and the reporter's messages go out together
            await asyncio.gather(*(self._send_notice(job) for job in jobs))
        else:
            for job in jobs:
                await self._send_notice(job)

    async def _give_notice(self, effective_at: datetime, notice_days: int) -> None:
        """Tell the person of the decision now, and wait until it takes effect: never sooner
        than the notice period after the notice actually went out (a notification outage
        delays the restriction, never shortens the person's notice)."""
        state = self._current()
        assert self._policy is not None
        lifecycle.begin_notice_period(state, self._policy, workflow.now(), effective_at)
        self._publish()
        jobs = plan_notices(state, self._policy, workflow.now())
        await asyncio.gather(*(self._send_notice(job) for job in jobs))
        effective_at = max(effective_at, workflow.now() + timedelta(days=notice_days))
        remaining = (effective_at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):  # the period ended with no appeal decided
                await workflow.wait_condition(
                    lambda: state.withdrawn_by_appeal is not None,
                    timeout=remaining,
                    timeout_summary=f"notice period until {effective_at.isoformat()}",
                )
        if not state.withdrawn_by_appeal:
            lifecycle.end_notice_period(state, workflow.now())
            self._publish()

    async def _send_notice(self, job: NoticeJob) -> SentMessage:
        """Send one message (exactly once: the job carries its idempotency key); what was
        sent."""
        state = self._current()
        sent = await self._until_done(
            f"{job.content.kind} message",
            lambda: workflow.execute_activity_method(
                NotificationActivities.send_notice,
                job,
                start_to_close_timeout=SERVICE_TIMEOUT,
                retry_policy=SERVICE_RETRY,
                summary=job.content.kind,
            ),
        )
        state.messages.append(sent)
        fallback = f" (no {sent.fallback_from} translation)" if sent.fallback_from else ""
        lifecycle.record(
            state,
            workflow.now(),
            "message_sent",
            detail=f"{sent.kind} to the {sent.recipient.role} in {sent.locale}{fallback}",
        )
        return sent

    async def _write_case_record(self) -> datetime:
        """Write the record of the review as closed now; returns the closing time it records
        (the time of the attempt that succeeded, if an operator had to retry)."""
        state = self._current()
        closing: list[datetime] = []

        def attempt() -> Awaitable[ArchivedRecord]:
            closing.append(workflow.now())
            return workflow.execute_activity_method(
                RecordActivities.archive_case_record,
                case_record(state, closing[-1]),
                start_to_close_timeout=SERVICE_TIMEOUT,
                retry_policy=SERVICE_RETRY,
                summary="case record",
            )

        await self._until_done(STEPS["archive_case_record"].name, attempt)
        return closing[-1]

    async def _until_done(self, step: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a step that must happen; when a service refuses it, escalate and wait for an
        operator to retry instead of failing the review and losing the decision."""
        state = self._current()
        while True:
            try:
                return await attempt()
            except ActivityError as err:
                lifecycle.block_actioning(state, f"{step}: {failure_reason(err)}", workflow.now())
                self._publish()
                await workflow.wait_condition(lambda: state.actioning_blocked is None)

    def _watch_clocks(self) -> None:
        """Start the durable timers: the decision's SLA, (for reviews started since stage clocks
        exist) each second review's and rework's, and (since claims are leases) the claim's
        lease."""
        self._clocks = [asyncio.create_task(self._watch_sla())]
        if self._patched("stage-sla"):
            self._clocks.append(asyncio.create_task(self._watch_stages()))
        if self._leases:
            self._clocks.append(asyncio.create_task(self._watch_lease()))

    def _stop_clocks(self) -> None:
        for clock in self._clocks:
            clock.cancel()

    async def _watch_stages(self) -> None:
        """Flag each stage after the decision at risk, and escalate it when its deadline
        passes, as the decision's clock does."""
        state = self._current()
        while True:
            await workflow.wait_condition(lambda: lifecycle.open_stage(state) is not None)
            clock = lifecycle.open_stage(state)
            assert clock is not None
            await self._watch_stage(clock)

    async def _watch_stage(self, clock: StageClock) -> None:
        state = self._current()
        for at, marked, mark in (
            (clock.at_risk_at, clock.at_risk, lifecycle.mark_stage_at_risk),
            (clock.deadline, clock.breached, lifecycle.mark_stage_breached),
        ):
            if marked:  # marked in an earlier run of this review
                continue
            if not await self._still_open_at(clock, at):
                return
            mark(state, clock, workflow.now())
            self._publish()
        await workflow.wait_condition(lambda: lifecycle.open_stage(state) is not clock)

    async def _still_open_at(self, clock: StageClock, at: datetime) -> bool:
        """Wait until ``at`` unless the stage ends first; whether it is still open then."""
        state = self._current()
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: lifecycle.open_stage(state) is not clock,
                    timeout=remaining,
                    timeout_summary=f"{clock.stage} SLA until {at.isoformat()}",
                )
        return lifecycle.open_stage(state) is clock

    async def _watch_lease(self) -> None:
        """Return a claim nobody worked on for its lease to the queue. Extending a lease does
        not restart the timer: when it fires, it waits again for what is left."""
        state = self._current()
        while True:
            await workflow.wait_condition(lambda: lifecycle.lease_running(state) is not None)
            until = lifecycle.lease_running(state)
            assert until is not None
            remaining = (until - workflow.now()).total_seconds()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: lifecycle.lease_running(state) is None,
                        timeout=remaining,
                        timeout_summary=f"claim lease until {until.isoformat()}",
                    )
                continue  # the lease ended, or look again at when it ends now
            lifecycle.expire_lease(state, workflow.now())
            self._publish()

    async def _watch_sla(self) -> None:
        state = self._current()
        for at, marked, mark in (
            (state.sla.at_risk_at, state.sla.at_risk, lifecycle.mark_at_risk),
            (state.sla.deadline, state.sla.breached, lifecycle.mark_breached),
        ):
            if marked:  # marked in an earlier run of this review
                continue
            if await self._decided_by(at):
                return
            mark(state, workflow.now())
            self._publish()

    async def _decided_by(self, at: datetime) -> bool:
        state = self._current()
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):  # the deadline passed undecided
                await workflow.wait_condition(
                    lambda: lifecycle.is_decided(state),
                    timeout=remaining,
                    timeout_summary=f"SLA {state.sla.tier} until {at.isoformat()}",
                )
        return lifecycle.is_decided(state)

    # --- what people can do ---------------------------------------------------------------------

    @workflow.query
    def state(self) -> ReviewState:
        """The review as the specialist sees it."""
        return self._current()

    @workflow.signal
    def withdraw_restriction(self, appeal_id: str) -> None:
        """An appeal overturned or changed the decision (activities/appeals.py sends this): a
        restriction still in its notice period never takes effect; one in effect stays for
        the appeal to undo, after this review closes."""
        if self._state is not None and lifecycle.withdraw_on_appeal(
            self._state, appeal_id, workflow.now()
        ):
            self._publish()

    @workflow.update
    def answer_notice_of_intent(self, body: HearingAnswerBody) -> ReviewAck:
        """The person's answer to the notice of intent, sent by the platform's app for them
        (the web app's ``POST .../hearing-answer``); the same answer again changes nothing.
        (The update's name is stored in history: never rename it.)"""
        state = self._current()
        with as_update_failure():  # the hearing may have ended since the answer was validated
            if lifecycle.apply_hearing_answer(state, body, workflow.now()):
                self._publish()
        return ReviewAck(
            review_id=state.review_id,
            status=state.status,
            accepted="answer_notice_of_intent",
            version=state.version if self._publishes else None,
        )

    @answer_notice_of_intent.validator
    def _check_answer(self, body: HearingAnswerBody) -> None:
        with as_update_failure():
            lifecycle.check_hearing_answer(self._current(), body, workflow.now())

    @workflow.update(dynamic=True)
    def act(self, name: str, args: Sequence[RawValue]) -> ReviewAck:
        """Apply a person's request (``claim``, ``submit_decision``, ... : the update names and
        their rules are declared once, in review/actions.py)."""
        action, request = self._decoded(name, args)
        action.apply(self._current(), request, workflow.now())
        self._publish()
        state = self._current()
        return ReviewAck(
            review_id=state.review_id,
            status=state.status,
            accepted=action.update,
            version=state.version if self._publishes else None,
        )

    @act.validator
    def _validate(self, name: str, args: Sequence[RawValue]) -> None:
        """Refuse a request the review cannot take now; a refusal leaves no trace in history."""
        with as_update_failure():
            action, request = self._decoded(name, args)
            state, policy = self._current(), self._policy
            assert policy is not None  # a review has its policy before its state
            action.refuse(state, request, policy)

    # --- plumbing -------------------------------------------------------------------------------

    def _current(self) -> ReviewState:
        if self._state is None:
            raise still_being_received()
        return self._state

    def _decoded(self, name: str, args: Sequence[RawValue]) -> tuple[PersonAction[Any], Any]:
        """The action an update names and its request; ReviewRuleError naming the field when
        the request is not one."""
        action = actions.BY_UPDATE.get(name)
        if action is None:
            raise ReviewRuleError("invalid", "no_such_request", request=name)
        if len(args) != 1:
            raise ReviewRuleError("invalid", "one_request", request=name)
        try:
            request = workflow.payload_converter().from_payload(args[0].payload, action.request)
        except ValidationError as err:
            first = err.errors()[0]
            field = entry_path(tuple(first["loc"]))
            raise ReviewRuleError(
                "invalid", "request_invalid", field, name=field, problem=first["msg"]
            ) from None
        return action, request

    def _patched(self, patch_id: str) -> bool:
        """Whether this review takes the change behind ``patch_id``: every review started since
        "lean-history" does, without recording a marker for it (``patch_id`` is older)."""
        return self._lean or workflow.patched(patch_id)

    def _publish(self) -> None:
        """Count a change of the review: the read model publisher sends it. Reviews from before
        "lean-history" upsert their search attributes at each change, as they did."""
        self._current().version += 1
        if not self._lean:
            self._upsert_search_attributes()

    def _upsert_search_attributes(self) -> None:
        """Bring the search attributes up to date, upserting only values that changed (reviews
        from before that rule upsert every value, as they did)."""
        updates = search_attributes.for_state(self._current())
        if self._patched("search-attributes-on-change"):
            updates = search_attributes.changed(workflow.info().typed_search_attributes, updates)
        if updates:
            workflow.upsert_search_attributes(updates)
