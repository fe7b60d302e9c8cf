"""With the worker or Temporal down, the web app reads what the read model holds (the queues, the
review as last published) and answers anything else at once with 503 and Retry-After, and a
person's retried action, sent with the same idempotency key, attaches to the first one and
learns its real outcome instead of acting twice."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from review.models import ReviewStatus
from temporal_runtime.connection import PERSON_FACING_RETRY
from tests.conftest import BIN, CONVERTER, WorkerFactory, review_request
from tests.review_steps import wait_for_status
from webapp.app import create_app
from webapp.services import WebServices
from workflows.client import QUERY_TIMEOUT, UPDATE_TIMEOUT, ReviewClient

INTAKE = {"Authorization": "Bearer demo-intake-token"}
ANA = {"Authorization": "Bearer demo-ana-token"}


async def client_for(services: WebServices) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as client:
        yield client


@pytest.fixture
async def no_worker(
    web_services: WebServices,
) -> AsyncIterator[tuple[httpx.AsyncClient, ReviewClient]]:
    """The web app on a task queue no worker polls (the worker is down)."""
    reviews = ReviewClient(
        web_services.reviews.client,
        f"down-{uuid.uuid4().hex[:8]}",
        read_model=web_services.reviews.read_model,
    )
    async for client in client_for(dataclasses.replace(web_services, reviews=reviews)):
        yield client, reviews


async def test_reading_a_review_while_the_worker_is_down_is_503_with_retry_after(
    no_worker: tuple[httpx.AsyncClient, ReviewClient],
) -> None:
    api, _ = no_worker
    started = await api.post(
        "/api/v1/reviews", json=review_request().model_dump(mode="json"), headers=INTAKE
    )
    assert started.status_code == 202

    began = time.monotonic()
    answer = await api.get(f"/api/v1/reviews/{started.json()['review_id']}", headers=ANA)

    assert answer.status_code == 503
    assert answer.headers["retry-after"].isdigit()
    assert "did not answer in time" in answer.json()["error"]
    assert time.monotonic() - began < QUERY_TIMEOUT.total_seconds() + 3


async def test_a_claim_retried_with_its_idempotency_key_after_the_worker_returns_applies_once(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    no_worker: tuple[httpx.AsyncClient, ReviewClient],
) -> None:
    api, reviews = no_worker
    started = await reviews.start(review_request())
    async with review_worker(dev_env.client, reviews.task_queue):
        await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
    # The worker is down now.
    claim = f"/api/v1/reviews/{started.review_id}/claim"
    key = {"Idempotency-Key": f"claim-{uuid.uuid4().hex}"}

    began = time.monotonic()
    first = await api.post(claim, headers=ANA | key)
    assert first.status_code == 503
    assert time.monotonic() - began < UPDATE_TIMEOUT.total_seconds() + 3

    async with review_worker(dev_env.client, reviews.task_queue):
        await wait_for_status(reviews, started.review_id, ReviewStatus.IN_REVIEW)
        again = await api.post(claim, headers=ANA | key)
        once_more = await api.post(claim, headers=ANA | key)

    assert again.status_code == 200 and once_more.status_code == 200
    assert again.json()["assignee"]["id"] == "ana"
    assert [e["event"] for e in once_more.json()["timeline"]].count("claimed") == 1


async def test_an_idempotency_key_that_is_not_a_token_is_422_naming_the_header(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.post(
        "/api/v1/reviews/review-INC-1/claim", headers=ANA | {"Idempotency-Key": "no spaces!"}
    )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_published_review_reads_while_its_worker_is_down(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    no_worker: tuple[httpx.AsyncClient, ReviewClient],
) -> None:
    api, reviews = no_worker
    started = await reviews.start(review_request())
    async with review_worker(dev_env.client, reviews.task_queue):
        await wait_for_status(reviews, started.review_id, ReviewStatus.AWAITING_DECISION)
    # The worker is down now: the read model still has the review as it was published.

    began = time.monotonic()
    answer = await api.get(f"/api/v1/reviews/{started.review_id}", headers=ANA)
    queue = await api.get("/api/v1/reviews", headers=ANA)

    assert answer.status_code == 200
    assert answer.json()["status"] == ReviewStatus.AWAITING_DECISION
    assert answer.json()["request"]["incident_id"] == started.incident_id
    assert started.review_id in [r["review_id"] for r in queue.json()["reviews"]]
    # Never waiting on the missing worker: a state query would wait QUERY_TIMEOUT (3 s) first.
    # (Under 1 s alone; the margin is for a machine running two test workers.)
    assert time.monotonic() - began < QUERY_TIMEOUT.total_seconds() - 0.5


async def test_with_temporal_down_the_queue_answers_and_every_other_call_is_503_at_once(
    web_services: WebServices,
) -> None:
    server = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=CONVERTER, ui=False
    )
    config = server.client.config()
    client = await Client.connect(
        config["service_client"].config.target_host,
        data_converter=CONVERTER,
        retry_config=PERSON_FACING_RETRY,  # as the web app connects
    )
    services = dataclasses.replace(
        web_services, reviews=ReviewClient(client, read_model=web_services.reviews.read_model)
    )
    await server.shutdown()  # the web app connected, then Temporal went away
    async for api in client_for(services):
        queue = await api.get("/api/v1/reviews", headers=ANA)
        assert queue.status_code == 200  # from the read model
        for method, path in (
            ("GET", "/api/v1/reviews/review-INC-1"),
            ("POST", "/api/v1/reviews/review-INC-1/claim"),
        ):
            began = time.monotonic()
            answer = await api.request(method, path, headers=ANA)
            assert (answer.status_code, answer.headers.get("retry-after")) == (503, "5"), path
            assert time.monotonic() - began < 4, path


async def test_after_an_unexpected_error_the_app_closes_the_connection(
    web_services: WebServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(review_id: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(web_services.reviews, "state", broken)
    async for api in client_for(web_services):
        answer = await api.get("/api/v1/reviews/review-INC-1", headers=ANA)

    assert answer.status_code == 500
    assert answer.headers["connection"] == "close"
