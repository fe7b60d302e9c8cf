"""A review whose history grows long while it waits for people continues as a new run when
Temporal suggests it, carrying everything: its notes, its claim, its SLA clock and its policy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from review import actions
from review.models import ClaimRequest, NoteRequest, ReviewStatus
from tests.conftest import WorkerFactory, dev_server, review_request
from tests.review_steps import ANA, following_recommendation, wait_for_status
from workflows.client import ReviewClient

SUGGEST_AFTER_EVENTS = 60


@pytest.fixture
async def short_history_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server that suggests continuing as new after a few dozen events."""
    limit = f"limit.historyCount.suggestContinueAsNew={SUGGEST_AFTER_EVENTS}"
    async with dev_server("--dynamic-config-value", limit) as env:
        yield env


async def test_a_long_waiting_review_continues_as_new_and_keeps_everything(
    short_history_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    env = short_history_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        started = await reviews.start(review_request())
        await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
        first_run = (await reviews.handle(started.review_id).describe()).run_id
        await reviews.act(started.review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        before = await reviews.state(started.review_id)

        notes = 0
        run_id = first_run
        while run_id == first_run and notes < 40:
            notes += 1
            await reviews.act(
                started.review_id, actions.ADD_NOTE, NoteRequest(author=ANA, text=f"note {notes}")
            )
            run_id = (await reviews.handle(started.review_id).describe()).run_id

        assert run_id != first_run, "the review never continued as new"
        carried = await reviews.state(started.review_id)
        assert [n.text for n in carried.notes] == [f"note {n}" for n in range(1, notes + 1)]
        assert carried.assignee == ANA and carried.status is ReviewStatus.IN_REVIEW
        assert carried.sla == before.sla and carried.recommendation == before.recommendation
        assert carried.timeline[: len(before.timeline)] == before.timeline

        await reviews.act(started.review_id, actions.DECIDE, following_recommendation(carried))
        closed = await reviews.handle(started.review_id).result()

    assert closed.status is ReviewStatus.CLOSED
    assert len(closed.notes) == notes
    assert len({m.idempotency_key for m in closed.messages}) == len(closed.messages)
