"""AppealReview: one durable workflow per appeal of a review's decision.

The story, in order:
1. Record the policy in force and open the appeal with its own SLA clock; the appeal holds the
   original decision, its statement of reasons and evidence, and the person's statement.
2. Wait for someone who neither decided nor second-reviewed the original to claim it and
   decide: uphold, overturn or modify (workflow updates, validated where they enter). Meanwhile
   the SLA timers flag it at risk and escalate it on breach.
3. Carry out the decision. An overturn or a modification first settles the review: a
   restriction still in its notice period is withdrawn before it takes effect, and the appeal
   waits for the review to close, so its own account change comes last. An overturn then
   reinstates the account (once: the call carries the appeal's idempotency key) and the
   strike no longer counts; a modification applies the milder action.
4. Tell the person, in their language; whoever reported the incident is never told. A
   correction QA opened (the person did not appeal) is told only when it changes the decision.
5. Close. Every change is written to the appeals book, which the queue, the review's page and
   the person's records read.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.accounts import AccountActivities, EnforcementOrder, ReinstatementOrder
    from activities.appeals import AppealActivities, SettledReview, SettleOrder
    from activities.notifications import NotificationActivities
    from activities.policy import PolicyActivities
    from review import appeals
    from review.appeals import (
        AppealAck,
        AppealDecisionRequest,
        AppealRequest,
        AppealState,
        AppealStatus,
    )
    from review.matrix import ReviewPolicy
    from review.models import AccountChange, ClaimRequest, EnforcementAction, RetryActioningRequest
    from review.notices import plan_appeal_notice
    from workflows.failures import as_update_failure, failure_reason, still_being_received

T = TypeVar("T")

SERVICE_TIMEOUT = timedelta(seconds=30)
SERVICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
)
# Settling waits for the review to finish carrying out its decision: seconds, or as long as an
# operator takes to unblock it.
SETTLE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=[],
)


@workflow.defn
class AppealReview:
    """A person's appeal of a decision, heard by someone else."""

    def __init__(self) -> None:
        self._state: AppealState | None = None
        self._policy: ReviewPolicy | None = None

    @workflow.run
    async def run(self, request: AppealRequest) -> AppealState:
        """Hear the appeal to its end and return it closed."""
        self._policy = await workflow.execute_activity_method(
            PolicyActivities.load_review_policy,
            start_to_close_timeout=SERVICE_TIMEOUT,
            retry_policy=SERVICE_RETRY,
            summary="policy in force",
        )
        state = appeals.open_appeal(request, self._policy, workflow.now())
        self._state = state
        await self._publish()
        clock = asyncio.create_task(self._watch_sla())
        await workflow.wait_condition(lambda: state.status is AppealStatus.ACTIONING)
        clock.cancel()
        await self._carry_out_decision()
        appeals.close(state, workflow.now())
        await self._publish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return state

    # --- steps ----------------------------------------------------------------------------------

    async def _carry_out_decision(self) -> None:
        state = self._current()
        decision = state.decision
        assert decision is not None
        appealed = state.request.appealed
        if decision.outcome != "uphold":
            took_effect = appealed.took_effect
            if not took_effect:  # the review may still be in its notice period: stop it first
                settled: SettledReview = await self._until_done(
                    "settling the review",
                    lambda: workflow.execute_activity_method(
                        AppealActivities.settle_original_review,
                        SettleOrder(review_id=appealed.review_id, appeal_id=state.appeal_id),
                        start_to_close_timeout=SERVICE_TIMEOUT,
                        retry_policy=SETTLE_RETRY,
                        summary="settle the review",
                    ),
                )
                took_effect = settled.took_effect
            state.withdrawn_before_effect = not took_effect
            days = decision.suspension_days
            served = False  # a milder suspension whose time, counted from the start, is over
            if decision.action is EnforcementAction.TEMPORARY_SUSPENSION and days is not None:
                ends = appeals.modified_suspension_end(state, workflow.now())
                served = ends <= workflow.now()
                days = math.ceil((ends - workflow.now()) / timedelta(days=1))
            if (decision.outcome == "overturn" and took_effect) or served:
                change = await self._until_done(
                    "reinstatement",
                    lambda: workflow.execute_activity_method(
                        AccountActivities.reinstate_account,
                        ReinstatementOrder(
                            review_id=appealed.review_id,
                            appeal_id=state.appeal_id,
                            account_id=appealed.account.id,
                            idempotency_key=f"{state.appeal_id}:reinstatement",
                        ),
                        start_to_close_timeout=SERVICE_TIMEOUT,
                        retry_policy=SERVICE_RETRY,
                        summary="reinstate the account",
                    ),
                )
                self._account_changed(change, "account_reinstated")
            elif decision.outcome == "modify":
                assert decision.action is not None
                action: EnforcementAction = decision.action
                change = await self._until_done(
                    "account change",
                    lambda: workflow.execute_activity_method(
                        AccountActivities.apply_enforcement,
                        EnforcementOrder(
                            review_id=appealed.review_id,
                            account_id=appealed.account.id,
                            action=action,
                            suspension_days=days,  # what is left of it, counted from the start
                            release_hold=False,
                            idempotency_key=f"{state.appeal_id}:enforcement",
                        ),
                        start_to_close_timeout=SERVICE_TIMEOUT,
                        retry_policy=SERVICE_RETRY,
                        summary=str(action),
                    ),
                )
                self._account_changed(change, "account_actioned")
            await self._publish()

        if state.request.qa_finding is not None and decision.outcome == "uphold":
            return  # a correction QA opened was upheld: the person never asked, nothing changed
        job = plan_appeal_notice(state, workflow.now())
        sent = await self._until_done(
            "appeal_outcome message",
            lambda: workflow.execute_activity_method(
                NotificationActivities.send_notice,
                job,
                start_to_close_timeout=SERVICE_TIMEOUT,
                retry_policy=SERVICE_RETRY,
                summary="appeal outcome",
            ),
        )
        state.messages.append(sent)
        appeals.record(
            state,
            workflow.now(),
            "message_sent",
            detail=f"{sent.kind} to the {sent.recipient.role} in {sent.locale}",
        )

    def _account_changed(self, change: AccountChange, event: str) -> None:
        state = self._current()
        state.account_changes.append(change)
        appeals.record(state, workflow.now(), event, detail=f"status {change.account_status}")

    async def _until_done(self, step: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a step that must happen; when a service refuses it, escalate and wait for an
        operator to retry instead of failing the appeal and losing its decision."""
        state = self._current()
        while True:
            try:
                return await attempt()
            except ActivityError as err:
                appeals.block(state, f"{step}: {failure_reason(err)}", workflow.now())
                await self._publish()
                await workflow.wait_condition(lambda: state.actioning_blocked is None)

    async def _watch_sla(self) -> None:
        state = self._current()
        for at, mark in (
            (state.sla.at_risk_at, appeals.mark_at_risk),
            (state.sla.deadline, appeals.mark_breached),
        ):
            if await self._decided_by(at):
                return
            mark(state, workflow.now())
            await self._publish()

    async def _decided_by(self, at: datetime) -> bool:
        state = self._current()
        remaining = (at - workflow.now()).total_seconds()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: appeals.is_decided(state),
                    timeout=remaining,
                    timeout_summary=f"appeal SLA until {at.isoformat()}",
                )
        return appeals.is_decided(state)

    async def _publish(self) -> None:
        """Write the appeal, as it stands now, to the appeals book."""
        state = self._current()
        state.version += 1
        await workflow.execute_activity_method(
            AppealActivities.publish_appeal,
            state,
            start_to_close_timeout=SERVICE_TIMEOUT,
            retry_policy=SERVICE_RETRY,
            summary="appeals book",
        )

    # --- what people can do ---------------------------------------------------------------------

    @workflow.query
    def state(self) -> AppealState:
        """The appeal as the people hearing it see it."""
        return self._current()

    @workflow.update
    async def claim(self, request: ClaimRequest) -> AppealAck:
        """Take the appeal to hear it."""
        state = self._current()
        appeals.apply_claim(state, request, workflow.now())
        return await self._acknowledged("claim")

    @claim.validator
    def _check_claim(self, request: ClaimRequest) -> None:
        with as_update_failure():
            appeals.check_claim(self._current(), request)

    @workflow.update
    async def decide(self, request: AppealDecisionRequest) -> AppealAck:
        """Uphold, overturn or modify the decision appealed."""
        appeals.apply_decision(self._current(), request, workflow.now())
        return await self._acknowledged("decide")

    @decide.validator
    def _check_decision(self, request: AppealDecisionRequest) -> None:
        with as_update_failure():
            state = self._current()
            assert self._policy is not None  # an appeal has its policy before its state
            appeals.check_decision(state, request, self._policy)

    @workflow.update
    async def retry_actioning(self, request: RetryActioningRequest) -> AppealAck:
        """An operator fixed what refused a step: try it again."""
        appeals.apply_retry(self._current(), request, workflow.now())
        return await self._acknowledged("retry_actioning")

    @retry_actioning.validator
    def _check_retry(self, request: RetryActioningRequest) -> None:
        with as_update_failure():
            appeals.check_retry(self._current(), request)

    # --- plumbing -------------------------------------------------------------------------------

    async def _acknowledged(self, accepted: str) -> AppealAck:
        await self._publish()
        state = self._current()
        return AppealAck(
            appeal_id=state.appeal_id,
            status=state.status,
            accepted=accepted,
            version=state.version,
        )

    def _current(self) -> AppealState:
        if self._state is None:
            raise still_being_received()
        return self._state
