"""``GET /api/v1/accounts/{account_id}/records``: a rider or driver's own records, as the
platform's app fetches them for them: restrictions with the statement of reasons and strikes
with their expiry, in the account's language, without the reporter or anyone else's data, each
record given noted in the access log."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from decision_archive.person_records import person_records
from demo_platform import synthetic
from tests.test_case_report import GUIDELINES, HEARD_ANSWER, POLICY, after_a_hearing
from tests.test_web_api import ANA, INTAKE, decision, started
from webapp.i18n import translator
from webapp.services import WebServices


def account_without_priors() -> str:
    """A fresh driver account whose demo history has no prior violations."""
    while True:
        account_id = f"drv_rec_{uuid.uuid4().hex[:8]}"
        if not synthetic.account_history(account_id)["prior_violations"]:
            return account_id


async def closed_restriction(api: httpx.AsyncClient, account_id: str, locale: str) -> str:
    """A review of ``account_id`` decided as the matrix recommends (a suspension) and closed."""
    review_id = await started(api, account={"id": account_id, "locale": locale}, severity="high")
    await api.post(f"/api/v1/reviews/{review_id}/claim", headers=ANA)
    state = (await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)).json()
    assert state["recommendation"]["action"] == "temporary_suspension"
    answer = await api.post(
        f"/api/v1/reviews/{review_id}/decision", json=decision(state), headers=ANA
    )
    assert answer.status_code == 200, answer.text
    for _ in range(200):
        view = await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)
        if view.json()["status"] == "closed":
            return review_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"{review_id} never closed")


async def records_of(api: httpx.AsyncClient, account_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/accounts/{account_id}/records", headers=INTAKE)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_suspended_driver_gets_the_restriction_with_its_reasons_in_spanish(
    api: httpx.AsyncClient,
) -> None:
    account_id = account_without_priors()
    review_id = await closed_restriction(api, account_id, "es-MX")

    records = await records_of(api, account_id)

    assert (records["account_id"], records["role"], records["locale"]) == (
        account_id,
        "driver",
        "es-MX",
    )
    (restriction,) = records["restrictions"]
    assert restriction["reference"] == review_id
    assert restriction["action"] == {"code": "temporary_suspension", "label": "Suspensión temporal"}
    assert restriction["conduct"] == {"code": "dangerous_driving", "label": "Manejo peligroso"}
    assert restriction["suspension_days"] == 7
    starts = datetime.fromisoformat(restriction["starts_at"])
    assert datetime.fromisoformat(restriction["ends_at"]) == starts + timedelta(days=7)
    assert restriction["guidelines"] and all(g["title"] for g in restriction["guidelines"])
    assert {"code": "telematics", "label": "Telemetría"} in restriction["relied_on"]
    assert restriction["automated_recommendation"] is True


async def test_the_confirmed_violation_is_a_strike_until_its_category_period_ends(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    account_id = account_without_priors()
    review_id = await closed_restriction(api, account_id, "en")

    (strike,) = (await records_of(api, account_id))["strikes"]

    assert strike["reference"] == review_id
    assert strike["state"] == {"code": "active", "label": "Counts as a strike"}
    days = web_services.policy.matrix.strike_days("dangerous_driving")
    decided = datetime.fromisoformat(strike["decided_at"])
    assert datetime.fromisoformat(strike["expires_at"]) == decided + timedelta(days=days)


async def test_the_records_never_name_the_reporter_or_the_people_who_decided(
    api: httpx.AsyncClient,
) -> None:
    account_id = account_without_priors()
    await closed_restriction(api, account_id, "en")

    answer = await api.get(f"/api/v1/accounts/{account_id}/records", headers=INTAKE)

    assert answer.status_code == 200 and answer.json()["restrictions"]
    text = answer.text
    assert "rdr_9" not in text  # the test reporter's id
    for leak in ("reporter", "rider", "ana", "rationale", "notes", "Telematics shows"):
        assert leak not in text, leak


async def test_each_record_given_is_noted_in_the_access_log(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    account_id = account_without_priors()
    review_id = await closed_restriction(api, account_id, "en")

    await records_of(api, account_id)

    entries = web_services.archive.access_log(review_id=review_id)
    given = [e for e in entries if e.action == "give_person_records"]
    assert [(e.role, e.channel) for e in given] == [("platform", "api")]


async def test_an_account_with_no_records_gets_empty_lists(api: httpx.AsyncClient) -> None:
    records = await records_of(api, f"drv_none_{uuid.uuid4().hex[:8]}")
    assert (records["role"], records["restrictions"], records["strikes"]) == (None, [], [])


async def test_a_specialist_may_not_fetch_a_persons_records(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/accounts/drv_123/records", headers=ANA)
    assert answer.status_code == 403


async def test_an_account_id_that_is_not_one_is_refused_naming_it(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/accounts/drv%20123/records", headers=INTAKE)
    assert answer.status_code == 422
    assert "account_id" in answer.text


def test_a_restriction_decided_after_a_hearing_says_when_they_were_heard_and_what_they_said() -> None:
    record = after_a_hearing()
    given = person_records(
        record.request.account.id,
        [record],
        POLICY.matrix,
        GUIDELINES,
        translator("es-MX"),
        "es-MX",
        record.closed_at,
    )
    [restriction] = given.restrictions
    hearing = record.hearing
    assert hearing is not None and hearing.answer is not None
    assert restriction.heard is not None
    assert restriction.heard.notice_sent_at == hearing.notice_sent_at
    assert restriction.heard.answered_at == hearing.answer.received_at
    assert restriction.answer == HEARD_ANSWER
    # Never the rationale of what was put to them, nor who decided or approved it.
    text = given.model_dump_json()
    assert hearing.intended.rationale not in text
    assert '"luis"' not in text and '"ana"' not in text
