"""The hearing over the v1 API on the dev server: a Mexican driver's deactivation, decided and
approved, waits in ``hearing``; the platform's app sends the driver's answer, which the review
shows the specialist, who decides again. Bad answers are refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.test_appeals_api import approved_deactivation, until
from tests.test_web_api import ANA, INTAKE, decision, started

ANSWER = "Ese fin de semana le presté el coche a mi hermano; aquí está el contrato de renta."


async def in_hearing(api: httpx.AsyncClient, account_id: str) -> dict[str, Any]:
    """A Mexico City driver's deactivation for fraud, decided by ana and approved by luis,
    once its notice of intent went out."""
    url = await approved_deactivation(api, {"id": account_id, "market": "mexico-city"})
    await until(api, url, "hearing")
    for _ in range(200):
        state = (await api.get(url, headers=ANA)).json()
        if state["hearing"]["notice_sent_at"]:
            return dict(state)
    raise AssertionError(f"{url} sent no notice of intent")


def answer(**changes: Any) -> dict[str, Any]:
    return {"statement": ANSWER, "submitted_at": datetime.now(UTC).isoformat(), **changes}


async def test_the_drivers_answer_reaches_the_specialist_who_decides_again(
    api: httpx.AsyncClient,
) -> None:
    review = await in_hearing(api, "drv_hearing_api_1")
    url = f"/api/v1/reviews/{review['review_id']}"

    sent = await api.post(f"{url}/hearing-answer", json=answer(), headers=INTAKE)
    assert sent.status_code == 200, sent.text
    assert set(sent.json()) == {"review_id", "status", "received_at"}
    back = await until(api, url, "in_review")
    state = (await api.get(url, headers=ANA)).json()

    assert back == review["review_id"]
    assert state["assignee"]["id"] == "ana" and state["decision"] is None
    assert state["hearing"]["answer"]["statement"] == ANSWER
    assert state["hearing"]["answer"]["received_at"] == sent.json()["received_at"]
    assert state["hearing"]["intended"]["action"] == "permanent_deactivation"
    milder = decision(
        state,
        action="temporary_suspension",
        suspension_days=30,
        justification="The rental contract shows someone else drove that weekend.",
    )
    assert (await api.post(f"{url}/decision", json=milder, headers=ANA)).is_success


async def test_the_same_answer_sent_again_is_the_one_received(api: httpx.AsyncClient) -> None:
    review = await in_hearing(api, "drv_hearing_api_2")
    url = f"/api/v1/reviews/{review['review_id']}/hearing-answer"
    body = answer()

    first = await api.post(url, json=body, headers=INTAKE)
    again = await api.post(url, json=body, headers=INTAKE)
    other = await api.post(url, json=answer(statement="Otra cosa."), headers=INTAKE)

    assert first.status_code == again.status_code == 200, again.text
    assert first.json()["received_at"] == again.json()["received_at"]
    assert other.status_code == 409
    assert other.json()["error"] == "the person already answered this notice of intent"


async def test_an_answer_is_refused_naming_the_field_and_the_reason(
    api: httpx.AsyncClient,
) -> None:
    review = await in_hearing(api, "drv_hearing_api_3")
    url = f"/api/v1/reviews/{review['review_id']}/hearing-answer"
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    blank = await api.post(url, json=answer(statement="   "), headers=INTAKE)
    future = await api.post(url, json=answer(submitted_at=tomorrow), headers=INTAKE)
    naive = await api.post(url, json=answer(submitted_at="2026-12-07T10:00:00"), headers=INTAKE)
    extra = await api.post(url, json=answer(mood="angry"), headers=INTAKE)

    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["statement"]
    assert future.status_code == 422
    assert future.json()["errors"] == [{"field": "submitted_at", "problem": "must not be in the future"}]
    assert naive.status_code == 422
    assert [e["field"] for e in naive.json()["errors"]] == ["submitted_at"]
    assert extra.status_code == 422
    assert [e["field"] for e in extra.json()["errors"]] == ["mood"]


async def test_only_the_platforms_app_sends_an_answer_and_only_to_a_hearing(
    api: httpx.AsyncClient,
) -> None:
    review_id = await started(api, account={"id": "drv_hearing_api_4", "market": "mexico-city"})
    url = f"/api/v1/reviews/{review_id}/hearing-answer"

    as_staff = await api.post(url, json=answer(), headers=ANA)
    anonymous = await api.post(url, json=answer())
    no_hearing = await api.post(url, json=answer(), headers=INTAKE)

    assert as_staff.status_code == 403
    assert anonymous.status_code == 401
    assert no_hearing.status_code == 409
    assert no_hearing.json()["error"] == (
        "review is awaiting_decision; it is not waiting for an answer to a notice of intent"
    )
