"""Appeals as seen from outside the worker: file one for a review's decision, read the queue
and an appeal, and send the requests of the people hearing it as workflow updates.

Whether an appeal is admitted is review/appeals.py's rule; Temporal's one workflow per id makes
it hold when two submissions race (the second finds the first's id taken).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from decision_archive.appeals import AppealBook, AppealSummary
from review import appeals
from review.appeals import (
    AppealAck,
    AppealBody,
    AppealDecisionRequest,
    AppealRequest,
    AppealState,
    AppealStatus,
    QaFinding,
)
from review.models import ClaimRequest, RetryActioningRequest, StrictModel
from review.qa_audit import QaScore
from review.refusals import ReviewRuleError
from temporal_runtime.connection import TASK_QUEUE
from workflows.appeal_review import AppealReview
from workflows.client import (
    QUERY_TIMEOUT,
    ReviewClient,
    ReviewsUnavailable,
    answers_in_time,
    execute_update,
)


class StartedAppeal(StrictModel):
    """The answer to an appeal's submission."""

    appeal_id: str
    review_id: str
    status: AppealStatus


class AppealNotFound(Exception):
    """No appeal has this id."""


class AppealClient:
    """Appeals through Temporal, read from the appeals book."""

    def __init__(
        self,
        client: Client,
        reviews: ReviewClient,
        book: AppealBook,
        task_queue: str = TASK_QUEUE,
    ) -> None:
        self.client = client
        self.reviews = reviews
        self.book = book
        self.task_queue = task_queue

    async def submit(
        self, review_id: str, body: AppealBody, now: datetime | None = None
    ) -> StartedAppeal:
        """Start the appeal of the review's decision; ReviewRuleError (naming the field) when
        it may not be heard, ReviewNotFound when there is no such review."""
        return await self._open(review_id, body, None, now or datetime.now(UTC))

    async def open_correction(
        self, review_id: str, score: QaScore, now: datetime | None = None
    ) -> StartedAppeal:
        """Open the correction of a restriction a QA audit found wrongful: an appeal the person
        did not have to make, heard the same way by someone who had no part in the decision.
        ReviewRuleError when an appeal of it is open or one overturned it already."""
        now = now or datetime.now(UTC)
        assert score.error_type is not None, "only an error found opens a correction"
        finding = QaFinding(
            auditor_id=score.auditor_id,
            error_type=str(score.error_type),
            comment=score.comment,
            scored_at=score.scored_at,
        )
        body = AppealBody(statement=score.comment, submitted_at=score.scored_at)
        return await self._open(review_id, body, finding, now)

    async def _open(
        self, review_id: str, body: AppealBody, finding: QaFinding | None, now: datetime
    ) -> StartedAppeal:
        appealed = appeals.appealed_decision(await self.reviews.state(review_id))
        earlier = await asyncio.to_thread(self._earlier, review_id)
        if earlier and earlier[-1].request.body == body:
            # The app sent the same appeal again (a retry after a lost answer): it is this one.
            return self._started(earlier[-1])
        sequence, appealed = appeals.admit(
            appealed, body, earlier, now, correction=finding is not None
        )
        appeal_id = appeals.appeal_id(review_id, sequence)
        request = AppealRequest(
            appeal_id=appeal_id,
            sequence=sequence,
            body=body,
            appealed=appealed,
            qa_finding=finding,
        )
        try:
            with answers_in_time():
                await self.client.start_workflow(
                    AppealReview.run,
                    request,
                    id=appeal_id,
                    task_queue=self.task_queue,
                    # One appeal per decision and sequence number, ever.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    static_summary=(
                        f"{'correction' if finding else 'appeal'} {sequence} of {review_id}"
                    ),
                    rpc_timeout=QUERY_TIMEOUT,
                )
        except WorkflowAlreadyStartedError:
            # Another submission took this sequence number a moment ago. The same appeal sent
            # twice is that one; any other waits for it to be heard.
            if await self._filed_with(appeal_id, body):
                return StartedAppeal(
                    appeal_id=appeal_id, review_id=review_id, status=AppealStatus.AWAITING_DECISION
                )
            raise ReviewRuleError("conflict", "appeal_open") from None
        return StartedAppeal(
            appeal_id=appeal_id, review_id=review_id, status=AppealStatus.AWAITING_DECISION
        )

    def _earlier(self, review_id: str) -> list[AppealState]:
        """The review's appeals as their workflows last wrote them, first first."""
        found = [self.book.get(a.appeal_id) for a in self.book.of_review(review_id)]
        return [a for a in found if a is not None]

    @staticmethod
    def _started(state: AppealState) -> StartedAppeal:
        return StartedAppeal(
            appeal_id=state.appeal_id, review_id=state.review_id, status=state.status
        )

    async def _filed_with(self, appeal_id: str, body: AppealBody) -> bool:
        """Whether the appeal under ``appeal_id`` was started with ``body`` (its workflow's
        input, read from the first event of its history)."""
        async for event in self.handle(appeal_id).fetch_history_events():
            started = event.workflow_execution_started_event_attributes
            [request] = await self.client.data_converter.decode(
                started.input.payloads, [AppealRequest]
            )
            return isinstance(request, AppealRequest) and request.body == body
        return False

    async def queue(self, limit: int = 200) -> list[AppealSummary]:
        """Open appeals, soonest deadline first."""
        return await asyncio.to_thread(self.book.queue, limit)

    async def of_review(self, review_id: str) -> list[AppealSummary]:
        """The review's appeals, first first."""
        return await asyncio.to_thread(self.book.of_review, review_id)

    async def state(self, appeal_id: str, at_least: int | None = None) -> AppealState:
        """The appeal as last written to the book (at ``at_least`` or later), else as its
        workflow answers now."""
        written = await asyncio.to_thread(self.book.get, appeal_id)
        if written is not None and (at_least is None or written.version >= at_least):
            return written
        try:
            return await asyncio.wait_for(
                self.handle(appeal_id).query(AppealReview.state, rpc_timeout=QUERY_TIMEOUT),
                QUERY_TIMEOUT.total_seconds(),
            )
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND and written is None:
                raise AppealNotFound(appeal_id) from None
            if written is None:
                raise
        except WorkflowQueryFailedError:  # it has no state yet: it is still being received
            if written is None:
                raise ReviewRuleError("conflict", "still_being_received") from None
        except TimeoutError:
            if written is None:
                raise ReviewsUnavailable("the appeal's worker did not answer in time") from None
        return written

    def handle(self, appeal_id: str) -> WorkflowHandle[AppealReview, AppealState]:
        """The workflow handle of an appeal."""
        return self.client.get_workflow_handle_for(AppealReview.run, appeal_id)

    async def claim(self, appeal_id: str, request: ClaimRequest, key: str | None) -> AppealAck:
        """Take the appeal to hear it."""
        return await self._update(appeal_id, "claim", request, key)

    async def decide(
        self, appeal_id: str, request: AppealDecisionRequest, key: str | None
    ) -> AppealAck:
        """Decide the appeal."""
        return await self._update(appeal_id, "decide", request, key)

    async def retry_actioning(
        self, appeal_id: str, request: RetryActioningRequest, key: str | None
    ) -> AppealAck:
        """Try a refused step of carrying out the appeal's decision again."""
        return await self._update(appeal_id, "retry_actioning", request, key)

    async def _update(self, appeal_id: str, name: str, request: Any, key: str | None) -> AppealAck:
        update_id = f"{name}:{key}" if key else None
        ack = await execute_update(self.handle(appeal_id), name, request, AppealAck, update_id)
        if ack is None:  # no workflow runs under this id: closed, or never filed
            if await asyncio.to_thread(self.book.get, appeal_id) is None:
                raise AppealNotFound(appeal_id)
            raise ReviewRuleError("conflict", "closed")
        return ack
