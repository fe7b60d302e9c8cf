"""Appeals over the v1 API on the dev server: the platform's app files one, the queue shows it,
someone who had no part in the decision overturns it, the account is reinstated once and the
person is told in their language, and the review's view shows the outcome."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.test_web_api import ANA, INTAKE, LUIS, MARCO, decision, started

ELENA = {"Authorization": "Bearer demo-elena-token"}


async def approved_deactivation(api: httpx.AsyncClient, account: dict[str, str]) -> str:
    """A driver's deactivation for fraud, decided by ana and approved by luis; its URL."""
    review_id = await started(api, account=account, category="fraud", severity="high")
    url = f"/api/v1/reviews/{review_id}"
    await api.post(f"{url}/claim", headers=ANA)
    state = (await api.get(url, headers=ANA)).json()
    assert state["recommendation"]["action"] == "permanent_deactivation"
    assert (await api.post(f"{url}/decision", json=decision(state), headers=ANA)).is_success
    approval = {"outcome": "approve", "comment": "The trip data is clear."}
    assert (await api.post(f"{url}/second-review", json=approval, headers=LUIS)).is_success
    return url


async def closed_deactivation(api: httpx.AsyncClient, account_id: str, locale: str) -> str:
    """A Chicago driver's deactivation for fraud, decided by ana, approved by luis, closed."""
    account = {"id": account_id, "locale": locale, "market": "chicago"}
    return await until(api, await approved_deactivation(api, account), "closed")


async def until(api: httpx.AsyncClient, url: str, status: str) -> str:
    for _ in range(300):
        answer = await api.get(url, headers=ANA)
        if answer.status_code == 200 and answer.json()["status"] == status:
            return str(answer.json().get("review_id") or answer.json().get("appeal_id"))
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never reached {status}")


def appeal(**changes: Any) -> dict[str, Any]:
    return {
        "statement": "Someone else was using my phone that week; I have the police report.",
        "submitted_at": datetime.now(UTC).isoformat(),
        "new_information": False,
        **changes,
    }


async def filed(api: httpx.AsyncClient, review_id: str, **changes: Any) -> str:
    answer = await api.post(
        f"/api/v1/reviews/{review_id}/appeals", json=appeal(**changes), headers=INTAKE
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "awaiting_decision"
    appeal_id = str(answer.json()["appeal_id"])
    await until(api, f"/api/v1/appeals/{appeal_id}", "awaiting_decision")
    # The appeal's page answers from its workflow until the book has it; the queue reads the
    # book, which its workflow writes a moment later (longer on a loaded machine).
    for _ in range(300):
        queue = (await api.get("/api/v1/appeals", headers=ANA)).json()["appeals"]
        if appeal_id in [a["appeal_id"] for a in queue]:
            return appeal_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"{appeal_id} never reached the appeals queue")


async def test_an_appeal_overturned_by_a_second_person_reinstates_and_tells_the_driver(
    api: httpx.AsyncClient, demo_platform_url: str
) -> None:
    review_id = await closed_deactivation(api, "drv_appeal_1", "es-MX")
    appeal_id = await filed(api, review_id)
    queue = (await api.get("/api/v1/appeals", headers=MARCO)).json()["appeals"]
    assert appeal_id in [a["appeal_id"] for a in queue]

    url = f"/api/v1/appeals/{appeal_id}"
    assert (await api.post(f"{url}/claim", headers=ANA)).status_code == 403  # decided it
    assert (await api.post(f"{url}/claim", headers=LUIS)).status_code == 403  # approved it
    assert (await api.post(f"{url}/claim", headers=MARCO)).status_code == 200
    overturn = {"outcome": "overturn", "rationale": "The police report shows a stolen phone."}
    answer = await api.post(f"{url}/decision", json=overturn, headers=MARCO)
    assert answer.status_code == 200, answer.text
    await until(api, url, "closed")

    closed = (await api.get(url, headers=MARCO)).json()
    assert [c["change"] for c in closed["account_changes"]] == ["reinstatement"]
    async with httpx.AsyncClient(base_url=demo_platform_url) as platform:
        account = (await platform.get("/account-status/accounts/drv_appeal_1")).json()
        sent = (
            await platform.get("/notification-gateway/messages", params={"review_id": review_id})
        ).json()["messages"]
    assert account["status"] == "active"
    told = [m for m in sent if m["kind"] == "appeal_outcome"]
    assert [(m["recipient_account_id"], m["locale"]) for m in told] == [("drv_appeal_1", "es-MX")]
    assert told[0]["subject"] == "Aceptamos tu apelación"
    # The trip the decision was about, as the person finds it in their trips.
    trip = next(
        e["data"]
        for e in (await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)).json()["evidence"]
        if e["source"] == "trip_details"
    )
    assert f"(viaje {trip['trip_id']})" in told[0]["body"]
    review = (await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)).json()
    assert [(a["appeal_id"], a["outcome"]) for a in review["appeals"]] == [(appeal_id, "overturn")]
    records = (await api.get("/api/v1/accounts/drv_appeal_1/records", headers=INTAKE)).json()
    assert [(a["reference"], a["outcome"]) for a in records["appeals"]] == [
        (appeal_id, {"code": "overturn", "label": "Revocada"})
    ]
    [strike] = [s for s in records["strikes"] if s["reference"] == review_id]
    assert strike["state"]["code"] == "retracted"


async def test_a_second_appeal_needs_new_information_and_says_which_field(
    api: httpx.AsyncClient,
) -> None:
    review_id = await closed_deactivation(api, "drv_appeal_2", "en")
    appeal_id = await filed(api, review_id)
    url = f"/api/v1/reviews/{review_id}/appeals"
    still_open = await api.post(url, json=appeal(statement="One more thing."), headers=INTAKE)
    assert still_open.status_code == 409, still_open.text
    await api.post(f"/api/v1/appeals/{appeal_id}/claim", headers=ELENA)
    uphold = {
        "outcome": "uphold",
        "rationale": "The statement does not change what the trip data shows.",
        "policy_refs": ["CG-INTEGRITY-1"],
    }
    decided = await api.post(f"/api/v1/appeals/{appeal_id}/decision", json=uphold, headers=ELENA)
    assert decided.status_code == 200, decided.text
    await until(api, f"/api/v1/appeals/{appeal_id}", "closed")

    again = await api.post(url, json=appeal(statement="It was still not me."), headers=INTAKE)
    assert again.status_code == 409
    assert again.json()["errors"] == [
        {
            "field": "new_information",
            "problem": "this decision was already appealed; a further appeal needs new information",
        }
    ]
    assert (
        await api.post(url, json=appeal(new_information=True), headers=INTAKE)
    ).status_code == 202


async def test_an_appeal_is_filed_only_by_the_platforms_app_and_refused_with_its_field(
    api: httpx.AsyncClient,
) -> None:
    review_id = await closed_deactivation(api, "drv_appeal_3", "en")
    url = f"/api/v1/reviews/{review_id}/appeals"
    assert (await api.post(url, json=appeal(), headers=ANA)).status_code == 403
    empty = await api.post(url, json=appeal(statement="  "), headers=INTAKE)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "statement"
    late = await api.post(url, json=appeal(submitted_at="2027-06-01T00:00:00Z"), headers=INTAKE)
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "submitted_at"
    unknown = await api.post(
        "/api/v1/reviews/review-INC-nope/appeals", json=appeal(), headers=INTAKE
    )
    assert unknown.status_code == 404
