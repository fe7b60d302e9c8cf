"""Steps tests take with a running review: wait for a status, claim, decide."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from temporalio.testing import WorkflowEnvironment

from decision_archive.read_model import ReviewSummary
from review import actions
from review.models import (
    ClaimRequest,
    DecisionRequest,
    EnforcementAction,
    Person,
    PersonRole,
    ReviewState,
    ReviewStatus,
)
from workflows.client import ReviewClient

ANA = Person(id="ana", role=PersonRole.SPECIALIST)
MARCO = Person(id="marco", role=PersonRole.SPECIALIST)
LUIS = Person(id="luis", role=PersonRole.LEAD)
OLGA = Person(id="olga", role=PersonRole.OPERATOR)


async def wait_for_status(
    reviews: ReviewClient,
    review_id: str,
    *statuses: ReviewStatus,
    within: float = 30,
    env: WorkflowEnvironment | None = None,
) -> ReviewState:
    """Poll the review's state until it reaches one of ``statuses``.

    On the time-skipping server pass ``env``: polling then advances its clock a second at a
    time, so retry back-offs pass without waiting (it skips time only while someone sleeps).
    """
    deadline = time.monotonic() + within
    last: ReviewState | None = None
    while time.monotonic() < deadline:
        try:
            last = await reviews.state(review_id)
        except Exception:  # not started yet, or the first task has not run
            last = None
        if last is not None and last.status in statuses:
            return last
        if env is not None and env.supports_time_skipping:
            await env.sleep(1)
        else:
            await asyncio.sleep(0.05)
    raise AssertionError(
        f"{review_id} did not reach {statuses}; last status {last.status if last else None}"
    )


def following_recommendation(
    state: ReviewState, reviewer: Person = ANA, **changes: object
) -> DecisionRequest:
    """A valid decision that follows the matrix recommendation, with fields overridden by
    ``changes``."""
    rec = state.recommendation
    assert rec is not None
    fields: dict[str, object] = {
        "reviewer": reviewer,
        "action": rec.action,
        "suspension_days": rec.suspension_days,
        "rationale": "Telematics shows 118 km/h in a 50 zone; the rider's statement matches.",
        "policy_refs": rec.guideline_refs,
        **changes,
    }
    return DecisionRequest.model_validate(fields)


async def claim_and_decide(
    reviews: ReviewClient,
    review_id: str,
    action: EnforcementAction | None = None,
    reviewer: Person = ANA,
    env: WorkflowEnvironment | None = None,
) -> ReviewState:
    """Claim the review and decide it, following the recommendation unless told otherwise."""
    state = await wait_for_status(reviews, review_id, ReviewStatus.AWAITING_DECISION, env=env)
    await reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=reviewer))
    decision = following_recommendation(state, reviewer)
    if action is not None and action is not decision.action:
        decision = decision.model_copy(
            update={
                "action": action,
                "suspension_days": 7 if action is EnforcementAction.TEMPORARY_SUSPENSION else None,
                "justification": "Mitigating circumstances documented in the notes.",
            }
        )
    await reviews.act(review_id, actions.DECIDE, decision)
    return await reviews.state(review_id)


def queued(n: int, **changes: object) -> ReviewSummary:
    """A review summary as a workflow would publish it, for filling a queue."""
    fields: dict[str, object] = {
        "review_id": f"review-INC-PAGE-{n:03}",
        "version": 1,
        "status": ReviewStatus.AWAITING_DECISION,
        "category": "dangerous_driving",
        "severity": "high",
        "sla_tier": "high",
        "sla_deadline": datetime(2026, 12, 3, tzinfo=UTC) + timedelta(minutes=n),
        "sla_state": "on_track",
        "account_id": f"drv_page_{n}",
        "market": "mexico-city",
        "updated_at": datetime(2026, 12, 2, tzinfo=UTC),
    }
    return ReviewSummary.model_validate(fields | changes)


async def messages_of(demo_platform_url: str, review_id: str) -> list[dict[str, str]]:
    """What the demo notification gateway delivered for the review (its outbox), oldest
    first."""
    async with httpx.AsyncClient() as http:
        sink = await http.get(
            f"{demo_platform_url}/notification-gateway/messages", params={"review_id": review_id}
        )
    found: list[dict[str, str]] = sink.json()["messages"]
    return found
