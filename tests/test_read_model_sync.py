"""The read model is checked against Temporal, rebuilt from Temporal and the archive, and kept
for reviews whose code publishes nothing by mirroring visibility."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from temporalio.testing import WorkflowEnvironment

from decision_archive.read_model import ReviewReadModel
from decision_archive.store import DecisionArchive, review_summaries, review_views
from review import actions
from review.matrix import load_review_policy
from review.models import ClaimRequest, ReviewStatus
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import ANA, claim_and_decide, wait_for_status
from tests.test_decision_archive import NOW, decided_record
from workflows import read_model_sync
from workflows.client import ReviewClient, ReviewFilter
from workflows.read_model_sync import check, mirror_unpublished, rebuild


@pytest.fixture
def read_model(archive: DecisionArchive) -> ReviewReadModel:
    return ReviewReadModel.of(archive)


async def opened(reviews: ReviewClient, **changes: object) -> str:
    """A review awaiting a decision, in the read model and in visibility (which lags)."""
    started = await reviews.start(review_request(**changes))
    await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
    for _ in range(100):
        listed = await reviews.visible(ReviewFilter(task_queue=reviews.task_queue))
        if any(
            r.review_id == started.review_id and r.status is ReviewStatus.AWAITING_DECISION
            for r in listed
        ):
            return started.review_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"visibility never listed {started.review_id} awaiting a decision")


def forget_rows(read_model: ReviewReadModel, *review_ids: str) -> None:
    """Delete these reviews' rows and views (every one when none is named)."""
    with read_model.engine.begin() as db:
        for table in (review_summaries, review_views):
            chosen = table.c.review_id.in_(review_ids) if review_ids else sa.true()
            db.execute(table.delete().where(chosen))


async def test_a_read_model_its_reviews_published_agrees_with_temporal(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, read_model: ReviewReadModel
) -> None:
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        await opened(reviews)
        await claim_and_decide(reviews, await opened(reviews, severity="low"))
        assert await check(reviews, read_model, settle=0.5) == []


async def test_the_check_names_each_row_that_disagrees_and_each_missing_one(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, read_model: ReviewReadModel
) -> None:
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        wrong, missing = await opened(reviews), await opened(reviews)
        row = read_model.summary(wrong)
        assert row is not None
        read_model.publish(row.model_copy(update={"version": 999, "assignee": "marco"}))
        forget_rows(read_model, missing)

        found = await check(reviews, read_model, settle=0.1)

    assert {d.describe() for d in found} == {
        f"{wrong}: assignee is 'marco' in the read model, None in Temporal",
        f"{missing}: no row in the read model (Temporal: awaiting_decision)",
    }


async def test_a_rebuild_restores_every_row_and_view_from_the_workflows(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    read_model: ReviewReadModel,
    archive: DecisionArchive,
) -> None:
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        review_id = await opened(reviews)
        state = await reviews.current_state(review_id)
        forget_rows(read_model)

        report = await rebuild(reviews, read_model, archive)

        assert report.from_workflows >= 1
        assert read_model.view(review_id) == state
        assert await check(reviews, read_model, settle=0.1) == []
        # The review's next change still replaces the rebuilt row.
        await reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        row = read_model.summary(review_id)
        assert row is not None and row.assignee == ANA.id


async def test_a_rebuild_adds_closed_reviews_temporal_forgot_from_their_records(
    dev_env: WorkflowEnvironment, read_model: ReviewReadModel, archive: DecisionArchive
) -> None:
    record = decided_record(load_review_policy())
    archive.write(record, NOW)
    reviews = ReviewClient(dev_env.client, "no-worker-needed", read_model=read_model)

    report = await rebuild(reviews, read_model, archive)

    row = read_model.summary(record.review_id)
    assert report.from_records == 1
    assert row is not None
    assert (row.status, row.assignee, row.account_id) == (
        ReviewStatus.CLOSED,
        record.decision.reviewer.id,
        record.request.account.id,
    )


async def test_a_review_without_a_published_row_is_mirrored_until_its_workflow_publishes(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, read_model: ReviewReadModel
) -> None:
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        review_id = await opened(reviews)
        forget_rows(read_model)  # as for a review on a build that publishes nothing

        assert await mirror_unpublished(reviews, read_model) >= 1
        assert read_model.sources([review_id])[review_id] == "visibility"
        mirrored = read_model.summary(review_id)
        assert mirrored is not None and mirrored.status is ReviewStatus.AWAITING_DECISION

        await reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        assert read_model.sources([review_id])[review_id] == "workflow"


async def test_mirroring_slows_down_while_nothing_needs_it() -> None:
    waits: list[float] = []

    async def no_reviews(*_: object) -> int:
        return 0

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 5:
            raise TimeoutError

    original = read_model_sync.mirror_unpublished
    read_model_sync.mirror_unpublished = no_reviews  # type: ignore[assignment]
    try:
        with pytest.raises(TimeoutError):
            await read_model_sync.keep_mirroring(
                None,  # type: ignore[arg-type]
                None,  # type: ignore[arg-type]
                every=timedelta(seconds=30),
                at_most=timedelta(minutes=3),
                sleep=sleep,
            )
    finally:
        read_model_sync.mirror_unpublished = original
    assert waits == [60, 120, 180, 180, 180]


async def test_a_mirrored_review_that_closes_is_mirrored_closed(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, read_model: ReviewReadModel
) -> None:
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        review_id = await opened(reviews, severity="low")
        seen_open = read_model.summary(review_id)
        await claim_and_decide(reviews, review_id)
        await reviews.handle(review_id).result()
        for _ in range(100):  # visibility lists it as closed a moment later
            listed = await reviews.visible(ReviewFilter(task_queue=reviews.task_queue))
            if review_id not in [r.review_id for r in listed]:
                break
            await asyncio.sleep(0.05)
    # What a mirror saw of it while it was open, as for a review that publishes nothing.
    assert seen_open is not None
    forget_rows(read_model, review_id)
    read_model.mirror(seen_open)

    await mirror_unpublished(reviews, read_model)

    row = read_model.summary(review_id)
    assert row is not None and row.status is ReviewStatus.CLOSED
    assert read_model.mirrored_open() == []


async def test_a_rebuild_repairs_a_row_that_claims_a_newer_version_than_its_workflow(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    read_model: ReviewReadModel,
    archive: DecisionArchive,
) -> None:
    async with review_worker(dev_env.client) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue, read_model=read_model)
        review_id = await opened(reviews)
        row = read_model.summary(review_id)
        assert row is not None
        read_model.publish(row.model_copy(update={"version": 999, "assignee": "marco"}))

        await rebuild(reviews, read_model, archive)

        repaired = read_model.summary(review_id)
        assert repaired is not None and repaired.assignee is None
        assert await check(reviews, read_model, settle=0.1) == []
