"""The review page as a specialist and a lead work it: every problem of a form at once, nothing
typed lost to a language switch, a word after each action, the clock that is running, names
instead of ids, and only the forms a person may use."""

from __future__ import annotations

import re

import httpx

from review import actions
from review.models import ClaimRequest, EnforcementAction, Person, ReviewStatus
from tests.review_steps import LUIS, MARCO, following_recommendation, wait_for_status
from tests.test_web_pages import signed_in, started, ticked
from webapp.services import WebServices


def field_error(page: str, field: str) -> str | None:
    found = re.search(rf'id="error-{field}">([^<]+)<', page)
    return found.group(1) if found else None


async def claimed_by_marco(api: httpx.AsyncClient, services: WebServices) -> tuple[str, str]:
    """A review Marco (es-MX) has claimed through the page; his CSRF token and its id."""
    token = await signed_in(api, "marco")
    review_id = await started(services)
    await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})
    return token, review_id


async def deactivation_awaiting_second_review(services: WebServices, decider: Person) -> str:
    """A review ``decider`` claimed and decided to deactivate, awaiting a lead's second review."""
    review_id = await started(services)
    reviews = services.reviews
    await reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=decider))
    decision = following_recommendation(await reviews.state(review_id), decider).model_copy(
        update={
            "action": EnforcementAction.PERMANENT_DEACTIVATION,
            "suspension_days": None,
            "justification": "Pattern across markets.",
        }
    )
    await reviews.act(review_id, actions.DECIDE, decision)
    await wait_for_status(reviews, review_id, ReviewStatus.AWAITING_SECOND_REVIEW)
    return review_id


def deviating_action(recommended: EnforcementAction) -> str:
    return next(a for a in ("warning", "education") if a != recommended)


async def test_a_form_missing_several_fields_names_each_at_its_field_at_once(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token, review_id = await claimed_by_marco(api, web_services)

    refused = await api.post(
        f"/reviews/{review_id}/decision", data={"csrf_token": token, "action": "warning"}
    )

    assert refused.status_code == 422
    assert field_error(refused.text, "rationale") is not None
    assert field_error(refused.text, "policy_refs") is not None


async def test_every_rule_a_decision_breaks_is_named_at_its_field_at_once(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token, review_id = await claimed_by_marco(api, web_services)
    state = await web_services.reviews.state(review_id)
    assert state.recommendation is not None

    refused = await api.post(
        f"/reviews/{review_id}/decision",
        data={
            "csrf_token": token,
            "action": deviating_action(state.recommendation.action),
            "rationale": "Only one report.",
            "policy_refs": "CG-NOPE-9",
        },
    )

    assert refused.status_code == 422
    refs, justification = (field_error(refused.text, f) for f in ("policy_refs", "justification"))
    assert refs is not None and "CG-NOPE-9" in refs
    assert justification is not None and "necesita una justificación" in justification


async def test_a_refused_decision_survives_a_language_switch(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token, review_id = await claimed_by_marco(api, web_services)
    refused = await api.post(
        f"/reviews/{review_id}/decision",
        data={"csrf_token": token, "action": "warning", "rationale": "Only one report."},
    )
    assert refused.status_code == 422

    language_form = re.search(
        r'<form [^>]*action="/language"[^>]*>(.*?)</form>', refused.text, re.S
    )
    assert language_form is not None
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', language_form.group(1)))
    switched = await api.post("/language", data={**fields, "csrf_token": token})
    page = (await api.get(switched.headers["location"])).text

    assert '<option value="warning" selected>' in page
    assert "Only one report." in page
    assert ticked(page) == []


async def test_a_decision_taken_leaves_no_draft_behind(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token, review_id = await claimed_by_marco(api, web_services)
    await api.post(
        f"/reviews/{review_id}/decision",
        data={"csrf_token": token, "action": "warning", "rationale": "First try."},
    )
    state = await web_services.reviews.state(review_id)
    decision = following_recommendation(state, MARCO)
    form = {
        "csrf_token": token,
        "action": str(decision.action),
        "rationale": "Clear pattern in the trace.",
        "policy_refs": decision.policy_refs,
    }
    if decision.suspension_days:
        form["suspension_days"] = str(decision.suspension_days)

    sent = await api.post(f"/reviews/{review_id}/decision", data=form)

    assert sent.status_code == 303
    assert "First try." not in (await api.get(f"/reviews/{review_id}")).text


async def test_each_action_is_confirmed_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    review_id = await started(web_services)

    claimed = await api.post(
        f"/reviews/{review_id}/claim", data={"csrf_token": token}, follow_redirects=True
    )
    again = await api.get(f"/reviews/{review_id}")

    assert 'id="done">Tomaste esta revisión.<' in claimed.text
    assert 'id="done"' not in again.text  # said once


async def test_a_decided_review_counts_down_to_its_second_review_as_the_queue_does(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await deactivation_awaiting_second_review(web_services, MARCO)
    await signed_in(api, "luis")

    page = (await api.get(f"/reviews/{review_id}")).text

    sla = re.search(r'<div class="sla[^"]*" id="sla" data-stage="([^"]+)">(.*?)</div>', page, re.S)
    assert sla is not None and sla.group(1) == "second_review"
    assert "Segunda revisión" in sla.group(2) and "data-deadline" in sla.group(2)


async def test_a_lead_reads_the_message_the_decision_would_send_before_approving_it(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await deactivation_awaiting_second_review(web_services, MARCO)
    await signed_in(api, "luis")

    page = (await api.get(f"/reviews/{review_id}")).text

    second = re.search(r'id="second-review">(.*?)</section>', page, re.S)
    assert second is not None
    assert "Comentario (obligatorio, también para aprobar)" in second.group(1)
    # A Mexico City driver is heard first: the message this decision sends is the notice of
    # intent, and the preview says why.
    assert 'data-kind="notice_of_intent"' in second.group(1)
    assert "Antes de decidir: tenemos la intención de desactivar tu cuenta" in second.group(1)
    assert 'data-hint="hearing_first"' in second.group(1)
    assert "Decidida por <span" in page and "Marco Díaz" in page


async def test_the_lead_who_decided_is_offered_no_second_review_form(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await deactivation_awaiting_second_review(web_services, LUIS)
    await signed_in(api, "luis")

    page = (await api.get(f"/reviews/{review_id}")).text

    assert 'id="second-review"' not in page
    assert 'id="own-decision"' in page


async def test_a_specialist_sees_who_holds_a_review_and_no_form_that_would_be_refused(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await started(web_services)
    await web_services.reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=MARCO))
    await signed_in(api, "ana")

    page = (await api.get(f"/reviews/{review_id}")).text

    assert re.search(r'id="claimed-by">Tomada por Marco Díaz<', page)
    assert 'id="escalate"' not in page and 'id="decision-form"' not in page


async def test_the_preview_says_why_it_shows_no_message(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    _, review_id = await claimed_by_marco(api, web_services)

    no_refs = await api.get(f"/reviews/{review_id}/preview?action=warning&policy_refs=")
    no_days = await api.get(
        f"/reviews/{review_id}/preview?action=temporary_suspension&suspension_days="
    )

    assert 'data-hint="needs_guideline"' in no_refs.text and "<article" not in no_refs.text
    assert 'data-hint="needs_days"' in no_days.text and "<article" not in no_days.text


async def test_the_preview_names_the_recipient_in_words(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    _, review_id = await claimed_by_marco(api, web_services)
    state = await web_services.reviews.state(review_id)
    refs = ",".join(state.recommendation.guideline_refs)  # type: ignore[union-attr]

    shown = await api.get(f"/reviews/{review_id}/preview?action=warning&policy_refs={refs}")

    meta = re.search(r'<p class="meta">(.*?)</p>', shown.text, re.S)
    assert meta is not None
    assert "conductor" in meta.group(1) and "español (México)" in meta.group(1)
    assert " driver " not in meta.group(1) and "es-MX" not in meta.group(1)


async def test_the_incident_card_names_the_language_and_the_intake_source_in_words(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")
    review_id = await started(web_services)

    page = (await api.get(f"/reviews/{review_id}")).text

    card = re.search(r'id="incident">(.*?)</section>', page, re.S)
    assert card is not None
    assert "español (México)" in card.group(1) and "· es-MX" not in card.group(1)
