"""DeactivationReview behaviour on Temporal's time-skipping test server."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from decision_archive.store import DecisionArchive
from review import actions
from review.case_record import ArchivedRecord, CaseRecord
from review.models import (
    AccountHistory,
    ClaimRequest,
    EnforcementAction,
    EvidenceSource,
    MoreInfoRequest,
    NoteRequest,
    RetryActioningRequest,
    ReviewState,
    ReviewStatus,
    SecondReviewRequest,
)
from tests.conftest import TEST_KEYS, WorkerFactory, review_request, served
from tests.review_steps import (
    ANA,
    LUIS,
    OLGA,
    claim_and_decide,
    following_recommendation,
    wait_for_status,
)
from workflows.client import ReviewClient, ReviewRefused

STANDARD_TIER = {"category": "dangerous_driving", "severity": "low"}  # 72 h to a decision


async def test_standard_review_escalates_when_72_hours_pass_without_a_decision(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )
        assert state.sla.deadline - state.sla.started_at == timedelta(hours=72)

        await time_skipping_env.sleep(timedelta(hours=72, minutes=1))

        state = await reviews.state(started.review_id)
        assert state.sla.at_risk and state.sla.breached
        assert state.escalated
        assert [e.event for e in state.timeline if e.event.startswith(("sla_", "escal"))] == [
            "sla_at_risk",
            "escalated",
        ]


async def test_decision_before_the_deadline_never_escalates(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        await claim_and_decide(reviews, started.review_id)

        await time_skipping_env.sleep(timedelta(hours=100))

        state = await reviews.state(started.review_id)
        assert state.status is ReviewStatus.CLOSED
        assert state.sla.met is True
        assert not state.sla.at_risk and not state.sla.breached and not state.escalated


async def test_egregious_incident_holds_the_account_before_evidence_is_gathered(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(category="weapons", severity="low"))
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )

        events = [e.event for e in state.timeline]
        assert events.index("interim_hold_placed") < events.index("gathering_evidence")
        for _ in range(100):  # the hold notice goes out alongside the evidence
            if state.messages:
                break
            await asyncio.sleep(0.05)
            state = await reviews.state(started.review_id)
        assert [(m.kind, m.idempotency_key) for m in state.messages] == [
            ("hold_notice", f"{started.review_id}:hold_notice")
        ]
        assert state.account_changes[0].account_status == "on_hold"
        assert state.sla.tier == "critical"
        assert state.sla.deadline - state.sla.started_at == timedelta(hours=4)


async def test_a_notification_outage_does_not_hold_up_a_held_review(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async def down(request: Request) -> JSONResponse:
        return JSONResponse({"error": "maintenance"}, status_code=503)

    gateway = Starlette(routes=[Route("/messages", down, methods=["POST"])])
    async with (
        served(gateway) as url,
        review_worker(time_skipping_env.client, notifications_url=url) as worker,
    ):
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(category="weapons", severity="low"))
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )
        # Its hold notice would be retried for as long as the gateway is down; a pending
        # activity on this soon-gone queue would stop the shared test server skipping time.
        await reviews.handle(started.review_id).terminate(reason="test over")

    assert state.account_changes[0].change == "interim_hold"
    assert state.recommendation is not None
    assert state.messages == []  # still being retried


async def test_a_source_that_keeps_failing_is_marked_unavailable_and_the_review_goes_on(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    # The demo platform answers 503 for telematics on this incident, on every attempt.
    request = review_request(incident_id="INC-9-outage-telematics")
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(request)
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )

    by_source = {item.source: item for item in state.evidence}
    telematics = by_source[EvidenceSource.TELEMATICS]
    assert not telematics.available
    assert telematics.unavailable_reason == "evidence source telematics answered HTTP 503"
    assert all(
        item.available for s, item in by_source.items() if s is not EvidenceSource.TELEMATICS
    )
    assert state.recommendation is not None


async def test_unreachable_account_history_counts_no_priors_and_says_so(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(
        time_skipping_env.client, account_history_url="http://127.0.0.1:9/evidence"
    ) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request())
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )

    history = next(e for e in state.evidence if e.source is EvidenceSource.ACCOUNT_HISTORY)
    assert not history.available and history.unavailable_reason
    assert state.recommendation is not None
    assert state.recommendation.history_available is False
    assert state.recommendation.prior_violations == 0


async def test_invalid_decisions_are_refused_and_leave_the_review_unchanged(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request())
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )
        valid = following_recommendation(state)

        with pytest.raises(ReviewRefused) as unclaimed:
            await reviews.act(started.review_id, actions.DECIDE, valid)
        assert unclaimed.value.kind == "conflict"

        await reviews.act(started.review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        before = await reviews.state(started.review_id)
        invalid = {
            "justification": valid.model_copy(
                update={"action": EnforcementAction.WARNING, "suspension_days": None}
            ),
            "policy_refs": valid.model_copy(update={"policy_refs": ["CG-MADEUP-9"]}),
            "suspension_days": valid.model_copy(update={"suspension_days": None}),
        }
        for field, decision in invalid.items():
            with pytest.raises(ReviewRefused) as refused:
                await reviews.act(started.review_id, actions.DECIDE, decision)
            assert (refused.value.kind, refused.value.field) == ("invalid", field)

        after = await reviews.state(started.review_id)
        assert after == before
        assert after.decision is None and after.status is ReviewStatus.IN_REVIEW
        history = await reviews.handle(started.review_id).fetch_history()
        accepted = [
            e
            for e in history.events
            if e.HasField("workflow_execution_update_accepted_event_attributes")
        ]
        assert len(accepted) == 1  # the claim; refused decisions leave no trace


async def test_second_review_by_the_person_who_decided_is_refused(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(category="fraud", severity="high"))
        state = await claim_and_decide(reviews, started.review_id, reviewer=LUIS)
        assert state.decision is not None
        assert state.decision.action is EnforcementAction.PERMANENT_DEACTIVATION
        assert state.status is ReviewStatus.AWAITING_SECOND_REVIEW

        with pytest.raises(ReviewRefused) as refused:
            await reviews.act(
                started.review_id,
                actions.SECOND_REVIEW,
                SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Agree."),
            )
        assert refused.value.kind == "forbidden"
        assert (
            await reviews.state(started.review_id)
        ).status is ReviewStatus.AWAITING_SECOND_REVIEW


async def test_approved_second_review_actions_the_account_and_sends_each_message_once(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        # In Chicago: a Mexican market would first hear the driver (tests/test_hearings.py).
        started = await reviews.start(
            review_request(category="fraud", severity="high", account={"market": "chicago"})
        )
        await claim_and_decide(reviews, started.review_id, env=time_skipping_env)
        await reviews.act(
            started.review_id,
            actions.SECOND_REVIEW,
            SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Evidence is clear."),
        )
        state = await reviews.handle(started.review_id).result()

    assert state.status is ReviewStatus.CLOSED
    assert [c.account_status for c in state.account_changes] == ["deactivated"]
    assert sorted((m.kind, m.recipient.account_id, m.locale) for m in state.messages) == [
        ("outcome_notice", "drv_123", "es-MX"),
        # The reporter's language is not given: Chicago's first, never the driver's.
        ("report_reviewed", "rdr_9", "en"),
    ]
    async with httpx.AsyncClient() as http:
        sink = await http.get(
            f"{demo_platform_url}/notification-gateway/messages",
            params={"review_id": started.review_id},
        )
    assert len(sink.json()["messages"]) == 2


async def test_returned_second_review_goes_back_to_the_specialist(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(category="fraud", severity="high"))
        await claim_and_decide(reviews, started.review_id, env=time_skipping_env)
        await reviews.act(
            started.review_id,
            actions.SECOND_REVIEW,
            SecondReviewRequest(reviewer=LUIS, outcome="return", comment="Check the fare logs."),
        )
        state = await reviews.state(started.review_id)

    assert state.status is ReviewStatus.IN_REVIEW
    assert state.assignee == ANA
    assert state.timeline[-1].event == "second_review_returned"


async def test_more_information_sends_the_review_back_to_gathering_and_keeps_the_claim(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request())
        await wait_for_status(
            reviews, started.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )
        await reviews.act(started.review_id, actions.CLAIM, ClaimRequest(reviewer=ANA))
        await reviews.act(
            started.review_id,
            actions.REQUEST_MORE_INFO,
            MoreInfoRequest(reviewer=ANA, reason="Dashcam footage arrived."),
        )
        state = await wait_for_status(
            reviews, started.review_id, ReviewStatus.IN_REVIEW, env=time_skipping_env
        )

    events = [e.event for e in state.timeline]
    assert events.count("evidence_gathered") == 2
    assert events.index("more_info_requested") < len(events) - events[::-1].index(
        "evidence_gathered"
    )
    assert state.assignee == ANA
    assert state.more_info_requests == ["Dashcam footage arrived."]


async def test_no_action_without_a_hold_tells_only_the_reporter(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        await claim_and_decide(
            reviews, started.review_id, EnforcementAction.NO_ACTION, env=time_skipping_env
        )
        # A deviation from the matrix: a lead must approve it before anything happens.
        await reviews.act(
            started.review_id,
            actions.SECOND_REVIEW,
            SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Not substantiated."),
        )
        state = await reviews.handle(started.review_id).result()

    assert state.account_changes == []
    assert [m.kind for m in state.messages] == ["report_reviewed"]


def misconfigured_accounts(
    review_worker: WorkerFactory, env: WorkflowEnvironment, demo_platform_url: str
) -> tuple[str, AbstractAsyncContextManager[Worker]]:
    """A worker on its own task queue whose account service path answers 404, which retrying
    cannot fix. It keeps no workflow cache, so a fixed worker picks its reviews up at once."""
    task_queue = f"test-blocked-{uuid.uuid4().hex[:8]}"
    worker = review_worker(
        env.client,
        task_queue,
        worker_options={"max_cached_workflows": 0},
        accounts_url=f"{demo_platform_url}/no-such-service",
    )
    return task_queue, worker


async def blocked(reviews: ReviewClient, review_id: str, env: WorkflowEnvironment) -> ReviewState:
    """Wait until the review's actioning is blocked; returns its state then."""
    state = await wait_for_status(reviews, review_id, ReviewStatus.ACTIONING, env=env)
    while state.actioning_blocked is None:
        state = await reviews.state(review_id)
    return state


async def test_a_refused_account_change_blocks_actioning_until_an_operator_retries(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    task_queue, broken = misconfigured_accounts(review_worker, time_skipping_env, demo_platform_url)
    async with broken:
        reviews = ReviewClient(time_skipping_env.client, task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        await claim_and_decide(reviews, started.review_id, env=time_skipping_env)
        state = await blocked(reviews, started.review_id, time_skipping_env)
        assert state.escalated
        assert state.actioning_blocked == "account change: account status service answered HTTP 404"

    async with review_worker(time_skipping_env.client, task_queue):  # configuration fixed
        await reviews.act(
            started.review_id,
            actions.RETRY_ACTIONING,
            RetryActioningRequest(operator=OLGA, reason="Fixed the URL."),
        )
        state = await reviews.handle(started.review_id).result()

    assert state.status is ReviewStatus.CLOSED
    assert len(state.account_changes) == 1
    assert len(state.messages) == 2


async def test_a_restriction_unblocked_later_dates_its_reasons_from_the_retry(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, demo_platform_url: str
) -> None:
    # Its own server: the time it skips fires no timer of another test's reviews, whose
    # workflow tasks no worker would take (a shared server once timed the skip out under load).
    time_skipping_env = own_time_skipping_env
    task_queue, broken = misconfigured_accounts(review_worker, time_skipping_env, demo_platform_url)
    async with broken:
        reviews = ReviewClient(time_skipping_env.client, task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        await claim_and_decide(
            reviews,
            started.review_id,
            EnforcementAction.TEMPORARY_SUSPENSION,
            env=time_skipping_env,
        )
        await reviews.act(
            started.review_id,
            actions.SECOND_REVIEW,
            SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Agreed."),
        )
        await blocked(reviews, started.review_id, time_skipping_env)
        await time_skipping_env.sleep(timedelta(minutes=10))

    async with review_worker(time_skipping_env.client, task_queue):
        await reviews.act(
            started.review_id,
            actions.RETRY_ACTIONING,
            RetryActioningRequest(operator=OLGA, reason="Fixed the URL."),
        )
        closed = await wait_for_status(
            reviews, started.review_id, ReviewStatus.CLOSED, env=time_skipping_env
        )

    retried = next(e.at for e in closed.timeline if e.event == "actioning_retried")
    reasons = closed.statement_of_reasons
    assert reasons is not None and reasons.ends_at is not None
    assert reasons.starts_at >= retried
    assert reasons.ends_at - reasons.starts_at == timedelta(days=7)
    assert reasons.appeal_deadline - reasons.starts_at == timedelta(days=30)


async def test_a_closed_review_leaves_its_case_record_in_the_archive(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, archive: DecisionArchive
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        decided = await claim_and_decide(reviews, started.review_id, env=time_skipping_env)
        closed = await reviews.handle(started.review_id).result()

    record = archive.read(started.review_id)
    assert record is not None
    assert record.decision == decided.decision
    assert record.closed_at == closed.closed_at
    assert record.timeline == closed.timeline
    assert [m.idempotency_key for m in record.messages] == [
        m.idempotency_key for m in closed.messages
    ]


async def test_a_suspension_states_its_reasons_in_the_record_and_the_message(
    time_skipping_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    archive: DecisionArchive,
    demo_platform_url: str,
    http: httpx.AsyncClient,
) -> None:
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        state = await claim_and_decide(
            reviews,
            started.review_id,
            EnforcementAction.TEMPORARY_SUSPENSION,
            env=time_skipping_env,
        )
        assert state.status is ReviewStatus.AWAITING_SECOND_REVIEW  # a deviation
        await reviews.act(
            started.review_id,
            actions.SECOND_REVIEW,
            SecondReviewRequest(reviewer=LUIS, outcome="approve", comment="Agreed."),
        )
        closed = await reviews.handle(started.review_id).result()

    reasons = closed.statement_of_reasons
    assert reasons is not None and reasons.second_reviewed and not reasons.followed_recommendation
    record = archive.read(started.review_id)
    assert record is not None and record.statement_of_reasons == reasons
    sent = await http.get(
        f"{demo_platform_url}/notification-gateway/messages",
        params={"review_id": started.review_id, "json": "1"},
    )
    notice = next(m for m in sent.json()["messages"] if m["kind"] == "outcome_notice")
    assert "Por qué tomamos esta decisión" in notice["body"]


async def test_a_second_incident_counts_the_first_decision_as_a_prior(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    account = {"id": f"drv_{uuid.uuid4().hex[:8]}"}
    async with review_worker(time_skipping_env.client) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        first = await reviews.start(review_request(account=account, **STANDARD_TIER))
        decided = await claim_and_decide(reviews, first.review_id, env=time_skipping_env)
        await reviews.handle(first.review_id).result()
        assert decided.recommendation is not None

        second = await reviews.start(review_request(account=account, **STANDARD_TIER))
        state = await wait_for_status(
            reviews, second.review_id, ReviewStatus.AWAITING_DECISION, env=time_skipping_env
        )

    assert state.recommendation is not None
    assert state.recommendation.prior_violations == decided.recommendation.prior_violations + 1
    history = next(e.data for e in state.evidence if isinstance(e.data, AccountHistory))
    assert first.incident_id in [v.incident_id for v in history.prior_violations]


class ArchiveThatIsDownAtFirst(DecisionArchive):
    """The decision archive while its database restarts: the first writes fail, then it works."""

    def __init__(self, url: str, failures: int) -> None:
        super().__init__(url, TEST_KEYS)
        self.failures = failures

    def write(self, record: CaseRecord, now: datetime) -> ArchivedRecord:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("INSERT INTO case_records", {}, Exception("database is locked"))
        return super().write(record, now)


async def test_a_note_sent_while_the_case_record_is_written_is_refused_and_nothing_is_lost(
    time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory, tmp_path: Path
) -> None:
    archive = ArchiveThatIsDownAtFirst(f"sqlite:///{tmp_path / 'archive.db'}", failures=2)
    async with review_worker(time_skipping_env.client, archive_of_worker=archive) as worker:
        reviews = ReviewClient(time_skipping_env.client, worker.task_queue)
        started = await reviews.start(review_request(**STANDARD_TIER))
        await claim_and_decide(reviews, started.review_id, env=time_skipping_env)
        await reviews.act(
            started.review_id, actions.ADD_NOTE, NoteRequest(author=ANA, text="Before closing.")
        )
        state = await reviews.state(started.review_id)
        while state.record_started_at is None:
            await asyncio.sleep(0.05)
            state = await reviews.state(started.review_id)

        with pytest.raises(ReviewRefused) as refused:
            await reviews.act(
                started.review_id, actions.ADD_NOTE, NoteRequest(author=ANA, text="Too late.")
            )
        steps = await reviews.retrying_steps(started.review_id)
        while not steps:
            await asyncio.sleep(0.05)
            steps = await reviews.retrying_steps(started.review_id)
        closed = await reviews.handle(started.review_id).result()

    assert refused.value.kind == "conflict"
    assert "case record is being written" in str(refused.value)
    assert [s.step for s in steps] == ["case record"]
    assert steps[0].last_failure == "decision archive: database unavailable (OperationalError)"
    record = archive.read(started.review_id)
    assert record is not None and [n.text for n in record.notes] == ["Before closing."]
    assert [n.text for n in closed.notes] == ["Before closing."]
    archive.close()


async def test_a_second_review_nobody_gives_in_time_is_flagged_at_risk_then_escalated(
    own_time_skipping_env: WorkflowEnvironment, review_worker: WorkerFactory
) -> None:
    env = own_time_skipping_env
    async with review_worker(env.client) as worker:
        reviews = ReviewClient(env.client, worker.task_queue)
        started = await reviews.start(review_request(category="fraud", severity="high"))
        state = await claim_and_decide(reviews, started.review_id, env=env)
        assert state.status is ReviewStatus.AWAITING_SECOND_REVIEW and not state.escalated
        (clock,) = state.stage_clocks

        await env.sleep(clock.deadline - clock.started_at + timedelta(minutes=1))

        state = await reviews.state(started.review_id)
    (clock,) = state.stage_clocks
    assert clock.at_risk and clock.breached and clock.met is None
    assert state.escalated
    assert state.escalation_reasons[-1].startswith("SLA breached: no second review by ")
    assert [
        e.event for e in state.timeline if e.event.startswith(("second_review_sla", "escal"))
    ] == [
        "second_review_sla_at_risk",
        "escalated",
    ]
