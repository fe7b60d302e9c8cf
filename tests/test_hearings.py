"""The person's hearing: where a market's law gives drivers a hearing (Mexico), a permanent
deactivation is first put to them as a notice of intent; the review waits for their answer or
the end of the hearing period, and the specialist decides again with the answer in front of
them (time-skipping server)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from review import actions
from review.models import (
    ClaimRequest,
    EnforcementAction,
    HearingAnswerBody,
    ReviewState,
    ReviewStatus,
    SecondReviewRequest,
)
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import (
    ANA,
    LUIS,
    claim_and_decide,
    following_recommendation,
    messages_of,
    wait_for_status,
)
from workflows.client import ReviewClient, ReviewRefused

MEXICO_DRIVER = {"id": "drv_mx_hearing", "role": "driver", "locale": "es-MX", "market": "mexico-city"}
FRAUD = {"category": "fraud", "severity": "high"}  # permanent deactivation, not egregious
ANSWER = "Ese día mi cuenta la usaba mi hermano; ya cambié la contraseña. Tengo capturas."


async def approve(reviews: ReviewClient, review_id: str) -> None:
    await reviews.act(
        review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Evidence is clear."),
    )


async def in_hearing(
    reviews: ReviewClient, env: WorkflowEnvironment, account: dict[str, str], **request: str
) -> ReviewState:
    """A permanent deactivation decided and approved, its notice of intent sent."""
    started = await reviews.start(review_request(account=account, **(FRAUD | request)))
    await claim_and_decide(
        reviews, started.review_id, EnforcementAction.PERMANENT_DEACTIVATION, env=env
    )
    await approve(reviews, started.review_id)
    for _ in range(60):
        state = await reviews.state(started.review_id)
        if state.hearing is not None and state.hearing.notice_sent_at is not None:
            return state
        await env.sleep(1)
    raise AssertionError(f"{started.review_id} sent no notice of intent")


def answer_at(state: ReviewState, statement: str = ANSWER) -> HearingAnswerBody:
    assert state.hearing is not None and state.hearing.notice_sent_at is not None
    return HearingAnswerBody(
        statement=statement, submitted_at=state.hearing.notice_sent_at + timedelta(minutes=1)
    )


async def test_a_mexican_drivers_deactivation_is_first_put_to_them_as_a_notice_of_intent(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(reviews, env, MEXICO_DRIVER)

    hearing = state.hearing
    assert hearing is not None and hearing.notice_sent_at and hearing.answer_due_by
    assert state.status is ReviewStatus.HEARING
    assert hearing.intended.action is EnforcementAction.PERMANENT_DEACTIVATION
    assert hearing.intended_second_review is not None
    assert hearing.answer_due_by - hearing.notice_sent_at == timedelta(days=5)
    assert state.account_changes == []  # nothing happens to the account before the hearing
    [notice] = [m for m in await messages_of(demo_platform_url, state.review_id)]
    assert notice["kind"] == "notice_of_intent"
    assert notice["subject"] == "Antes de decidir: tenemos la intención de desactivar tu cuenta"
    assert "Todavía no lo hemos decidido" in notice["body"]
    assert "Fundamento legal: Ley Federal del Trabajo, capítulo IX Bis" in notice["body"]
    assert "(hora de Ciudad de México)" in notice["body"]
    assert "puedes seguir usando la app como siempre" in notice["body"]


async def test_the_answer_goes_back_to_the_specialist_who_decides_again(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(reviews, env, MEXICO_DRIVER | {"id": "drv_mx_answers"})
        await reviews.answer_notice_of_intent(state.review_id, answer_at(state))
        back = await wait_for_status(reviews, state.review_id, ReviewStatus.IN_REVIEW, env=env)
        milder = following_recommendation(
            back,
            action=EnforcementAction.TEMPORARY_SUSPENSION,
            suspension_days=30,
            rationale="The account was shared; the driver changed the password and sent proof.",
            justification="The driver's answer shows someone else used the account.",
        )
        await reviews.act(state.review_id, actions.DECIDE, milder)
        await approve(reviews, state.review_id)
        closed = await reviews.handle(state.review_id).result()

    assert back.assignee == ANA
    assert back.decision is None and back.hearing is not None
    assert back.hearing.answer is not None and back.hearing.answer.statement == ANSWER
    assert back.stage_clocks[-1].stage == "reconsideration"
    assert closed.account_changes[-1].account_status == "suspended"
    reasons = closed.statement_of_reasons
    assert reasons is not None and reasons.heard is not None
    assert reasons.heard.answered_at == back.hearing.answer.received_at
    sent = await messages_of(demo_platform_url, state.review_id)
    assert sorted(m["kind"] for m in sent) == ["notice_of_intent", "outcome_notice", "report_reviewed"]
    [told] = [m for m in sent if m["kind"] == "outcome_notice"]
    assert "Leímos tu respuesta, que recibimos el" in told["body"]


async def test_without_an_answer_the_specialist_decides_when_the_hearing_period_ends(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(reviews, env, MEXICO_DRIVER | {"id": "drv_mx_silent"})
        await env.sleep(timedelta(days=5, minutes=1))
        back = await wait_for_status(reviews, state.review_id, ReviewStatus.IN_REVIEW, env=env)
        again = following_recommendation(back, rationale="No answer; the evidence stands.")
        await reviews.act(state.review_id, actions.DECIDE, again)
        await approve(reviews, state.review_id)  # a deactivation is always second-reviewed
        closed = await reviews.handle(state.review_id).result()

    assert back.hearing is not None and back.hearing.answer is None
    assert [e.detail for e in back.timeline if e.event == "hearing_ended"] == ["no_answer"]
    assert "hearing_started" in [e.event for e in closed.timeline]
    assert [e.event for e in closed.timeline].count("hearing_started") == 1  # heard once
    assert closed.account_changes[-1].account_status == "deactivated"
    [told] = [m for m in await messages_of(demo_platform_url, state.review_id) if m["kind"] == "outcome_notice"]
    assert "Como no recibimos respuesta en ese plazo, decidimos con la información que teníamos." in told["body"]


async def test_an_egregious_case_keeps_its_interim_hold_through_the_hearing(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(
            reviews, env, MEXICO_DRIVER | {"id": "drv_mx_weapon"}, category="weapons"
        )

    assert [c.change for c in state.account_changes] == ["interim_hold"]
    sent = await messages_of(demo_platform_url, state.review_id)
    [notice] = [m for m in sent if m["kind"] == "notice_of_intent"]
    assert "Tu cuenta sigue en pausa hasta que decidamos." in notice["body"]


async def test_a_rider_in_mexico_is_deactivated_without_a_hearing(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    rider = MEXICO_DRIVER | {"id": "rdr_mx_1", "role": "rider"}
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        started = await reviews.start(
            review_request(account=rider, reporter={"id": "drv_9", "role": "driver"}, **FRAUD)
        )
        await claim_and_decide(
            reviews, started.review_id, EnforcementAction.PERMANENT_DEACTIVATION, env=env
        )
        await approve(reviews, started.review_id)
        closed = await reviews.handle(started.review_id).result()

    assert closed.hearing is None
    assert closed.account_changes[-1].account_status == "deactivated"


async def test_the_same_answer_again_is_taken_and_a_different_one_is_refused(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(reviews, env, MEXICO_DRIVER | {"id": "drv_mx_twice"})
        first = await reviews.answer_notice_of_intent(state.review_id, answer_at(state))
        again = await reviews.answer_notice_of_intent(state.review_id, answer_at(state))
        with pytest.raises(ReviewRefused) as other:
            await reviews.answer_notice_of_intent(
                state.review_id, answer_at(state, "Y otra cosa más.")
            )
        after = await reviews.state(state.review_id)

    assert first.accepted == again.accepted == "answer_notice_of_intent"
    assert (other.value.kind, other.value.reason) == ("conflict", "answered_already")
    assert [e.event for e in after.timeline].count("hearing_answered") == 1


async def test_an_answer_when_no_hearing_is_open_is_refused_naming_the_status(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        started = await reviews.start(review_request(account=MEXICO_DRIVER | {"id": "drv_mx_none"}))
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=env
        )
        with pytest.raises(ReviewRefused) as refused:
            await reviews.answer_notice_of_intent(
                started.review_id,
                HearingAnswerBody(statement=ANSWER, submitted_at=state.received_at),
            )
    assert (refused.value.kind, refused.value.reason) == ("conflict", "no_hearing_open")
    assert refused.value.params == {"status": "awaiting_decision"}


async def test_the_hearing_is_not_given_twice_when_the_new_decision_is_the_same(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(reviews, env, MEXICO_DRIVER | {"id": "drv_mx_same"})
        await reviews.answer_notice_of_intent(state.review_id, answer_at(state))
        back = await wait_for_status(reviews, state.review_id, ReviewStatus.IN_REVIEW, env=env)
        await reviews.act(state.review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        await reviews.act(
            state.review_id,
            actions.DECIDE,
            following_recommendation(back, rationale="The answer does not change the facts."),
        )
        await approve(reviews, state.review_id)
        closed = await reviews.handle(state.review_id).result()

    assert closed.account_changes[-1].account_status == "deactivated"
    assert [m.kind for m in closed.messages].count("notice_of_intent") == 1


async def test_an_answer_sent_in_time_that_arrives_late_still_reaches_the_specialist(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        state = await in_hearing(reviews, env, MEXICO_DRIVER | {"id": "drv_mx_offline"})
        assert state.hearing is not None and state.hearing.answer_due_by is not None
        due = state.hearing.answer_due_by
        await env.sleep(due - state.hearing.notice_sent_at + timedelta(minutes=10))  # type: ignore[operator]
        back = await wait_for_status(reviews, state.review_id, ReviewStatus.IN_REVIEW, env=env)
        written_offline = HearingAnswerBody(statement=ANSWER, submitted_at=due - timedelta(minutes=5))
        await reviews.answer_notice_of_intent(state.review_id, written_offline)
        after = await reviews.state(state.review_id)

    assert back.hearing is not None and back.hearing.answer is None
    assert after.hearing is not None and after.hearing.answer is not None
    assert after.hearing.answer.submitted_at == due - timedelta(minutes=5)
    assert after.status is ReviewStatus.IN_REVIEW and after.assignee == ANA
