"""What an appeal's workflow asks of the world: write the appeal to the appeals book, and settle
the appealed review (stop a restriction still in its notice period, and wait until the review
has closed, so an account change the appeal makes always comes after the review's own)."""

from __future__ import annotations

import asyncio

from pydantic import Field
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from decision_archive.appeals import AppealBook
from review.appeals import AppealState
from review.models import ReviewState, ReviewStatus, StrictModel

QUERY = "state"
"""The review's query of its state."""
WITHDRAW_SIGNAL = "withdraw_restriction"
"""The review's signal an appeal sends when it overturns or changes a decision (stored in
history: never rename)."""


class SettleOrder(StrictModel):
    """Settle the appealed review before the appeal changes the account."""

    review_id: str
    appeal_id: str


class SettledReview(StrictModel):
    """How the appealed review ended."""

    took_effect: bool = Field(description="The review restricted the account before it closed.")


class AppealActivities:
    """Appeal activities sharing the worker's Temporal client and the appeals book."""

    def __init__(self, client: Client, book: AppealBook) -> None:
        self.client = client
        self.book = book

    @activity.defn
    async def publish_appeal(self, state: AppealState) -> bool:
        """Write the appeal unless a newer version is already there; whether it was written."""
        return await asyncio.to_thread(self.book.publish, state)

    @activity.defn
    async def settle_original_review(self, order: SettleOrder) -> SettledReview:
        """Ask the review to withdraw a restriction still in its notice period, then wait for
        it to close (raising, so Temporal retries, while it runs); whether its restriction
        took effect. A retry asks the review's state first (a query adds nothing to its
        history) and signals only a review still in its notice period, not yet withdrawn."""
        handle = self.client.get_workflow_handle(order.review_id, result_type=ReviewState)
        described = await handle.describe()
        if described.status is WorkflowExecutionStatus.RUNNING:
            state = await handle.query(QUERY, result_type=ReviewState)
            if state.status is ReviewStatus.NOTICE_PERIOD and state.withdrawn_by_appeal is None:
                try:
                    await handle.signal(WITHDRAW_SIGNAL, order.appeal_id)
                except RPCError as err:
                    if err.status is not RPCStatusCode.NOT_FOUND:  # it closed just now
                        raise
            raise ApplicationError(
                f"review {order.review_id} is still carrying out its decision",
                type="ReviewStillRunning",
            )
        if described.status is not WorkflowExecutionStatus.COMPLETED:
            # Failed, terminated or timed out: an operator must look before the account changes.
            raise ApplicationError(
                f"review {order.review_id} ended "
                f"{described.status.name.lower() if described.status else 'unknown'}",
                type="ReviewEndedAbnormally",
                non_retryable=True,
            )
        closed = await handle.result()
        return SettledReview(
            took_effect=any(change.change == "enforcement" for change in closed.account_changes)
        )
