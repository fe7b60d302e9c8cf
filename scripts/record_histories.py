"""Record workflow histories for the replay test: ``make histories TAG=what-changed``.

Runs representative reviews against the time-skipping test server and the demo platform, and
saves each history to tests/histories/SCENARIO__TAG.json. Saved histories are append-only: a
workflow change adds a new set under a new tag and never rewrites a committed one, so the
replay test keeps replaying every shape of review that may still be running.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from temporalio.testing import WorkflowEnvironment

from activities.platform import PlatformEndpoints
from decision_archive.appeals import AppealBook
from decision_archive.store import DecisionArchive
from demo_platform.app import PlatformStore, create_app
from policy import PolicySettings, load_policy
from review import actions
from review.appeals import AppealBody, AppealDecisionRequest
from review.models import (
    ClaimRequest,
    DecisionRequest,
    EnforcementAction,
    HearingAnswerBody,
    MoreInfoRequest,
    NoteRequest,
    Person,
    PersonRole,
    ReassignRequest,
    ReviewRequest,
    ReviewStatus,
    SecondReviewRequest,
)
from review.qa_audit import QaErrorType, QaScore
from temporal_runtime.connection import data_converter
from temporal_runtime.encryption import load_key_file, new_key_file
from worker import build_worker
from workflows import search_attributes
from workflows.appeal_client import AppealClient
from workflows.client import ReviewClient

ROOT = Path(__file__).resolve().parent.parent
# DR_HISTORIES_DIR records elsewhere (the recorder's own test does, to leave the folder alone).
HISTORIES = Path(os.environ.get("DR_HISTORIES_DIR") or ROOT / "tests" / "histories")
# A test-only key, committed beside the histories it encrypts (they hold synthetic data only).
REPLAY_KEYS = ROOT / "tests" / "histories" / "replay_keys.toml"
SPECIALIST = Person(id="ana", role=PersonRole.SPECIALIST)
LEAD = Person(id="luis", role=PersonRole.LEAD)
OTHER_SPECIALIST = Person(id="marco", role=PersonRole.SPECIALIST)


def request(
    incident_id: str, category: str, severity: str, market: str = "mexico-city"
) -> ReviewRequest:
    """A demo request for the scenario."""
    return ReviewRequest.model_validate(
        {
            "incident_id": incident_id,
            "account": {
                # One account per scenario: the decision archive makes each closed review a
                # prior of the next one on the same account.
                "id": f"drv_{incident_id.split('-')[2]}",
                "role": "driver",
                "locale": "es-MX",
                "market": market,
            },
            "category": category,
            "severity": severity,
            "summary": "Recorded scenario for the replay test.",
            "reported_at": datetime(2026, 11, 23, 16, tzinfo=UTC).isoformat(),
            "reporter": {"id": "rdr_9", "role": "rider"},
            "source": "safety-hotline",
        }
    )


async def until(
    reviews: ReviewClient, env: WorkflowEnvironment, review_id: str, status: ReviewStatus
) -> None:
    """Advance time until the review reaches ``status``."""
    for _ in range(120):
        if (await reviews.state(review_id)).status is status:
            return
        await env.sleep(1)
    raise RuntimeError(f"{review_id} never reached {status}")


async def decide(
    reviews: ReviewClient, review_id: str, action: EnforcementAction | None = None
) -> None:
    """Claim and decide, following the recommendation unless ``action`` is given."""
    await reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=SPECIALIST))
    rec = (await reviews.state(review_id)).recommendation
    assert rec is not None
    chosen = action or rec.action
    days = 30 if chosen is EnforcementAction.TEMPORARY_SUSPENSION else None
    await reviews.act(
        review_id,
        actions.DECIDE,
        DecisionRequest(
            reviewer=SPECIALIST,
            action=chosen,
            suspension_days=rec.suspension_days if chosen is rec.action else days,
            rationale="Evidence reviewed; telematics and statements agree.",
            policy_refs=rec.guideline_refs,
            justification=None if chosen is rec.action else "Not substantiated by telematics.",
        ),
    )


Scenario = Callable[[ReviewClient, WorkflowEnvironment, AppealClient], Awaitable[str]]


async def decided_and_closed(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """Claim, decide per the matrix, action and close."""
    started = await reviews.start(request("INC-REPLAY-1", "dangerous_driving", "high"))
    await until(reviews, env, started.review_id, ReviewStatus.AWAITING_DECISION)
    await decide(reviews, started.review_id)
    await reviews.handle(started.review_id).result()
    return started.review_id


async def sla_breached_then_second_review(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """An egregious review: interim hold, SLA breach, deviation, note, lead approves."""
    started = await reviews.start(request("INC-REPLAY-2", "weapons", "low"))
    await until(reviews, env, started.review_id, ReviewStatus.AWAITING_DECISION)
    await env.sleep(timedelta(hours=5))
    await reviews.act(
        started.review_id,
        actions.ADD_NOTE,
        NoteRequest(author=LEAD, text="Picked up after the SLA breach."),
    )
    await decide(reviews, started.review_id, EnforcementAction.WARNING)
    await reviews.act(
        started.review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LEAD, outcome="approve", comment="Agreed."),
    )
    await reviews.handle(started.review_id).result()
    return started.review_id


async def more_info_with_an_outage(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A source is down; the specialist asks for more information and then decides (a
    Chicago driver: the deactivation it comes to needs no hearing there)."""
    started = await reviews.start(
        request("INC-REPLAY-3-outage-telematics", "fraud", "medium", market="chicago")
    )
    await until(reviews, env, started.review_id, ReviewStatus.AWAITING_DECISION)
    await reviews.act(started.review_id, actions.CLAIM, ClaimRequest(reviewer=SPECIALIST))
    await reviews.act(
        started.review_id,
        actions.REQUEST_MORE_INFO,
        MoreInfoRequest(reviewer=SPECIALIST, reason="Need the telematics."),
    )
    await until(reviews, env, started.review_id, ReviewStatus.IN_REVIEW)
    state = await reviews.state(started.review_id)
    rec = state.recommendation
    assert rec is not None
    await reviews.act(
        started.review_id,
        actions.DECIDE,
        DecisionRequest(
            reviewer=SPECIALIST,
            action=rec.action,
            suspension_days=rec.suspension_days,
            rationale="Fare logs confirm inflated routes.",
            policy_refs=rec.guideline_refs,
        ),
    )
    if (await reviews.state(started.review_id)).status is ReviewStatus.AWAITING_SECOND_REVIEW:
        await reviews.act(
            started.review_id,
            actions.SECOND_REVIEW,
            SecondReviewRequest(reviewer=LEAD, outcome="approve", comment="Priors confirm it."),
        )
    await reviews.handle(started.review_id).result()
    return started.review_id


async def claim_lapsed_then_reassigned(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A claim lapses unworked; claimed again, extended and released; a lead reassigns it,
    holds it past its time, and it is decided."""
    started = await reviews.start(request("INC-REPLAY-4", "dangerous_driving", "high"))
    review_id = started.review_id
    await until(reviews, env, review_id, ReviewStatus.AWAITING_DECISION)
    claim = ClaimRequest(reviewer=SPECIALIST)
    await reviews.act(review_id, actions.CLAIM, claim)
    await env.sleep(timedelta(minutes=31))
    await until(reviews, env, review_id, ReviewStatus.AWAITING_DECISION)
    await reviews.act(review_id, actions.CLAIM, claim)
    await env.sleep(timedelta(minutes=10))
    await reviews.act(review_id, actions.EXTEND_CLAIM, claim)
    await reviews.act(review_id, actions.RELEASE_CLAIM, claim)
    await reviews.act(review_id, actions.REASSIGN, ReassignRequest(lead=LEAD, to=SPECIALIST))
    await reviews.act(review_id, actions.HOLD_CLAIM, ClaimRequest(reviewer=LEAD))
    await env.sleep(timedelta(hours=1))
    rec = (await reviews.state(review_id)).recommendation
    assert rec is not None
    await reviews.act(
        review_id,
        actions.DECIDE,
        DecisionRequest(
            reviewer=SPECIALIST,
            action=rec.action,
            suspension_days=rec.suspension_days,
            rationale="Telematics confirms the speeding.",
            policy_refs=rec.guideline_refs,
        ),
    )
    await reviews.handle(review_id).result()
    return review_id


async def notice_period_then_deactivated(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A Seattle driver's deactivation: approved, told at once, carried out 14 days later."""
    started = await reviews.start(request("INC-REPLAY-5", "fraud", "high", market="seattle"))
    await until(reviews, env, started.review_id, ReviewStatus.AWAITING_DECISION)
    await decide(reviews, started.review_id)
    await reviews.act(
        started.review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LEAD, outcome="approve", comment="Agreed."),
    )
    await until(reviews, env, started.review_id, ReviewStatus.NOTICE_PERIOD)
    await env.sleep(timedelta(days=14, minutes=1))  # a result long poll would not skip it
    await reviews.handle(started.review_id).result()
    return started.review_id


async def notice_period_withdrawn_by_appeal(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A Seattle driver told of a deactivation, appealed and overturned within the notice
    period: the review closes without deactivating the account."""
    review_id = await deactivation_told(reviews, env, "INC-REPLAY-6", "seattle")
    await overturned_appeal(reviews, env, appeals, review_id)
    await reviews.handle(review_id).result()
    return review_id


async def appeal_overturned(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """An appeal of a Chicago driver's deactivation, heard by another specialist, overturned:
    the account is reinstated and the driver told (the appeal's own history)."""
    review_id = await deactivation_told(reviews, env, "INC-REPLAY-7", "chicago")
    await reviews.handle(review_id).result()
    return await overturned_appeal(reviews, env, appeals, review_id)


async def deactivation_told(
    reviews: ReviewClient, env: WorkflowEnvironment, incident_id: str, market: str
) -> str:
    """A fraud deactivation decided and approved, told to the person."""
    started = await reviews.start(request(incident_id, "fraud", "high", market=market))
    await until(reviews, env, started.review_id, ReviewStatus.AWAITING_DECISION)
    await decide(reviews, started.review_id)
    await reviews.act(
        started.review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LEAD, outcome="approve", comment="Agreed."),
    )
    for _ in range(120):
        state = await reviews.state(started.review_id)
        if state.status in (ReviewStatus.NOTICE_PERIOD, ReviewStatus.CLOSED):
            return started.review_id
        await env.sleep(1)
    raise RuntimeError(f"{started.review_id} was never told")


async def overturned_appeal(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient, review_id: str
) -> str:
    """File an appeal of the review's decision and have another specialist overturn it."""
    told = (await reviews.state(review_id)).statement_of_reasons
    assert told is not None
    at = (told.notified_at or told.starts_at) + timedelta(minutes=1)
    body = AppealBody(statement="It was not me driving.", submitted_at=at)
    started = await appeals.submit(review_id, body, now=at)
    decision = AppealDecisionRequest(
        reviewer=OTHER_SPECIALIST, outcome="overturn", rationale="Another driver used it."
    )
    return await heard_by_another(appeals, env, started.appeal_id, decision)


async def heard_by_another(
    appeals: AppealClient,
    env: WorkflowEnvironment,
    appeal_id: str,
    decision: AppealDecisionRequest,
) -> str:
    """Once the appeal is in the book, another specialist claims and decides it; its id once
    its workflow is done."""
    for _ in range(120):
        if await asyncio.to_thread(appeals.book.get, appeal_id) is not None:
            break
        await env.sleep(1)
    await appeals.claim(appeal_id, ClaimRequest(reviewer=OTHER_SPECIALIST), None)
    await appeals.decide(appeal_id, decision, None)
    await appeals.handle(appeal_id).result()
    return appeal_id


async def correction_upheld(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A QA audit found a Chicago driver's deactivation wrongful; the correction it opened,
    heard by another specialist, upheld the decision: the driver is told nothing (the
    correction's own history)."""
    review_id = await deactivation_told(reviews, env, "INC-REPLAY-10", "chicago")
    await reviews.handle(review_id).result()
    told = (await reviews.state(review_id)).statement_of_reasons
    assert told is not None
    at = told.starts_at + timedelta(days=2)
    score = QaScore(
        review_id=review_id,
        auditor_id="sofia",
        decided_by=SPECIALIST.id,
        scored_at=at,
        action_correct=False,
        guidelines_correct=True,
        rationale_adequate=True,
        message_appropriate=True,
        error_type=QaErrorType.FALSE_POSITIVE,
        comment="The fraud signal looks like a known false alarm.",
        agrees_with_decision=False,
    )
    started = await appeals.open_correction(review_id, score, now=at)
    decision = AppealDecisionRequest(
        reviewer=OTHER_SPECIALIST,
        outcome="uphold",
        rationale="The chargebacks stand on their own; not that alarm.",
        policy_refs=["CG-INTEGRITY-1"],
    )
    return await heard_by_another(appeals, env, started.appeal_id, decision)


async def hearing_answered_then_decided_again(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A Mexico City driver's deactivation, approved, is first put to them as a notice of
    intent; they answer, and the specialist decides a suspension instead, which a lead
    approves."""
    review_id = (await reviews.start(request("INC-REPLAY-8", "fraud", "high"))).review_id
    await until(reviews, env, review_id, ReviewStatus.AWAITING_DECISION)
    await decide(reviews, review_id)
    approval = SecondReviewRequest(reviewer=LEAD, outcome="approve", comment="Agreed.")
    await reviews.act(review_id, actions.SECOND_REVIEW, approval)
    for _ in range(120):
        hearing = (await reviews.state(review_id)).hearing
        if hearing is not None and hearing.notice_sent_at is not None:
            break
        await env.sleep(1)
    else:
        raise RuntimeError(f"{review_id} sent no notice of intent")
    answer = HearingAnswerBody(
        statement="My brother drove that week.", submitted_at=hearing.notice_sent_at
    )
    await reviews.answer_notice_of_intent(review_id, answer)
    await until(reviews, env, review_id, ReviewStatus.IN_REVIEW)
    await decide(reviews, review_id, EnforcementAction.TEMPORARY_SUSPENSION)
    await reviews.act(review_id, actions.SECOND_REVIEW, approval)
    await reviews.handle(review_id).result()
    return review_id


async def hearing_unanswered_then_deactivated(
    reviews: ReviewClient, env: WorkflowEnvironment, appeals: AppealClient
) -> str:
    """A Mexico City driver held at intake for a weapon: the deactivation approved is put to
    them at a hearing, which runs out unanswered; the specialist decides it again, a lead
    approves, and the account is deactivated."""
    review_id = (await reviews.start(request("INC-REPLAY-9", "weapons", "high"))).review_id
    await until(reviews, env, review_id, ReviewStatus.AWAITING_DECISION)
    approval = SecondReviewRequest(reviewer=LEAD, outcome="approve", comment="Agreed.")
    await decide(reviews, review_id, EnforcementAction.PERMANENT_DEACTIVATION)
    await reviews.act(review_id, actions.SECOND_REVIEW, approval)
    await until(reviews, env, review_id, ReviewStatus.HEARING)
    await env.sleep(timedelta(days=5, minutes=1))  # a result long poll would not skip it
    await until(reviews, env, review_id, ReviewStatus.IN_REVIEW)
    await decide(reviews, review_id, EnforcementAction.PERMANENT_DEACTIVATION)
    await reviews.act(review_id, actions.SECOND_REVIEW, approval)
    await reviews.handle(review_id).result()
    return review_id


SCENARIOS: dict[str, Scenario] = {
    "decided_and_closed": decided_and_closed,
    "sla_breached_then_second_review": sla_breached_then_second_review,
    "more_info_with_an_outage": more_info_with_an_outage,
    "claim_lapsed_then_reassigned": claim_lapsed_then_reassigned,
    "notice_period_then_deactivated": notice_period_then_deactivated,
    "notice_period_withdrawn_by_appeal": notice_period_withdrawn_by_appeal,
    "appeal_overturned": appeal_overturned,
    "correction_upheld": correction_upheld,
    "hearing_answered_then_decided_again": hearing_answered_then_decided_again,
    "hearing_unanswered_then_deactivated": hearing_unanswered_then_deactivated,
}


def free_port() -> int:
    """A port nothing listens on now, so two recordings (or a test run) never collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def history_path(scenario: str, tag: str) -> Path:
    """Where a scenario's history recorded under ``tag`` is saved; never an existing file."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{2,60}", tag):
        raise SystemExit(f"TAG {tag!r}: use 3-61 lowercase letters, digits and '-'")
    HISTORIES.mkdir(parents=True, exist_ok=True)
    path = HISTORIES / f"{scenario}__{tag}.json"
    if path.exists():
        raise SystemExit(f"{path} exists: saved histories are never re-recorded; use a new TAG")
    return path


async def record(tag: str) -> None:
    """Run every scenario and save its history under ``tag``."""
    paths = {name: history_path(name, tag) for name in SCENARIOS}
    server = uvicorn.Server(
        uvicorn.Config(create_app(PlatformStore()), port=free_port(), log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.05)
    platform = PlatformEndpoints.all_at(f"http://127.0.0.1:{server.config.port}")
    policy, renderer = load_policy(PolicySettings())
    if not REPLAY_KEYS.exists():
        new_key_file(REPLAY_KEYS, "replay1")
    keys = load_key_file(REPLAY_KEYS)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
        data_converter=data_converter(keys),
    )
    tmp = tempfile.mkdtemp()
    try:
        await search_attributes.register(env.client)
        async with httpx.AsyncClient() as http:
            archive = DecisionArchive(f"sqlite:///{tmp}/decision_archive.db", keys)
            worker = build_worker(
                env.client, policy, renderer, platform, http, archive, "record-histories"
            )
            async with worker:
                reviews = ReviewClient(env.client, worker.task_queue)
                appeals = AppealClient(
                    env.client, reviews, AppealBook.of(archive), worker.task_queue
                )
                for name, scenario in SCENARIOS.items():
                    review_id = await scenario(reviews, env, appeals)
                    history = await reviews.handle(review_id).fetch_history()
                    paths[name].write_text(history.to_json())
                    print(f"recorded {name}: {len(history.events)} events")
    finally:
        await env.shutdown()
        server.should_exit = True
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m scripts.record_histories TAG (what the change is)")
    asyncio.run(record(sys.argv[1]))
