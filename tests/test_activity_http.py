"""Activities against platform services faked with httpx.MockTransport: the contract paths,
headers and bodies they send, and how each kind of answer turns into retry or give-up."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.accounts import AccountActivities, EnforcementOrder, HoldOrder
from activities.evidence import EvidenceActivities
from activities.notifications import NotificationActivities
from activities.platform import PlatformEndpoints
from decision_archive.store import DecisionArchive
from demo_platform import synthetic
from notifications.rendering import MessageRenderer
from review.models import (
    AccountHistory,
    EnforcementAction,
    EvidenceQuery,
    EvidenceSource,
    IncidentCategory,
    Recipient,
    Telematics,
)
from review.notices import NoticeJob, NoticeOfIntentContent, ReportReviewedContent, dated

BASE = "http://platform.test"
Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def query(source: EvidenceSource) -> EvidenceQuery:
    return EvidenceQuery(
        source=source,
        review_id="review-INC-1",
        incident_id="INC-1",
        account_id="drv_123",
        reported_at=datetime(2026, 11, 23, tzinfo=UTC),
    )


EXPECTED_PATHS = {
    EvidenceSource.TRIP_DETAILS: "/evidence/incidents/INC-1/trip",
    EvidenceSource.INCIDENT_REPORTS: "/evidence/incidents/INC-1/reports",
    EvidenceSource.ACCOUNT_HISTORY: "/evidence/accounts/drv_123/history",
    EvidenceSource.TELEMATICS: "/evidence/incidents/INC-1/telematics",
    EvidenceSource.IN_APP_MESSAGES: "/evidence/incidents/INC-1/messages",
}
BODIES = {
    EvidenceSource.TRIP_DETAILS: synthetic.trip_details("INC-1", "drv_123"),
    EvidenceSource.INCIDENT_REPORTS: synthetic.incident_reports("INC-1"),
    EvidenceSource.ACCOUNT_HISTORY: synthetic.account_history("drv_123"),
    EvidenceSource.TELEMATICS: synthetic.telematics("INC-1"),
    EvidenceSource.IN_APP_MESSAGES: synthetic.in_app_messages("INC-1"),
}


@pytest.mark.parametrize("source", list(EvidenceSource))
async def test_gather_evidence_reads_each_source_at_its_contract_path(
    source: EvidenceSource,
    archive: DecisionArchive,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=BODIES[source])

    async with client(handler) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        item = await ActivityEnvironment().run(activities.gather_evidence, query(source))

    assert seen[0].url.path == EXPECTED_PATHS[source]
    assert seen[0].headers["x-review-id"] == "review-INC-1"
    assert item.available and item.data is not None and item.data.kind == source


async def test_unknown_fields_from_a_source_are_ignored(archive: DecisionArchive) -> None:
    body = {**BODIES[EvidenceSource.TELEMATICS], "vendor_debug": {"x": 1}}
    async with client(lambda _: httpx.Response(200, json=body)) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        item = await ActivityEnvironment().run(
            activities.gather_evidence, query(EvidenceSource.TELEMATICS)
        )
    assert isinstance(item.data, Telematics)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_a_transient_answer_is_retried_and_names_only_source_and_status(
    status: int, archive: DecisionArchive
) -> None:
    leaky = {"error": "rider Maria said the driver hit her"}
    async with client(lambda _: httpx.Response(status, json=leaky)) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(
                activities.gather_evidence, query(EvidenceSource.INCIDENT_REPORTS)
            )
    assert not raised.value.non_retryable
    assert raised.value.message == f"evidence source incident_reports answered HTTP {status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_a_refusal_is_not_retried(status: int, archive: DecisionArchive) -> None:
    async with client(lambda _: httpx.Response(status)) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(
                activities.gather_evidence, query(EvidenceSource.TRIP_DETAILS)
            )
    assert raised.value.non_retryable


async def test_malformed_evidence_is_not_retried_and_names_the_field(
    archive: DecisionArchive,
) -> None:
    body = {k: v for k, v in BODIES[EvidenceSource.ACCOUNT_HISTORY].items() if k != "member_since"}
    async with client(lambda _: httpx.Response(200, json=body)) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(
                activities.gather_evidence, query(EvidenceSource.ACCOUNT_HISTORY)
            )
    assert raised.value.non_retryable and raised.value.type == "MalformedEvidence"
    assert "member_since" in raised.value.message


async def test_a_body_that_is_not_json_is_malformed_evidence(archive: DecisionArchive) -> None:
    async with client(lambda _: httpx.Response(200, text="<html>oops</html>")) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(
                activities.gather_evidence, query(EvidenceSource.IN_APP_MESSAGES)
            )
    assert raised.value.type == "MalformedEvidence"


async def test_account_history_keeps_prior_violations_typed(archive: DecisionArchive) -> None:
    body = synthetic.account_history("drv_123")
    async with client(lambda _: httpx.Response(200, json=body)) as http:
        activities = EvidenceActivities(PlatformEndpoints.all_at(BASE), http, archive)
        item = await ActivityEnvironment().run(
            activities.gather_evidence, query(EvidenceSource.ACCOUNT_HISTORY)
        )
    assert isinstance(item.data, AccountHistory)
    assert len(item.data.prior_violations) == len(body["prior_violations"])


async def test_an_interim_hold_is_posted_with_its_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            201, json={"account_id": "drv_123", "status": "on_hold", "reference": "hold_1"}
        )

    async with client(handler) as http:
        activities = AccountActivities(PlatformEndpoints.all_at(BASE), http)
        change = await ActivityEnvironment().run(
            activities.place_interim_hold,
            HoldOrder(
                review_id="review-INC-1",
                account_id="drv_123",
                category="weapons",
                idempotency_key="review-INC-1:interim_hold",
            ),
        )
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/account-status/accounts/drv_123/holds"
    assert seen[0].headers["idempotency-key"] == "review-INC-1:interim_hold"
    assert (change.change, change.account_status, change.reference) == (
        "interim_hold",
        "on_hold",
        "hold_1",
    )


async def test_an_enforcement_posts_the_decision_and_releases_the_hold() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            201, json={"account_id": "drv_123", "status": "suspended", "reference": "enf_1"}
        )

    async with client(handler) as http:
        activities = AccountActivities(PlatformEndpoints.all_at(BASE), http)
        change = await ActivityEnvironment().run(
            activities.apply_enforcement,
            EnforcementOrder(
                review_id="review-INC-1",
                account_id="drv_123",
                action=EnforcementAction.TEMPORARY_SUSPENSION,
                suspension_days=7,
                release_hold=True,
                idempotency_key="review-INC-1:enforcement",
            ),
        )
    assert seen[0].url.path == "/account-status/accounts/drv_123/enforcements"
    assert json.loads(seen[0].content) == {
        "review_id": "review-INC-1",
        "action": "temporary_suspension",
        "suspension_days": 7,
        "release_hold": True,
    }
    assert change.account_status == "suspended" and change.suspension_days == 7


def reporter_job(locale: str) -> NoticeJob:
    return NoticeJob(
        review_id="review-INC-1",
        recipient=Recipient(account_id="rdr_9", role="rider", locale=locale),
        idempotency_key="review-INC-1:report_reviewed",
        content=ReportReviewedContent(
            review_id="review-INC-1", reporter_role="rider", market="mexico-city"
        ),
    )


@pytest.mark.parametrize(
    ("requested", "written", "fallback"),
    [("es-MX", "es-MX", None), ("es-AR", "es-MX", "es-AR"), ("fr-FR", "es-MX", "fr-FR")],
)
async def test_a_notice_is_sent_in_the_recipients_language_or_a_visible_fallback(
    requested: str, written: str, fallback: str | None
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "msg_1", "status": "accepted"})

    async with client(handler) as http:
        activities = NotificationActivities(PlatformEndpoints.all_at(BASE), http, MessageRenderer())
        sent = await ActivityEnvironment().run(activities.send_notice, reporter_job(requested))
    posted = json.loads(seen[0].content)
    assert seen[0].url.path == "/notification-gateway/messages"
    assert seen[0].headers["idempotency-key"] == "review-INC-1:report_reviewed"
    assert (posted["locale"], posted["fallback_from"]) == (written, fallback)
    assert (sent.locale, sent.fallback_from, sent.gateway_message_id) == (
        written,
        fallback,
        "msg_1",
    )
    assert posted["body"].rstrip().endswith("review-INC-1")


async def test_a_notice_of_intent_held_back_by_an_outage_tells_the_deadline_from_its_sending() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "msg_2", "status": "accepted"})

    planned_at = datetime(2026, 11, 1, 15, tzinfo=UTC)  # the gateway was down since then
    job = NoticeJob(
        review_id="review-INC-2",
        recipient=Recipient(account_id="drv_2", role="driver", locale="en"),
        idempotency_key="review-INC-2:notice_of_intent",
        content=NoticeOfIntentContent(
            review_id="review-INC-2",
            account_role="driver",
            market="mexico-city",
            category=IncidentCategory.FRAUD,
            reported_at=planned_at,
            evidence_relied_on=[],
            prior_violations=0,
            answer_due_by=planned_at + timedelta(days=5),
            hearing_days=5,
            on_hold=False,
            guideline_refs=["CG-INTEGRITY-1"],
            legal_basis={},
        ),
    )
    async with client(handler) as http:
        activities = NotificationActivities(PlatformEndpoints.all_at(BASE), http, MessageRenderer())
        before = datetime.now(UTC)
        sent = await ActivityEnvironment().run(activities.send_notice, job)
        after = datetime.now(UTC)

    assert sent.answer_due_by is not None
    assert before + timedelta(days=5) <= sent.answer_due_by <= after + timedelta(days=5)
    told = MessageRenderer().render(dated(job, sent.answer_due_by - timedelta(days=5)))
    assert json.loads(seen[0].content)["body"] == told.body
    assert "November 6, 2026" not in told.body  # the planned deadline, long gone


def test_only_a_notice_of_intent_is_dated_when_it_is_sent() -> None:
    job = reporter_job("en")
    assert dated(job, datetime(2026, 12, 1, tzinfo=UTC)) == job


async def test_the_worker_client_keeps_every_connection_it_may_open_alive() -> None:
    endpoints = PlatformEndpoints.model_validate({"http_connections": 120})
    async with endpoints.client() as http:
        pool = http._transport._pool  # type: ignore[attr-defined]
        assert pool._max_connections == 120
        assert pool._max_keepalive_connections == 120


def test_a_connection_count_below_one_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DR_HTTP_CONNECTIONS", "0")
    with pytest.raises(ValidationError, match="http_connections"):
        PlatformEndpoints()
