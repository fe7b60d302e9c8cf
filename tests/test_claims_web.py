"""Claims from the web app and the API: the lease on the page, release, a lead's hold and
reassignment, and "take the next review", routed by skills and never the same review twice."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.test_web_api import ANA, LUIS, MARCO, claimed, started
from tests.test_web_pages import signed_in

ELENA = {"Authorization": "Bearer demo-elena-token"}


async def test_a_claim_answers_with_its_lease(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    assert review["lease_minutes"] == 30 and review["lease_until"] is not None


async def test_the_assignee_extends_their_claim(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    extended = await api.post(f"/api/v1/reviews/{review['review_id']}/extend-claim", headers=ANA)
    assert extended.status_code == 200
    assert extended.json()["lease_until"] >= review["lease_until"]


async def test_released_review_is_back_in_the_queue_unclaimed(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    released = await api.post(f"/api/v1/reviews/{review['review_id']}/release", headers=ANA)
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["assignee"]) == ("awaiting_decision", None)
    queue = await api.get("/api/v1/reviews", params={"status": "awaiting_decision"}, headers=ANA)
    assert review["review_id"] in [r["review_id"] for r in queue.json()["reviews"]]


async def test_another_specialist_cannot_release_a_claim_and_is_told_why(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    refused = await api.post(f"/api/v1/reviews/{review['review_id']}/release", headers=MARCO)
    assert refused.status_code == 403
    assert "claimed by ana; only they or a lead can release it" in refused.json()["error"]


async def test_a_lead_holds_a_claim_and_reassigns_a_review(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    path = f"/api/v1/reviews/{review['review_id']}"
    held = await api.post(f"{path}/hold", headers=LUIS)
    assert held.status_code == 200
    assert (held.json()["lease_held_by"]["id"], held.json()["lease_until"]) == ("luis", None)

    given = await api.post(f"{path}/reassign", json={"to": "marco"}, headers=LUIS)

    assert given.status_code == 200
    body = given.json()
    assert (body["assignee"]["id"], body["lease_held_by"]) == ("marco", None)
    assert body["timeline"][-1]["event"] == "reassigned"


async def test_a_review_reassigned_to_nobody_the_directory_knows_is_422_naming_to(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/reassign", json={"to": "nobody"}, headers=LUIS
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "to"
    assert "no such person" in answer.json()["errors"][0]["problem"]


async def test_a_review_reassigned_to_someone_who_cannot_decide_is_422(
    api: httpx.AsyncClient,
) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/reassign", json={"to": "sofia"}, headers=LUIS
    )
    assert answer.status_code == 422
    assert "sofia is a qa; only a specialist or a lead can take it" in answer.json()["error"]


async def test_a_specialist_cannot_reassign(api: httpx.AsyncClient) -> None:
    review = await claimed(api)
    answer = await api.post(
        f"/api/v1/reviews/{review['review_id']}/reassign", json={"to": "marco"}, headers=ANA
    )
    assert answer.status_code == 403


async def test_next_review_claims_the_most_urgent_one_the_person_can_work(
    api: httpx.AsyncClient,
) -> None:
    standard = await started(api, category="fraud", severity="low")
    critical = await started(api, category="weapons", severity="high")
    answer = await api.post("/api/v1/queue/next", headers=ANA)
    assert answer.status_code == 200
    assert (answer.json()["review_id"], answer.json()["assignee"]["id"]) == (critical, "ana")
    again = await api.post("/api/v1/queue/next", headers=ANA)
    assert again.json()["review_id"] == standard


async def test_two_people_asking_at_once_never_get_the_same_review(
    api: httpx.AsyncClient,
) -> None:
    first, second = await started(api), await started(api)
    answers = await asyncio.gather(
        api.post("/api/v1/queue/next", headers=ANA), api.post("/api/v1/queue/next", headers=LUIS)
    )
    got = sorted(a.json()["review_id"] for a in answers)
    assert got == sorted([first, second])
    assert {a.json()["assignee"]["id"] for a in answers} == {"ana", "luis"}


async def test_next_review_routes_by_language_skills(api: httpx.AsyncClient) -> None:
    spanish = await started(api, account={"locale": "es-MX"})
    # elena reads English only: the Spanish-speaking account is not hers to take.
    nothing = await api.post("/api/v1/queue/next", headers=ELENA)
    assert nothing.status_code == 204
    taken = await api.post("/api/v1/queue/next", headers=MARCO)
    assert taken.json()["review_id"] == spanish


async def test_next_review_with_nothing_left_is_204(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/queue/next", headers=ANA)).status_code == 204


async def test_qa_may_not_take_the_next_review_and_is_told_why(api: httpx.AsyncClient) -> None:
    csrf = await signed_in(api, "sofia")
    answer = await api.post("/queue/next", data={"csrf_token": csrf})
    assert answer.status_code == 403
    assert "people with the QA role may not claim reviews" in answer.text
    assert 'id="claim-next"' not in (await api.get("/queue")).text


# --- the pages ----------------------------------------------------------------------------------


def form_fields(page: str, form_action: str) -> dict[str, str]:
    """The hidden fields of the form that posts to ``form_action``, as the page has them."""
    found = re.search(
        rf'<form method="post" action="{re.escape(form_action)}"(.*?)</form>', page, re.S
    )
    assert found is not None, f"no form posting to {form_action}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1)))


async def test_the_page_shows_the_assignee_their_lease_and_releases_it(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api, "ana")
    review_id = (await claimed(api))["review_id"]
    page = (await api.get(f"/reviews/{review_id}")).text
    assert "Tú tienes esta revisión." in page and 'id="lease-until"' in page
    assert "Sigue siendo tuya hasta" in page

    action = f"/reviews/{review_id}/release"
    answer = await api.post(action, data=form_fields(page, action))

    assert answer.status_code == 303
    page = (await api.get(f"/reviews/{review_id}")).text
    assert "Liberaste esta revisión: volvió a la cola." in page
    assert 'id="claim"' in page


async def test_the_reassign_form_sent_as_it_stands_says_to_choose_a_person(
    api: httpx.AsyncClient,
) -> None:
    review_id = (await claimed(api))["review_id"]
    await signed_in(api, "luis")
    page = (await api.get(f"/reviews/{review_id}")).text
    action = f"/reviews/{review_id}/reassign"

    answer = await api.post(action, data=form_fields(page, action) | {"to": ""})

    assert answer.status_code == 422
    assert 'id="error-to"' in answer.text
    assert "Dar esta revisión a" in answer.text


async def test_a_lead_reassigns_from_the_page(api: httpx.AsyncClient) -> None:
    review_id = (await claimed(api))["review_id"]
    await signed_in(api, "luis")
    page = (await api.get(f"/reviews/{review_id}")).text
    assert '<option value="marco">Marco Díaz</option>' in page
    assert '<option value="ana">' not in page  # she holds it already
    action = f"/reviews/{review_id}/reassign"

    answer = await api.post(action, data=form_fields(page, action) | {"to": "marco"})

    assert answer.status_code == 303
    page = (await api.get(f"/reviews/{review_id}")).text
    assert "Revisión reasignada." in page
    assert re.search(r'id="claimed-by">Tomada por Marco Díaz<', page)


async def test_take_the_next_review_opens_it_or_says_there_is_none(
    api: httpx.AsyncClient,
) -> None:
    csrf = await signed_in(api, "ana")
    none = await api.post("/queue/next", data={"csrf_token": csrf})
    assert none.status_code == 303 and none.headers["location"] == "/queue"
    assert "Ahora no hay ninguna revisión sin tomar" in (await api.get("/queue")).text

    review_id = await started(api)
    taken = await api.post("/queue/next", data={"csrf_token": csrf})
    assert taken.headers["location"] == f"/reviews/{review_id}"
    assert "Tomaste esta revisión." in (await api.get(taken.headers["location"])).text
