"""Claim leases in the workflow, on the time-skipping server: a claim nobody works on returns to
the queue after 30 minutes, work keeps it, and a lead's hold keeps it past its time.

Each test has a server of its own: a claimed review left on the shared one would keep a lease
timer that fires, with its worker gone, while later tests skip time, and hold the clock."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from review import actions
from review.models import ClaimRequest, ReviewState, ReviewStatus
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import ANA, LUIS, wait_for_status
from workflows.client import ReviewClient


async def claimed_review(env: WorkflowEnvironment, reviews: ReviewClient) -> str:
    started = await reviews.start(review_request())
    await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=env)
    await reviews.act(started.review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
    return started.review_id


async def test_a_claim_nobody_works_on_returns_to_the_queue_after_its_lease(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(own_time_skipping_env.client) as worker:
        reviews = ReviewClient(own_time_skipping_env.client, worker.task_queue)
        review_id = await claimed_review(own_time_skipping_env, reviews)
        claimed: ReviewState = await reviews.state(review_id)
        assert claimed.lease_minutes == 30
        assert claimed.lease_until == claimed.timeline[-1].at + timedelta(minutes=30)

        await own_time_skipping_env.sleep(timedelta(minutes=31))

        state = await reviews.state(review_id)
    assert (state.status, state.assignee) == (ReviewStatus.AWAITING_DECISION, None)
    assert (state.timeline[-1].event, state.timeline[-1].detail) == ("claim_expired", "ana")


async def test_working_on_keeps_the_claim(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(own_time_skipping_env.client) as worker:
        reviews = ReviewClient(own_time_skipping_env.client, worker.task_queue)
        review_id = await claimed_review(own_time_skipping_env, reviews)

        await own_time_skipping_env.sleep(timedelta(minutes=20))
        await reviews.act(review_id, actions.EXTEND_CLAIM, ClaimRequest(reviewer=ANA))
        await own_time_skipping_env.sleep(timedelta(minutes=20))
        still = await reviews.state(review_id)
        await own_time_skipping_env.sleep(timedelta(minutes=11))
        lapsed = await reviews.state(review_id)

    assert (still.status, still.assignee) == (ReviewStatus.IN_REVIEW, ANA)
    assert lapsed.status is ReviewStatus.AWAITING_DECISION
    assert [e.event for e in lapsed.timeline].count("claim_expired") == 1


async def test_a_claim_a_lead_holds_does_not_lapse(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(own_time_skipping_env.client) as worker:
        reviews = ReviewClient(own_time_skipping_env.client, worker.task_queue)
        review_id = await claimed_review(own_time_skipping_env, reviews)
        await reviews.act(review_id, actions.HOLD_CLAIM, ClaimRequest(reviewer=LUIS))

        await own_time_skipping_env.sleep(timedelta(hours=3))

        state = await reviews.state(review_id)
    assert (state.status, state.assignee, state.lease_held_by) == (
        ReviewStatus.IN_REVIEW,
        ANA,
        LUIS,
    )
    assert "claim_expired" not in [e.event for e in state.timeline]
