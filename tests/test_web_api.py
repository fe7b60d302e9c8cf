"""The v1 API (the README's contract) against the real dev server and a running worker."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from review.models import ReviewStatus
from tests.conftest import review_request
from tests.review_steps import queued
from webapp.services import WebServices

INTAKE = {"Authorization": "Bearer demo-intake-token"}
ANA = {"Authorization": "Bearer demo-ana-token"}
MARCO = {"Authorization": "Bearer demo-marco-token"}
LUIS = {"Authorization": "Bearer demo-luis-token"}


def body(**changes: Any) -> dict[str, Any]:
    """A valid ReviewRequest body for a fresh incident."""
    return review_request(**changes).model_dump(mode="json")


async def started(api: httpx.AsyncClient, **changes: Any) -> str:
    """Start a review and wait until it awaits a decision; returns its id."""
    answer = await api.post("/api/v1/reviews", json=body(**changes), headers=INTAKE)
    assert answer.status_code == 202, answer.text
    review_id = str(answer.json()["review_id"])
    for _ in range(200):
        state = await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)
        if state.status_code == 200 and state.json()["status"] == "awaiting_decision":
            return review_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"{review_id} never awaited a decision")


def decision(state: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A decision body following the review's recommendation."""
    rec = state["recommendation"]
    return {
        "action": rec["action"],
        "suspension_days": rec["suspension_days"],
        "rationale": "Telematics shows 118 km/h in a 50 zone; the statements agree.",
        "policy_refs": rec["guideline_refs"],
        "justification": None,
        **changes,
    }


async def claimed(api: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """A review Ana has claimed, as the API returns it."""
    review_id = await started(api, **changes)
    answer = await api.post(f"/api/v1/reviews/{review_id}/claim", headers=ANA)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# --- intake -------------------------------------------------------------------------------------


async def test_starting_a_review_without_a_token_is_401(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/v1/reviews", json=body())
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_token_is_401(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/api/v1/reviews", json=body(), headers={"Authorization": "Bearer not-a-token"}
    )
    assert answer.status_code == 401


async def test_intake_starts_a_review_with_202_and_links(api: httpx.AsyncClient) -> None:
    request = body()
    answer = await api.post("/api/v1/reviews", json=request, headers=INTAKE)
    assert answer.status_code == 202
    review_id = f"review-{request['incident_id']}"
    assert answer.json()["review_id"] == review_id
    assert answer.json()["links"]["self"] == f"/api/v1/reviews/{review_id}"
    assert answer.json()["links"]["temporal"].endswith(f"/workflows/{review_id}")


async def test_the_same_incident_again_is_200_with_the_same_review(api: httpx.AsyncClient) -> None:
    request = body()
    first = await api.post("/api/v1/reviews", json=request, headers=INTAKE)
    second = await api.post("/api/v1/reviews", json=request, headers=INTAKE)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["review_id"] == first.json()["review_id"]


async def test_an_invalid_request_is_422_naming_each_bad_field(api: httpx.AsyncClient) -> None:
    request = body()
    request["account"]["locale"] = "spanish"
    request["severity"] = "extreme"
    request["surprise"] = True
    answer = await api.post("/api/v1/reviews", json=request, headers=INTAKE)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"account.locale", "severity", "surprise"}


async def test_a_report_from_the_future_is_422_on_reported_at(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/api/v1/reviews", json=body(reported_at="2099-01-01T00:00:00+00:00"), headers=INTAKE
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "reported_at"


async def test_a_rider_reported_for_dangerous_driving_is_422_on_category(
    api: httpx.AsyncClient,
) -> None:
    request = body()
    request["account"]["role"] = "rider"
    request["category"] = "dangerous_driving"
    answer = await api.post("/api/v1/reviews", json=request, headers=INTAKE)
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == "category"
    assert "only a driver can be reported for it" in error["problem"]


async def test_a_specialist_cannot_start_reviews(api: httpx.AsyncClient) -> None:
    answer = await api.post("/api/v1/reviews", json=body(), headers=ANA)
    assert answer.status_code == 403


# --- reading ------------------------------------------------------------------------------------


async def test_a_review_reads_as_the_specialist_sees_it(api: httpx.AsyncClient) -> None:
    review_id = await started(api)
    answer = await api.get(f"/api/v1/reviews/{review_id}", headers=ANA)
    assert answer.status_code == 200
    review = answer.json()
    for key in (
        "status",
        "request",
        "evidence",
        "recommendation",
        "sla",
        "decision",
        "messages",
        "timeline",
    ):
        assert key in review
    assert review["recommendation"]["matrix_version"]
    assert {"tier", "deadline", "at_risk", "breached"} <= set(review["sla"])


async def test_an_intake_token_cannot_read_reviews(api: httpx.AsyncClient) -> None:
    review_id = await started(api)
    assert (await api.get(f"/api/v1/reviews/{review_id}", headers=INTAKE)).status_code == 403


async def test_an_unknown_review_is_404(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/reviews/review-INC-nothing-here", headers=ANA)
    assert answer.status_code == 404


async def test_the_list_is_filtered_and_puts_the_most_urgent_tier_first(
    api: httpx.AsyncClient,
) -> None:
    market = "chicago"
    standard = await started(api, category="fraud", severity="low", account={"market": market})
    critical = await started(api, category="weapons", severity="high", account={"market": market})
    found: list[str] = []
    for _ in range(100):  # until both are opened and published
        answer = await api.get("/api/v1/reviews", params={"market": market}, headers=ANA)
        found = [r["review_id"] for r in answer.json()["reviews"]]
        if len(found) >= 2:
            break
        await asyncio.sleep(0.1)
    assert found == [critical, standard]
    only_critical = await api.get(
        "/api/v1/reviews", params={"market": market, "tier": "critical"}, headers=ANA
    )
    assert [r["review_id"] for r in only_critical.json()["reviews"]] == [critical]


async def test_the_list_pages_by_cursor_with_totals_and_counts(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    read_model = web_services.reviews.read_model
    assert read_model is not None
    for n in range(5):
        read_model.publish(queued(n, market="chicago"))
    read_model.publish(queued(9, market="chicago", status=ReviewStatus.IN_REVIEW))
    waiting = {"market": "chicago", "status": "awaiting_decision", "page_size": 2}

    seen: list[str] = []
    answer = await api.get("/api/v1/reviews", params=waiting, headers=ANA)
    while True:
        body = answer.json()
        assert (body["total"], body["page_size"]) == (5, 2)
        seen += [r["review_id"] for r in body["reviews"]]
        if body["next"] is None:
            break
        answer = await api.get(
            "/api/v1/reviews", params=waiting | {"after": body["next"]}, headers=ANA
        )

    assert seen == [f"review-INC-PAGE-{n:03}" for n in range(5)]
    assert body["counts"] == {"awaiting_decision": {"high": 5}, "in_review": {"high": 1}}


async def test_a_cursor_the_list_never_gave_out_is_422_naming_after(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/api/v1/reviews", params={"after": "bogus"}, headers=ANA)
    assert answer.status_code == 422
    assert answer.json()["errors"][0] == {
        "field": "after",
        "problem": "not a cursor this queue gave out",
    }


async def test_a_bad_filter_is_422(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/reviews", params={"tier": "urgent"}, headers=ANA)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "tier"


# --- people's requests --------------------------------------------------------------------------


async def test_claiming_a_review_someone_else_holds_is_409(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(f"/api/v1/reviews/{review['review_id']}/claim", headers=MARCO)
    assert answer.status_code == 409
    assert "claimed by ana" in answer.json()["error"]


async def test_an_intake_token_cannot_decide(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/decision", json=decision(review), headers=INTAKE
    )
    assert answer.status_code == 403


async def test_an_invalid_decision_is_422_with_the_reason_and_changes_nothing(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    url = f"/api/v1/reviews/{review['review_id']}"
    deviating = decision(review, action="no_action", suspension_days=None)
    answer = await api.post(f"{url}/decision", json=deviating, headers=ANA)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "justification"
    assert "needs a justification" in answer.json()["error"]
    after = (await api.get(url, headers=ANA)).json()
    assert after["decision"] is None and after["status"] == "in_review"


async def test_a_decision_missing_policy_refs_is_422_before_reaching_the_workflow(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/decision",
        json=decision(review, policy_refs=[]),
        headers=ANA,
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "policy_refs"


async def test_a_valid_decision_is_200_and_a_decided_review_takes_no_second(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    url = f"/api/v1/reviews/{review['review_id']}/decision"
    first = await api.post(url, json=decision(review), headers=ANA)
    assert first.status_code == 200
    assert first.json()["decision"]["reviewer"]["id"] == "ana"
    again = await api.post(url, json=decision(review), headers=ANA)
    assert again.status_code == 409


async def test_second_review_by_a_specialist_is_403_and_by_a_lead_is_200(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api, category="fraud", severity="high")
    url = f"/api/v1/reviews/{review['review_id']}"
    decided = await api.post(f"{url}/decision", json=decision(review), headers=ANA)
    assert decided.json()["status"] == ReviewStatus.AWAITING_SECOND_REVIEW
    approval = {"outcome": "approve", "comment": "Fare logs confirm it."}
    assert (await api.post(f"{url}/second-review", json=approval, headers=MARCO)).status_code == 403
    answer = await api.post(f"{url}/second-review", json=approval, headers=LUIS)
    assert answer.status_code == 200
    assert answer.json()["second_review"]["reviewer"]["id"] == "luis"


async def test_notes_are_added_by_any_person(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/notes",
        json={"text": "Called the rider."},
        headers=MARCO,
    )
    assert answer.status_code == 200
    assert answer.json()["notes"][-1]["author"]["id"] == "marco"


async def test_a_blank_note_is_422(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/notes", json={"text": "   "}, headers=ANA
    )
    assert answer.status_code == 422


async def test_more_information_sends_the_review_back_to_gathering(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/request-more-info",
        json={"reason": "Dashcam footage pending."},
        headers=ANA,
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "gathering_evidence"


async def test_more_information_from_someone_not_assigned_is_409(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/request-more-info",
        json={"reason": "Not mine to ask."},
        headers=MARCO,
    )
    assert answer.status_code == 409


async def test_escalation_puts_the_review_in_the_leads_queue(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/escalate",
        json={"reason": "Possible media attention."},
        headers=ANA,
    )
    assert answer.status_code == 200
    assert answer.json()["escalated"] is True


async def test_retry_actioning_when_nothing_is_blocked_is_409(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/retry-actioning",
        json={"reason": "Trying."},
        headers=LUIS,
    )
    assert answer.status_code == 409


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a page's forms carry."""
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


async def post_sign_in(
    api: httpx.AsyncClient, username: str, password: str = "demo", **fields: str
) -> httpx.Response:
    """Send the sign-in form as a person fills it in (with the page's CSRF token)."""
    token = csrf_of(await api.get("/sign-in"))
    data = {"username": username, "password": password, **fields, "csrf_token": token}
    return await api.post("/sign-in", data=data)


async def test_a_session_without_the_csrf_header_cannot_post(api: httpx.AsyncClient) -> None:
    signed_in = await post_sign_in(api, "ana")
    assert signed_in.status_code == 303
    token = csrf_of(await api.get("/queue"))  # signing in starts a new session and token
    review_id = await started(api)
    claim = f"/api/v1/reviews/{review_id}/claim"
    assert (await api.post(claim)).status_code == 403
    assert (await api.post(claim, headers={"X-CSRF-Token": token})).status_code == 200


async def test_healthz_is_200_when_temporal_is_reachable(api: httpx.AsyncClient) -> None:
    answer = await api.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "temporal": True}


async def test_the_openapi_document_and_offline_docs_are_served(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    assert "/api/v1/reviews/{review_id}/second-review" in spec["paths"]
    docs = await api.get("/docs")
    assert docs.status_code == 200 and "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert (await api.get("/static/swagger/swagger-ui-bundle.js")).status_code == 200
