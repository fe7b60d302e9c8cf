"""What Temporal stores is ciphertext: a marker in the summary and the statements is nowhere in
the server's raw history, and the history reads back whole with the codec."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.api.history.v1 import History
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from review.models import IncidentReports, ReviewStatus
from tests.conftest import WorkerFactory, review_request, served
from tests.review_steps import claim_and_decide
from workflows.client import ReviewClient

MARKER = f"marker-{uuid.uuid4().hex}"


@pytest.fixture
async def statements_url() -> AsyncIterator[str]:
    """An incident-reports source whose statement quotes the marker."""

    async def reports(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "report_count": 1,
                "statements": [
                    {
                        "author_role": "witness",
                        "submitted_at": "2026-11-23T16:30:00+00:00",
                        "text": f"I saw it happen. {MARKER}",
                    }
                ],
            }
        )

    app = Starlette(routes=[Route("/incidents/{incident_id}/reports", reports)])
    async with served(app) as url:
        yield url


async def test_the_server_holds_no_plaintext_and_the_codec_reads_it_all_back(
    dev_env: WorkflowEnvironment, review_worker: WorkerFactory, statements_url: str
) -> None:
    request = review_request(summary=f"Rider reports a threat. {MARKER}")
    async with review_worker(dev_env.client, incident_reports_url=statements_url) as worker:
        reviews = ReviewClient(dev_env.client, worker.task_queue)
        await reviews.start(request)
        await claim_and_decide(reviews, request.review_id)
        closed = await reviews.handle(request.review_id).result()

    # Without the codec: the raw history as the server stores it.
    plain = await Client.connect(
        dev_env.client.service_client.config.target_host, namespace=dev_env.client.namespace
    )
    raw = await plain.get_workflow_handle(request.review_id).fetch_history()
    stored = History(events=raw.events).SerializeToString()
    assert MARKER.encode() not in stored
    assert b"dangerous_driving (high)" not in stored  # the workflow's summary (user metadata)
    assert b"binary/encrypted" in stored

    # With the codec: everything is there.
    assert closed.status is ReviewStatus.CLOSED
    assert MARKER in closed.request.summary
    reports = next(e.data for e in closed.evidence if isinstance(e.data, IncidentReports))
    assert MARKER in reports.statements[0].text
    decoded = await reviews.handle(request.review_id).fetch_history()
    assert len(decoded.events) == len(raw.events)
