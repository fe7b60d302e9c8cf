"""Talk to review workflows: start one per incident, read its state, send people's requests.

This is the one adapter the starter and the web app share; it holds no rules of its own. A
request the workflow refuses comes back as ReviewRefused with the workflow's reason.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pydantic import Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, FailureError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.steps import step_of
from decision_archive.read_model import (
    QueueCursor,
    QueuePage,
    QueueQuery,
    ReviewReadModel,
    ReviewSummary,
)
from policy import configured_markets
from review import lifecycle
from review.actions import CLAIM, PersonAction
from review.lifecycle import check_intake
from review.markets import Markets
from review.models import (
    ClaimRequest,
    HearingAnswerBody,
    Identifier,
    IncidentCategory,
    Person,
    ReviewAck,
    ReviewRequest,
    ReviewState,
    ReviewStatus,
    Severity,
    Skills,
    SlaTier,
    Slug,
    StrictModel,
)
from review.refusals import ERROR_TYPES, REFUSALS, RefusalProblem, ReviewRuleError, RuleKind
from temporal_runtime.connection import TASK_QUEUE
from temporal_runtime.encryption import KeyRingError
from workflows import search_attributes
from workflows.deactivation_review import DeactivationReview

log = logging.getLogger("deactivation_review.client")
_KIND_BY_TYPE: dict[str, RuleKind] = {v: k for k, v in ERROR_TYPES.items()}
RequestT = TypeVar("RequestT", bound=StrictModel)


class StartedReview(StrictModel):
    """The answer to a start: the review id, and whether this call created it."""

    review_id: str
    incident_id: str
    created: bool


class ReviewFilter(StrictModel):
    """Which reviews a visibility listing shows (the operators' view, and the read model's
    mirror and check); every value is a validated enum or identifier, so the visibility query
    built from it cannot be injected into."""

    status: list[ReviewStatus] = Field(default_factory=list)
    open_only: bool = True
    tier: SlaTier | None = None
    category: IncidentCategory | None = None
    market: Slug | None = None
    account_id: Identifier | None = None
    assignee: Identifier | None = None
    escalated: bool | None = None
    task_queue: Identifier | None = None

    def visibility_query(self) -> str:
        """The Temporal visibility query (no ORDER BY: the dev server's SQLite rejects it)."""
        clauses = ["WorkflowType = 'DeactivationReview'"]
        if self.status:
            listed = ", ".join(f"'{s}'" for s in self.status)
            clauses.append(f"{search_attributes.REVIEW_STATUS.name} IN ({listed})")
        elif self.open_only:
            clauses.append(f"{search_attributes.REVIEW_STATUS.name} != '{ReviewStatus.CLOSED}'")
        for key, value in (
            (search_attributes.SLA_TIER, self.tier),
            (search_attributes.INCIDENT_CATEGORY, self.category),
            (search_attributes.MARKET, self.market),
            (search_attributes.ACCOUNT_ID, self.account_id),
            (search_attributes.ASSIGNEE, self.assignee),
        ):
            if value is not None:
                clauses.append(f"{key.name} = '{value}'")
        if self.escalated is not None:
            clauses.append(f"{search_attributes.ESCALATED.name} = {str(self.escalated).lower()}")
        if self.task_queue is not None:
            clauses.append(f"TaskQueue = '{self.task_queue}'")
        return " AND ".join(clauses)


class RetryingStep(StrictModel):
    """A step of the review a platform service keeps refusing, retried since ``since``."""

    step: str
    activity: str = Field(description="The activity type, e.g. apply_enforcement.")
    attempt: int
    since: datetime
    last_failure: str | None

    def describe(self) -> str:
        """E.g. "retrying account change since 14:02 UTC (attempt 6): connection refused"."""
        reason = f": {self.last_failure}" if self.last_failure else ""
        return f"retrying {self.step} since {self.since:%H:%M} UTC (attempt {self.attempt}){reason}"


class ReviewNotFound(Exception):
    """No review has this id."""


class ReviewsUnavailable(Exception):
    """Temporal or the review's worker did not answer in time; nothing is known to have
    happened. Retrying with the same update id attaches to the same request."""

    def __init__(self, message: str, retry_after_seconds: int = 5) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


# A person waits on these: answer "try again" quickly rather than hang while a worker is down.
QUERY_TIMEOUT = timedelta(seconds=3)
UPDATE_TIMEOUT = timedelta(seconds=5)
_UNAVAILABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


@contextlib.contextmanager
def answers_in_time() -> Iterator[None]:
    """Temporal unreachable or too slow becomes ReviewsUnavailable (HTTP 503 in the web app)."""
    try:
        yield
    except RPCError as err:
        if err.status in _UNAVAILABLE:
            raise ReviewsUnavailable("Temporal did not answer in time") from None
        raise


class ReviewRefused(Exception):
    """The workflow refused a request; ``kind`` is conflict, invalid or forbidden.

    ``reason`` and ``params`` are the refusal's code in review.refusals.REFUSALS and what fills
    its wording (None from a worker older than the codes: then only the English message);
    ``also`` holds further problems of the same request."""

    def __init__(
        self,
        kind: RuleKind,
        message: str,
        field: str | None = None,
        reason: str | None = None,
        params: dict[str, str] | None = None,
        also: list[RefusalProblem] | None = None,
        own_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.own_message = own_message or message
        self.kind = kind
        self.field = field
        self.reason = reason
        self.params = params or {}
        self.also = also or []

    def problems(self) -> list[RefusalProblem]:
        """This problem and every further one."""
        first = RefusalProblem(
            field=self.field, reason=self.reason, params=self.params, message=self.own_message
        )
        return [first, *self.also]


def _listed(
    review_id: str, attrs: TypedSearchAttributes, started_at: datetime, now: datetime
) -> ReviewSummary | None:
    """A review's summary from its search attributes (version 0: whatever its workflow
    publishes is newer); None for one not started through intake or not opened yet."""
    status = attrs.get(search_attributes.REVIEW_STATUS)
    category = attrs.get(search_attributes.INCIDENT_CATEGORY)
    account_id = attrs.get(search_attributes.ACCOUNT_ID)
    tier = attrs.get(search_attributes.SLA_TIER)
    deadline = attrs.get(search_attributes.SLA_DEADLINE)
    severity = attrs.get(search_attributes.INCIDENT_SEVERITY)
    if not (status and category and account_id and tier and deadline and severity):
        return None
    return ReviewSummary(
        review_id=review_id,
        version=0,
        status=ReviewStatus(status),
        category=IncidentCategory(category),
        severity=Severity(severity),
        sla_tier=SlaTier(tier),
        sla_deadline=deadline,
        sla_state=attrs.get(search_attributes.SLA_STATE) or "on_track",
        assignee=attrs.get(search_attributes.ASSIGNEE),
        account_id=account_id,
        market=attrs.get(search_attributes.MARKET) or "",
        escalated=bool(attrs.get(search_attributes.ESCALATED)),
        started_at=started_at,
        updated_at=now,
    )


def _refusal(details: dict[str, Any]) -> RefusalProblem:
    reason = details.get("reason")
    return RefusalProblem(
        field=details.get("field"),
        reason=reason if reason in REFUSALS else None,
        params={str(k): str(v) for k, v in (details.get("params") or {}).items()},
        message=str(details.get("message") or ""),
    )


class ReviewClient:
    """Reviews as seen from outside the worker."""

    def __init__(
        self,
        client: Client,
        task_queue: str = TASK_QUEUE,
        markets: Markets | None = None,
        read_model: ReviewReadModel | None = None,
    ) -> None:
        """``markets``: the policy's markets intake accepts (default: the configured file).
        ``read_model``: where queues and reviews are read (without it, queues cannot be read
        and a review is read from its workflow)."""
        self.client = client
        self.task_queue = task_queue
        self.markets = markets if markets is not None else configured_markets()
        self.read_model = read_model

    async def start(self, request: ReviewRequest, now: datetime | None = None) -> StartedReview:
        """Start the review of an incident, or find the one already started for it."""
        check_intake(request, now or datetime.now(UTC), self.markets)
        try:
            await self._start(request)
            created = True
        except WorkflowAlreadyStartedError:
            created = False
        return StartedReview(
            review_id=request.review_id, incident_id=request.incident_id, created=created
        )

    async def _start(self, request: ReviewRequest) -> None:
        with answers_in_time():
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
                rpc_timeout=QUERY_TIMEOUT,
            )

    async def queue(
        self,
        query: QueueQuery,
        after: QueueCursor | None = None,
        limit: int = 50,
        offset: int = 0,
        counted: bool = True,
    ) -> QueuePage:
        """A page of a queue from the read model: most urgent tier first, then the soonest
        deadline (see ReviewReadModel.page)."""
        return await asyncio.to_thread(
            self._read_model().page, query, after, limit, offset, counted
        )

    async def claim_next(
        self, person: Person, skills: Skills, pages: int = 5, per_page: int = 10
    ) -> ReviewAck | None:
        """Claim the most urgent unclaimed review ``person`` can work (tier, then deadline)
        and return the claim's acknowledgement; None when there is none. Two people asking at
        once never get the same one: the claim is the review's own update, which refuses the
        second, who gets the next one instead. ReviewRefused when the person may not claim."""
        if not CLAIM.may(person.role):
            refused = ReviewRuleError(
                "forbidden",
                "role_may_not",
                article=lifecycle.article(str(person.role)),
                role=person.role,
                verb=CLAIM.verb,
                request=CLAIM.update,
            )
            raise ReviewRefused(
                "forbidden", str(refused), reason=refused.reason, params=refused.params
            )
        query = QueueQuery(
            statuses=[ReviewStatus.AWAITING_DECISION], unassigned=True, skills=skills
        )
        after = None
        for _ in range(pages):
            page = await self.queue(query, after, limit=per_page, counted=False)
            for summary in page.reviews:
                try:
                    return await self.act(summary.review_id, CLAIM, ClaimRequest(reviewer=person))
                except (ReviewRefused, ReviewNotFound, ReviewsUnavailable):
                    continue  # someone took it first, it moved on, or its worker is away
            if page.next is None:
                return None
            after = page.next
        return None

    async def visible(
        self, which: ReviewFilter, limit: int = 100_000
    ) -> builtins.list[ReviewSummary]:
        """Matching reviews as Temporal visibility lists them (its search attributes), soonest
        deadline first: what operators see, and what the read model is checked against. A
        review visibility knows no tier or deadline of yet is left out."""
        with answers_in_time():
            return await self._visible(which, limit)

    async def _visible(self, which: ReviewFilter, limit: int) -> builtins.list[ReviewSummary]:
        found: list[ReviewSummary] = []
        listing = self.client.list_workflows(
            which.visibility_query(), limit=limit, rpc_timeout=QUERY_TIMEOUT
        )
        now = datetime.now(UTC)
        async for execution in listing:
            if execution.status is WorkflowExecutionStatus.CONTINUED_AS_NEW:
                continue  # an earlier run of a review that goes on in a later one
            summary = _listed(
                execution.id, execution.typed_search_attributes, execution.start_time, now
            )
            if summary is not None:
                found.append(summary)
        found.sort(key=lambda r: (r.sla_deadline, r.review_id))
        return found

    async def visible_one(self, review_id: str) -> ReviewSummary | None:
        """One review as visibility lists it (None when it knows no tier or deadline yet)."""
        described = await self._describe(review_id)
        return _listed(
            review_id,
            described.typed_search_attributes,
            described.start_time,
            datetime.now(UTC),
        )

    def _read_model(self) -> ReviewReadModel:
        if self.read_model is None:
            raise RuntimeError("this review client was made without a read model")
        return self.read_model

    async def status(self, review_id: str) -> ReviewStatus:
        """The review's status from its search attributes (works from the first moment)."""
        described = await self._describe(review_id)
        status = described.typed_search_attributes.get(search_attributes.REVIEW_STATUS)
        return ReviewStatus(status or ReviewStatus.RECEIVED)

    async def retrying_steps(
        self, review_id: str, state: ReviewState | None = None
    ) -> builtins.list[RetryingStep]:
        """Steps Temporal is retrying for this review, with the reason of the last failure:
        what an operator sees as pending activities in the Web UI, in the review's words.
        Given the review's ``state``, one that runs no step now is not asked about."""
        if state is not None and not lifecycle.steps_may_be_running(state):
            return []
        described = await self._describe(review_id)
        steps: list[RetryingStep] = []
        for pending in described.raw_description.pending_activities:
            if pending.attempt <= 1 and not pending.HasField("last_failure"):
                continue
            reason = None
            if pending.HasField("last_failure"):
                failure = await self.client.data_converter.decode_failure(pending.last_failure)
                text = failure.message if isinstance(failure, FailureError) else str(failure)
                reason = text[:200] or type(failure).__name__
            steps.append(
                RetryingStep(
                    step=step_of(pending.activity_type.name).name,
                    activity=pending.activity_type.name,
                    attempt=pending.attempt,
                    since=pending.scheduled_time.ToDatetime(tzinfo=UTC),
                    last_failure=reason,
                )
            )
        return steps

    async def _describe(self, review_id: str) -> WorkflowExecutionDescription:
        try:
            with answers_in_time():
                return await self.handle(review_id).describe(rpc_timeout=QUERY_TIMEOUT)
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                raise ReviewNotFound(review_id) from None
            raise

    def handle(self, review_id: str) -> WorkflowHandle[DeactivationReview, ReviewState]:
        """The workflow handle of a review."""
        return self.client.get_workflow_handle_for(DeactivationReview.run, review_id)

    async def state(self, review_id: str, at_least: int | None = None) -> ReviewState:
        """The review as last published to the read model (at ``at_least`` or later), else
        as its workflow answers now. With its worker down, the published view still answers."""
        view = None
        if self.read_model is not None:
            try:
                view = await asyncio.to_thread(self.read_model.view, review_id)
            except (SQLAlchemyError, KeyRingError, ValidationError) as err:
                # The database away, or a view sealed with a key no longer held: the workflow
                # still answers.
                log.warning("reading the view of %s failed: %s", review_id, type(err).__name__)
            if view is not None and (at_least is None or view.version >= at_least):
                return view
        try:
            return await self.current_state(review_id)
        except ReviewsUnavailable:
            if view is None:
                raise
            return view  # older than asked for, but what is known while the worker is down

    async def published(self, review_ids: builtins.list[str]) -> dict[str, ReviewState]:
        """The latest published views of these reviews, read at once (those with none left
        out)."""
        return await asyncio.to_thread(self._read_model().views, review_ids)

    async def current_state(self, review_id: str) -> ReviewState:
        """The review as its workflow answers now (a query: needs its worker)."""
        try:
            # The SDK retries a query that timed out: bound the whole wait.
            return await asyncio.wait_for(
                self.handle(review_id).query(DeactivationReview.state, rpc_timeout=QUERY_TIMEOUT),
                QUERY_TIMEOUT.total_seconds(),
            )
        except TimeoutError:
            raise ReviewsUnavailable("the review's worker did not answer in time") from None
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                raise ReviewNotFound(review_id) from None
            if err.status in _UNAVAILABLE:
                raise ReviewsUnavailable("the review's worker did not answer in time") from None
            raise
        except WorkflowQueryFailedError as err:
            raise ReviewRefused("conflict", str(err)) from None

    async def act(
        self,
        review_id: str,
        action: PersonAction[RequestT],
        request: RequestT,
        update_id: str | None = None,
    ) -> ReviewAck:
        """Send a person's request (an action from review/actions.py) as its workflow update.

        ``update_id`` (a person's idempotency key) makes a retry attach to the same update and
        learn its real outcome instead of applying it twice."""
        return await self._update(review_id, action.update, request, update_id, "closed")

    async def answer_notice_of_intent(
        self, review_id: str, body: HearingAnswerBody, update_id: str | None = None
    ) -> ReviewAck:
        """Send the person's answer to the review's notice of intent (the platform's app sends
        it for them); ReviewRefused when the review is not waiting for one."""
        return await self._update(
            review_id, "answer_notice_of_intent", body, update_id, "no_hearing_open"
        )

    async def _update(
        self, review_id: str, name: str, request: object, update_id: str | None, closed: str
    ) -> ReviewAck:
        """Send the update ``name``; a review that has closed refuses it with the reason
        ``closed`` (ReviewNotFound when there is no such review)."""
        result = await execute_update(self.handle(review_id), name, request, ReviewAck, update_id)
        if result is None:
            await self.status(review_id)  # raises ReviewNotFound when there is no such review
            params = {"status": str(ReviewStatus.CLOSED)}
            message = REFUSALS[closed].format(**params)
            raise ReviewRefused("conflict", message, reason=closed, params=params)
        return result


AckT = TypeVar("AckT")


async def execute_update(
    handle: WorkflowHandle[Any, Any],
    name: str,
    request: object,
    result_type: type[AckT],
    update_id: str | None,
) -> AckT | None:
    """Send a person's request as the workflow update ``name`` and answer its result; None when
    the workflow is not running (closed, or never started). A refusal raises ReviewRefused;
    Temporal or the worker too slow raises ReviewsUnavailable.

    ``update_id`` (a person's idempotency key) makes a retry attach to the same update and
    learn its real outcome instead of applying it twice."""
    try:
        # The SDK may poll for the outcome more than once: bound the whole wait.
        result: AckT = await asyncio.wait_for(
            handle.execute_update(
                name,
                request,
                id=update_id,
                result_type=result_type,
                rpc_timeout=UPDATE_TIMEOUT,
            ),
            UPDATE_TIMEOUT.total_seconds(),
        )
    except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError):
        raise ReviewsUnavailable(
            "the worker did not take the request in time; send it again with the same "
            "idempotency key to learn what became of it"
        ) from None
    except RPCError as err:
        if err.status in _UNAVAILABLE:
            raise ReviewsUnavailable("Temporal did not answer in time") from None
        if err.status is not RPCStatusCode.NOT_FOUND:
            raise
        return None
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in _KIND_BY_TYPE:
            details = cause.details[0] if cause.details else {}
            if not isinstance(details, dict):
                details = {}
            first = _refusal(details)
            raise ReviewRefused(
                _KIND_BY_TYPE[cause.type],
                cause.message,
                first.field,
                first.reason,
                first.params,
                also=[_refusal(p) for p in details.get("also") or [] if isinstance(p, dict)],
                own_message=first.message or cause.message,
            ) from None
        raise
    return result
