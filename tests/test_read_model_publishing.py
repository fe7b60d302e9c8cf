"""Each review publishes its changes to the read model as they happen: in order, with a view
the page can read back, seen by the time a person's request is answered."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment

from decision_archive.read_model import QueueQuery, ReviewReadModel
from decision_archive.store import DecisionArchive
from review import actions
from review.models import ClaimRequest, NoteRequest, ReviewStatus
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import ANA, claim_and_decide, wait_for_status
from workflows.client import ReviewClient


async def test_a_new_review_is_in_the_queue_once_it_awaits_a_decision(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, archive: DecisionArchive
) -> None:
    read_model = ReviewReadModel.of(archive)
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        started = await reviews.start(review_request())
        state = await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
        await wait_for_status(
            ReviewClient(dev_env.client, worker.task_queue, read_model=read_model),
            started.review_id,
            ReviewStatus.AWAITING_DECISION,
        )

    page = read_model.page(QueueQuery(statuses=[ReviewStatus.AWAITING_DECISION]))
    assert [r.review_id for r in page.reviews] == [started.review_id]
    summary = page.reviews[0]
    assert (summary.sla_tier, summary.sla_deadline) == (state.sla.tier, state.sla.deadline)
    assert summary.version == state.version


async def test_a_persons_request_is_in_the_read_model_when_it_is_answered(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, archive: DecisionArchive
) -> None:
    read_model = ReviewReadModel.of(archive)
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        started = await reviews.start(review_request())
        await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)

        claimed = await reviews.act(started.review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        view = read_model.view(started.review_id)
        noted = await reviews.act(
            started.review_id, actions.ADD_NOTE, NoteRequest(author=ANA, text="Called the rider.")
        )
        noted_view = read_model.view(started.review_id)

    assert claimed.version is not None and noted.version is not None
    assert view is not None and view.version >= claimed.version
    assert view.assignee == ANA
    assert noted_view is not None and noted_view.version >= noted.version > claimed.version
    assert [n.text for n in noted_view.notes] == ["Called the rider."]


async def test_a_closed_review_leaves_its_final_state_in_the_read_model(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, archive: DecisionArchive
) -> None:
    read_model = ReviewReadModel.of(archive)
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        started = await reviews.start(review_request(severity="low"))
        await claim_and_decide(reviews, started.review_id)
        final = await reviews.handle(started.review_id).result()

    assert read_model.view(started.review_id) == final
    summary = read_model.summary(started.review_id)
    assert summary is not None
    assert (summary.status, summary.version, summary.sla_state) == (
        ReviewStatus.CLOSED,
        final.version,
        "met",
    )


async def test_a_review_goes_on_and_stays_visible_while_the_read_model_cannot_be_written(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, archive: DecisionArchive
) -> None:
    # The read model's table is gone: every publication fails and is retried.
    with archive.engine.begin() as db:
        db.execute(sa.text("DROP TABLE review_summaries"))
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        started = await reviews.start(review_request())
        try:
            for _ in range(300):
                if await reviews.status(started.review_id) is ReviewStatus.AWAITING_DECISION:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("visibility never showed the review awaiting a decision")
            state = await reviews.current_state(started.review_id)
            assert len(state.evidence) == 5  # every source was gathered meanwhile
        finally:
            await reviews.handle(started.review_id).terminate("test over")
