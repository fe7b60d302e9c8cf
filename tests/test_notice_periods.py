"""Notice periods: where a market's law gives a driver notice before a deactivation, the review
tells them at once and deactivates the account when the period ends (time-skipping server)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from temporalio.testing import WorkflowEnvironment

from review import actions
from review.models import EnforcementAction, ReviewState, ReviewStatus, SecondReviewRequest
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import LUIS, claim_and_decide, wait_for_status
from workflows.client import ReviewClient

SEATTLE_DRIVER = {"id": "drv_sea_1", "role": "driver", "locale": "en", "market": "seattle"}
FRAUD = {"category": "fraud", "severity": "high"}  # permanent deactivation, not egregious


async def decide_and_approve(
    reviews: ReviewClient, review_id: str, env: WorkflowEnvironment
) -> None:
    await claim_and_decide(reviews, review_id, env=env)
    await reviews.act(
        review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Evidence is clear."),
    )


async def outcome_text(demo_platform_url: str, review_id: str) -> str:
    async with httpx.AsyncClient() as http:
        sink = await http.get(
            f"{demo_platform_url}/notification-gateway/messages", params={"review_id": review_id}
        )
    [notice] = [m for m in sink.json()["messages"] if m["kind"] == "outcome_notice"]
    return f"{notice['subject']}\n{notice['body']}"


async def test_a_seattle_driver_is_told_at_once_and_deactivated_when_the_notice_period_ends(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        started = await reviews.start(review_request(account=SEATTLE_DRIVER, **FRAUD))
        await decide_and_approve(reviews, started.review_id, env)
        noticed = await wait_for_status(
            reviews, started.review_id, ReviewStatus.NOTICE_PERIOD, env=env
        )
        await wait_for_outcome_notice(reviews, started.review_id, env)
        # Skip the period first: a result long poll across 14 skipped days returns empty.
        await env.sleep(timedelta(days=14, minutes=1))
        closed = await reviews.handle(started.review_id).result()

    reasons = noticed.statement_of_reasons
    assert reasons is not None and reasons.notified_at is not None
    assert reasons.starts_at - reasons.notified_at == timedelta(days=14)
    assert "chapter 8.40" in reasons.legal_basis["en"]
    assert noticed.account_changes == []  # told, not yet deactivated
    assert closed.status is ReviewStatus.CLOSED
    [change] = closed.account_changes
    assert change.account_status == "deactivated"
    [ended] = [e for e in closed.timeline if e.event == "notice_period_ended"]
    actioned = [e for e in closed.timeline if e.event == "account_actioned"]
    assert ended.at >= reasons.starts_at and actioned[0].at >= ended.at
    assert [m.kind for m in closed.messages].count("outcome_notice") == 1
    text = await outcome_text(demo_platform_url, started.review_id)
    assert text.startswith("Your account will be deactivated\n")
    assert "We are telling you 14 days in advance. Legal basis: Seattle Municipal Code" in text
    assert "Until then you can keep using the app as usual" in text


async def wait_for_outcome_notice(
    reviews: ReviewClient, review_id: str, env: WorkflowEnvironment
) -> ReviewState:
    for _ in range(60):
        state = await reviews.state(review_id)
        if any(m.kind == "outcome_notice" for m in state.messages):
            return state
        await env.sleep(1)
    raise AssertionError(f"{review_id} sent no outcome notice")


async def test_a_seattle_rider_is_deactivated_at_once(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    rider = SEATTLE_DRIVER | {"id": "rdr_sea_1", "role": "rider"}
    async with review_worker(own_time_skipping_env.client) as worker:
        reviews = ReviewClient(own_time_skipping_env.client, worker.task_queue)
        started = await reviews.start(
            review_request(account=rider, reporter={"id": "drv_9", "role": "driver"}, **FRAUD)
        )
        await decide_and_approve(reviews, started.review_id, own_time_skipping_env)
        closed = await reviews.handle(started.review_id).result()

    reasons = closed.statement_of_reasons
    assert reasons is not None and reasons.notified_at is None
    assert "notice_period_started" not in [e.event for e in closed.timeline]
    assert [c.account_status for c in closed.account_changes] == ["deactivated"]


async def test_an_egregious_deactivation_in_seattle_takes_effect_at_once(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(own_time_skipping_env.client) as worker:
        reviews = ReviewClient(own_time_skipping_env.client, worker.task_queue)
        started = await reviews.start(
            review_request(account=SEATTLE_DRIVER, category="weapons", severity="high")
        )
        await decide_and_approve(reviews, started.review_id, own_time_skipping_env)
        closed = await reviews.handle(started.review_id).result()

    assert "notice_period_started" not in [e.event for e in closed.timeline]
    assert closed.account_changes[-1].account_status == "deactivated"


async def test_a_suspension_in_seattle_takes_effect_at_once(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(own_time_skipping_env.client) as worker:
        reviews = ReviewClient(own_time_skipping_env.client, worker.task_queue)
        started = await reviews.start(
            review_request(account=SEATTLE_DRIVER, category="fraud", severity="medium")
        )
        decided = await claim_and_decide(
            reviews,
            started.review_id,
            EnforcementAction.TEMPORARY_SUSPENSION,
            env=own_time_skipping_env,
        )
        if decided.status is ReviewStatus.AWAITING_SECOND_REVIEW:  # it deviates from the matrix
            await reviews.act(
                started.review_id,
                actions.SECOND_REVIEW,
                SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Agreed."),
            )
        closed = await reviews.handle(started.review_id).result()

    reasons = closed.statement_of_reasons
    assert reasons is not None and reasons.action == "temporary_suspension"
    assert reasons.notified_at is None
    assert closed.account_changes[-1].account_status == "suspended"
