"""Talk to review workflows: start one per incident, read its state, send people's requests.

This is the one adapter the starter and the web app share; it holds no rules of its own. A
request the workflow refuses comes back as ReviewRefused with the workflow's reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from review.lifecycle import RuleKind, check_intake
from review.models import (
    ClaimRequest,
    DecisionRequest,
    EscalationRequest,
    MoreInfoRequest,
    NoteRequest,
    RetryActioningRequest,
    ReviewRequest,
    ReviewState,
    SecondReviewRequest,
    StrictModel,
)
from temporal_runtime.connection import TASK_QUEUE
from workflows import search_attributes
from workflows.deactivation_review import ERROR_TYPES, DeactivationReview

_KIND_BY_TYPE: dict[str, RuleKind] = {v: k for k, v in ERROR_TYPES.items()}  # type: ignore[misc]


class StartedReview(StrictModel):
    """The answer to a start: the review id, and whether this call created it."""

    review_id: str
    incident_id: str
    created: bool


class ReviewRefused(Exception):
    """The workflow refused a request; ``kind`` is conflict, invalid or forbidden."""

    def __init__(self, kind: RuleKind, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field


class ReviewClient:
    """Reviews as seen from outside the worker."""

    def __init__(self, client: Client, task_queue: str = TASK_QUEUE) -> None:
        self.client = client
        self.task_queue = task_queue

    async def start(self, request: ReviewRequest, now: datetime | None = None) -> StartedReview:
        """Start the review of an incident, or find the one already started for it."""
        check_intake(request, now or datetime.now(UTC))
        try:
            await self.client.start_workflow(
                DeactivationReview.run,
                request,
                id=request.review_id,
                task_queue=self.task_queue,
                # One review per incident, ever: a closed review is not started again either.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                search_attributes=search_attributes.at_intake(request),
                static_summary=(
                    f"{request.category} ({request.severity}) · {request.account.role} "
                    f"{request.account.id} · {request.account.market}"
                ),
            )
            created = True
        except WorkflowAlreadyStartedError:
            created = False
        return StartedReview(
            review_id=request.review_id, incident_id=request.incident_id, created=created
        )

    def handle(self, review_id: str) -> WorkflowHandle[DeactivationReview, ReviewState]:
        """The workflow handle of a review."""
        return self.client.get_workflow_handle_for(DeactivationReview.run, review_id)

    async def state(self, review_id: str) -> ReviewState:
        """The review's current state."""
        return await self.handle(review_id).query(DeactivationReview.state)

    async def claim(self, review_id: str, request: ClaimRequest) -> ReviewState:
        """Claim the review for its reviewer."""
        return await self._update(review_id, DeactivationReview.claim, request)

    async def decide(self, review_id: str, request: DecisionRequest) -> ReviewState:
        """Submit a decision."""
        return await self._update(review_id, DeactivationReview.submit_decision, request)

    async def second_review(self, review_id: str, request: SecondReviewRequest) -> ReviewState:
        """Submit a lead's second review."""
        return await self._update(review_id, DeactivationReview.submit_second_review, request)

    async def add_note(self, review_id: str, request: NoteRequest) -> ReviewState:
        """Add a note."""
        return await self._update(review_id, DeactivationReview.add_note, request)

    async def request_more_info(self, review_id: str, request: MoreInfoRequest) -> ReviewState:
        """Send the review back to gathering evidence."""
        return await self._update(review_id, DeactivationReview.request_more_info, request)

    async def escalate(self, review_id: str, request: EscalationRequest) -> ReviewState:
        """Escalate to the leads' queue."""
        return await self._update(review_id, DeactivationReview.escalate, request)

    async def retry_actioning(self, review_id: str, request: RetryActioningRequest) -> ReviewState:
        """Retry actioning a service refused."""
        return await self._update(review_id, DeactivationReview.retry_actioning, request)

    async def _update(self, review_id: str, update: Any, request: StrictModel) -> ReviewState:
        try:
            result: ReviewState = await self.handle(review_id).execute_update(update, request)
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type in _KIND_BY_TYPE:
                details = cause.details[0] if cause.details else {}
                field = details.get("field") if isinstance(details, dict) else None
                raise ReviewRefused(_KIND_BY_TYPE[cause.type], cause.message, field) from None
            raise
        return result
