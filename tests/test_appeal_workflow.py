"""AppealReview on the time-skipping server: who may hear an appeal, what each outcome does to
the account and the strike, who is told, an appeal decided during a notice period, the appeal's
SLA and its window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from decision_archive.appeals import AppealBook
from decision_archive.read_model import ReviewReadModel
from decision_archive.store import DecisionArchive
from review import actions
from review.appeals import AppealBody, AppealDecisionRequest, AppealState, AppealStatus
from review.models import (
    ClaimRequest,
    Person,
    PersonRole,
    ReviewState,
    ReviewStatus,
    SecondReviewRequest,
)
from review.refusals import ReviewRuleError
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import (
    ANA,
    LUIS,
    MARCO,
    claim_and_decide,
    messages_of,
    wait_for_status,
)
from workflows.appeal_client import AppealClient
from workflows.client import ReviewClient, ReviewRefused

CHICAGO_DRIVER = {"id": "drv_chi_1", "role": "driver", "locale": "en", "market": "chicago"}
SEATTLE_DRIVER = {"id": "drv_sea_2", "role": "driver", "locale": "es-MX", "market": "seattle"}
FRAUD = {"category": "fraud", "severity": "high"}  # permanent deactivation, second review
ROSA = Person(id="rosa", role=PersonRole.LEAD)


@asynccontextmanager
async def clients(
    env: WorkflowEnvironment, review_worker: WorkerFactory, archive: DecisionArchive
) -> AsyncIterator[tuple[ReviewClient, AppealClient]]:
    """A worker on its own task queue, and the review and appeal clients that use it. Reviews
    read from the read model, as the web app's do: a closed review's state is not a query
    replaying its history (which a loaded machine may not answer in time)."""
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(
            env.client, worker.task_queue, read_model=ReviewReadModel.of(archive)
        )
        yield reviews, AppealClient(env.client, reviews, AppealBook.of(archive), worker.task_queue)


async def deactivated(
    reviews: ReviewClient, env: WorkflowEnvironment, account: dict[str, str]
) -> ReviewState:
    """A review whose deactivation ana decided and luis approved, told to the person."""
    started = await reviews.start(review_request(account=account, **FRAUD))
    await claim_and_decide(reviews, started.review_id, env=env)
    await reviews.act(
        started.review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Evidence is clear."),
    )
    return await wait_for_status(
        reviews, started.review_id, ReviewStatus.CLOSED, ReviewStatus.NOTICE_PERIOD, env=env
    )


def body(**changes: object) -> AppealBody:
    fields: dict[str, object] = {
        "statement": "I was not driving that day; my cousin had my phone.",
        "submitted_at": datetime(2026, 12, 1, tzinfo=UTC),
        "new_information": False,
        **changes,
    }
    return AppealBody.model_validate(fields)


def overturn(reviewer: Person = MARCO) -> AppealDecisionRequest:
    return AppealDecisionRequest(
        reviewer=reviewer,
        outcome="overturn",
        rationale="The trip log shows another phone signed in; the report is not substantiated.",
    )


def told_at(review: ReviewState) -> datetime:
    """A minute after the person was told of the decision (time-skipping time runs ahead)."""
    reasons = review.statement_of_reasons
    assert reasons is not None
    return (reasons.notified_at or reasons.starts_at) + timedelta(minutes=1)


async def filed(
    appeals: AppealClient, review: ReviewState, env: WorkflowEnvironment, **changes: object
) -> str:
    """File an appeal and wait until it is open in the appeals book."""
    at = told_at(review)
    started = await appeals.submit(review.review_id, body(submitted_at=at, **changes), now=at)
    for _ in range(30):
        if await asyncio.to_thread(appeals.book.get, started.appeal_id) is not None:
            return started.appeal_id
        await env.sleep(1)
    raise AssertionError(f"{started.appeal_id} never opened")


async def closed_appeal(
    appeals: AppealClient, appeal_id: str, env: WorkflowEnvironment
) -> AppealState:
    for _ in range(60):
        state = await appeals.state(appeal_id)
        if state.status is AppealStatus.CLOSED:
            return state
        await env.sleep(1)
    raise AssertionError(f"{appeal_id} did not close")


async def test_an_overturned_appeal_reinstates_the_account_once_and_retracts_the_strike(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
    demo_platform_url: str,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, CHICAGO_DRIVER)
        appeal_id = await filed(appeals, review, env)
        await appeals.claim(appeal_id, ClaimRequest(reviewer=MARCO), None)
        await appeals.decide(appeal_id, overturn(), None)
        appeal = await closed_appeal(appeals, appeal_id, env)

    assert [c.change for c in appeal.account_changes] == ["reinstatement"]
    assert appeal.account_changes[0].account_status == "active"
    [told] = appeal.messages
    assert (told.kind, told.recipient.account_id, told.locale) == (
        "appeal_outcome",
        "drv_chi_1",
        "en",
    )
    sent = await messages_of(demo_platform_url, review.review_id)
    appeal_messages = [m for m in sent if m["kind"] == "appeal_outcome"]
    assert [m["recipient_account_id"] for m in appeal_messages] == ["drv_chi_1"]  # not rdr_9
    assert appeal_messages[0]["subject"] == "Your appeal was successful"
    assert "Your account is active again" in appeal_messages[0]["body"]
    [prior] = archive.prior_violations("drv_chi_1", excluding_review="another")
    assert prior.incident_id == review.request.incident_id and prior.retracted


@pytest.mark.parametrize("who", [ANA, LUIS], ids=["decided", "second_reviewed"])
async def test_nobody_who_decided_or_second_reviewed_the_original_may_hear_its_appeal(
    who: Person,
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": f"drv_chi_{who.id}"})
        appeal_id = await filed(appeals, review, env)
        with pytest.raises(ReviewRefused) as refused:
            await appeals.claim(appeal_id, ClaimRequest(reviewer=who), None)
    assert (refused.value.kind, refused.value.reason) == ("forbidden", "appeal_by_original_decider")


async def test_a_second_appeal_without_new_information_is_refused(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": "drv_chi_twice"})
        first = await filed(appeals, review, env)
        with pytest.raises(ReviewRuleError) as still_open:
            await appeals.submit(
                review.review_id,
                body(submitted_at=told_at(review), statement="And another thing."),
                now=told_at(review),
            )
        await appeals.claim(first, ClaimRequest(reviewer=ROSA), None)
        await appeals.decide(
            first,
            AppealDecisionRequest(
                reviewer=ROSA,
                outcome="uphold",
                rationale="The statement does not change what the trip data shows.",
                policy_refs=["CG-INTEGRITY-1"],
            ),
            None,
        )
        upheld = await closed_appeal(appeals, first, env)
        with pytest.raises(ReviewRuleError) as again:
            await filed(appeals, review, env, statement="I still say it was not me.")
        second = await filed(
            appeals, review, env, statement="Here is the police report.", new_information=True
        )

    assert still_open.value.reason == "appeal_open"
    assert upheld.account_changes == []
    assert (again.value.reason, again.value.field) == ("appealed_already", "new_information")
    assert second.endswith("-2")


async def test_an_appeal_overturned_during_the_notice_period_means_the_deactivation_never_happens(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
    demo_platform_url: str,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, SEATTLE_DRIVER)
        assert review.status is ReviewStatus.NOTICE_PERIOD
        appeal_id = await filed(appeals, review, env)
        await appeals.claim(appeal_id, ClaimRequest(reviewer=MARCO), None)
        await appeals.decide(appeal_id, overturn(), None)
        appeal = await closed_appeal(appeals, appeal_id, env)
        closed = await reviews.handle(review.review_id).result()

    assert closed.withdrawn_by_appeal == appeal_id
    assert closed.account_changes == []  # never deactivated
    assert appeal.withdrawn_before_effect and appeal.account_changes == []
    sent = await messages_of(demo_platform_url, review.review_id)
    [told] = [m for m in sent if m["kind"] == "appeal_outcome"]
    assert told["subject"] == "Aceptamos tu apelación"
    assert "La desactivación de la que te avisamos no se aplicará" in told["body"]
    assert closed.timeline[-1].event == "closed"
    assert timedelta(0) <= closed.timeline[-1].at - appeal.decision.decided_at  # type: ignore[union-attr]


async def test_the_same_appeal_sent_twice_is_one_appeal(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": "drv_chi_retry"})
        sent = body(submitted_at=told_at(review))
        first, again = await asyncio.gather(
            appeals.submit(review.review_id, sent, now=told_at(review)),
            appeals.submit(review.review_id, sent, now=told_at(review)),
        )
        later = await appeals.submit(review.review_id, sent, now=told_at(review))
        for _ in range(30):  # the appeal writes itself to the book in its first task
            if await asyncio.to_thread(appeals.book.get, first.appeal_id) is not None:
                break
            await env.sleep(1)
        booked = await appeals.of_review(review.review_id)

    assert first.appeal_id == again.appeal_id == later.appeal_id
    assert [a.appeal_id for a in booked] == [first.appeal_id]


async def test_an_appeal_after_an_overturn_is_refused(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": "drv_chi_done"})
        appeal_id = await filed(appeals, review, env)
        await appeals.claim(appeal_id, ClaimRequest(reviewer=MARCO), None)
        await appeals.decide(appeal_id, overturn(), None)
        await closed_appeal(appeals, appeal_id, env)
        with pytest.raises(ReviewRuleError) as refused:
            await filed(appeals, review, env, statement="More.", new_information=True)
    assert refused.value.reason == "overturned_already"


async def test_an_appeal_nobody_decides_is_flagged_at_risk_then_escalated_on_breach(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        review = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": "drv_chi_slow"})
        appeal_id = await filed(appeals, review, env)
        opened = await appeals.state(appeal_id)
        await env.sleep(opened.sla.at_risk_at - opened.received_at + timedelta(minutes=1))
        at_risk = await appeals.state(appeal_id)
        await env.sleep(opened.sla.deadline - opened.sla.at_risk_at)
        breached = await appeals.state(appeal_id)

    assert opened.sla.deadline - opened.received_at == timedelta(hours=72)
    assert at_risk.sla.at_risk and not at_risk.sla.breached and not at_risk.escalated
    assert breached.sla.breached and breached.escalated
    assert [e.event for e in breached.timeline][-2:] == ["sla_at_risk", "escalated"]


async def test_the_appeal_window_closes_its_days_after_the_restriction_took_effect(
    own_time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
) -> None:
    env = own_time_skipping_env
    async with clients(env, review_worker, archive) as (reviews, appeals):
        late = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": "drv_chi_late"})
        in_time = await deactivated(reviews, env, CHICAGO_DRIVER | {"id": "drv_chi_in_time"})
        reasons = late.statement_of_reasons
        assert reasons is not None
        await env.sleep(reasons.appeal_deadline - await env.get_current_time() - timedelta(hours=1))
        now = await env.get_current_time()
        heard = await appeals.submit(in_time.review_id, body(submitted_at=now), now=now)
        await env.sleep(timedelta(hours=2))  # the late one's window closed an hour ago
        now = await env.get_current_time()
        with pytest.raises(ReviewRuleError) as refused:
            await appeals.submit(late.review_id, body(submitted_at=now), now=now)

    assert reasons.appeal_deadline - reasons.starts_at == timedelta(days=30)
    assert heard.status is AppealStatus.AWAITING_DECISION
    assert (refused.value.reason, refused.value.field) == ("appeal_window_closed", "submitted_at")
