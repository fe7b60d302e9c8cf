"""The demo platform keeps the contracts' promises: idempotency keys, outages, determinism."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from demo_platform import synthetic
from demo_platform.app import create_app


@pytest.fixture
async def demo() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        yield client


MESSAGE = {
    "review_id": "review-INC-1",
    "kind": "report_reviewed",
    "recipient_account_id": "rdr_9",
    "locale": "en",
    "subject": "We reviewed your report",
    "body": "Thank you.",
}


async def test_a_repeated_idempotency_key_delivers_one_message(demo: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "review-INC-1:report_reviewed"}
    first = await demo.post("/notification-gateway/messages", json=MESSAGE, headers=headers)
    second = await demo.post("/notification-gateway/messages", json=MESSAGE, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    listed = await demo.get("/notification-gateway/messages", params={"review_id": "review-INC-1"})
    assert len(listed.json()["messages"]) == 1


async def test_a_message_without_an_idempotency_key_is_refused(demo: httpx.AsyncClient) -> None:
    answer = await demo.post("/notification-gateway/messages", json=MESSAGE)
    assert answer.status_code == 400


async def test_an_enforcement_repeated_with_its_key_changes_the_account_once(
    demo: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "review-INC-2:enforcement"}
    body = {
        "review_id": "review-INC-2",
        "action": "temporary_suspension",
        "suspension_days": 7,
        "release_hold": False,
    }
    first = await demo.post(
        "/account-status/accounts/drv_7/enforcements", json=body, headers=headers
    )
    second = await demo.post(
        "/account-status/accounts/drv_7/enforcements", json=body, headers=headers
    )
    assert first.json() == second.json()
    assert (await demo.get("/account-status/accounts/drv_7")).json()["status"] == "suspended"


async def test_the_outage_marker_takes_down_only_that_source(demo: httpx.AsyncClient) -> None:
    incident = "INC-9-outage-telematics"
    down = await demo.get(f"/evidence/incidents/{incident}/telematics")
    up = await demo.get(f"/evidence/incidents/{incident}/reports")
    assert (down.status_code, up.status_code) == (503, 200)


def test_synthetic_evidence_is_the_same_for_the_same_ids() -> None:
    assert synthetic.trip_details("INC-5", "drv_1") == synthetic.trip_details("INC-5", "drv_1")
    assert synthetic.account_history("drv_1") == synthetic.account_history("drv_1")
    assert synthetic.telematics("INC-5") != synthetic.telematics("INC-6")
