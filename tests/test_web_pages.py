"""The server-rendered pages over HTTP: signing in, forms, language, errors."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from review import actions
from review.models import (
    ClaimRequest,
    EnforcementAction,
    EscalationRequest,
    ReviewStatus,
    SecondReviewRequest,
    SlaTier,
)
from review.sla import SlaTarget
from tests.conftest import WorkerFactory, review_request
from tests.review_steps import (
    LUIS,
    MARCO,
    claim_and_decide,
    following_recommendation,
    queued,
    wait_for_status,
)
from tests.test_web_api import csrf_of, post_sign_in
from webapp.app import create_app
from webapp.pages import QUEUE_PAGE_SIZE, time_left
from webapp.people import load_directory
from webapp.services import WebServices
from webapp.settings import DEMO_PEOPLE_FILE, WebSettings
from workflows.client import ReviewClient


async def signed_in(api: httpx.AsyncClient, username: str) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    answer = await post_sign_in(api, username)
    assert answer.status_code == 303
    return csrf_of(await api.get("/queue"))


async def started(services: WebServices) -> str:
    review = await services.reviews.start(review_request())
    await wait_for_status(services.reviews, review.review_id, ReviewStatus.AWAITING_DECISION)
    return review.review_id


async def test_an_anonymous_visitor_is_sent_to_sign_in(api: httpx.AsyncClient) -> None:
    answer = await api.get("/queue")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/queue"


async def test_a_wrong_password_is_refused_in_plain_words(api: httpx.AsyncClient) -> None:
    answer = await post_sign_in(api, "ana", "nope")
    assert answer.status_code == 401
    assert "That username and password do not match." in answer.text


async def test_signing_in_without_the_form_token_is_refused(api: httpx.AsyncClient) -> None:
    await api.get("/sign-in")
    answer = await api.post("/sign-in", data={"username": "ana", "password": "demo"})
    assert answer.status_code == 403
    assert "this form has expired" in answer.text


async def test_the_session_cookie_is_signed_and_http_only(api: httpx.AsyncClient) -> None:
    answer = await post_sign_in(api, "ana")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("dr_session=") and "httponly" in cookie.lower()
    assert "ana" not in cookie.split(";")[0]  # the value is signed data, not a readable name


async def test_sign_in_never_redirects_off_site(api: httpx.AsyncClient) -> None:
    answer = await post_sign_in(api, "ana", next="//evil.example/")
    assert answer.headers["location"] == "/queue"


async def test_the_queue_speaks_the_persons_language_and_switches(api: httpx.AsyncClient) -> None:
    token = await signed_in(api, "ana")  # Ana's profile says es-MX
    assert "Revisiones abiertas" in (await api.get("/queue")).text
    await api.post("/language", data={"locale": "en", "csrf_token": token, "back": "/queue"})
    assert "Open reviews" in (await api.get("/queue")).text


async def test_a_form_without_its_csrf_token_changes_nothing(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "ana")
    review_id = await started(web_services)
    answer = await api.post(f"/reviews/{review_id}/claim", data={})
    assert answer.status_code == 403
    assert (await web_services.reviews.state(review_id)).assignee is None


async def test_claiming_from_a_form_assigns_the_review(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    review_id = await started(web_services)
    answer = await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})
    assert answer.status_code == 303
    state = await web_services.reviews.state(review_id)
    assert state.assignee is not None and state.assignee.id == "marco"


async def test_a_specialist_sees_no_second_review_form(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "ana")
    review_id = await started(web_services)
    page = await api.get(f"/reviews/{review_id}")
    assert page.status_code == 200
    assert 'id="second-review"' not in page.text


async def test_qa_cannot_claim_and_is_told_why(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "sofia")
    review_id = await started(web_services)
    answer = await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})
    assert answer.status_code == 403
    assert "people with the QA role may not claim reviews" in answer.text


async def test_a_claim_someone_else_holds_is_refused_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await started(web_services)
    await web_services.reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=MARCO))
    token = await signed_in(api, "ana")

    answer = await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})

    assert answer.status_code == 409
    assert "esta revisión la tomó Marco Díaz" in answer.text
    assert "claimed by" not in answer.text


async def test_an_unknown_review_is_a_plain_404_page(api: httpx.AsyncClient) -> None:
    await signed_in(api, "ana")
    answer = await api.get("/reviews/review-INC-missing")
    assert answer.status_code == 404
    assert "no review with id review-INC-missing" in answer.text
    assert "Traceback" not in answer.text


async def test_a_trusted_sso_header_signs_the_person_in(web_services: WebServices) -> None:
    web_services.settings = WebSettings(
        demo_mode=True, secret_key="k", trusted_user_header="X-Forwarded-User"
    )
    transport = httpx.ASGITransport(app=create_app(web_services))
    async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as client:
        page = await client.get("/queue", headers={"X-Forwarded-User": "luis"})
        assert page.status_code == 200 and "Luis Herrera" in page.text
        stranger = await client.get("/queue", headers={"X-Forwarded-User": "mallory"})
        assert stranger.status_code == 303


async def test_a_note_form_sent_twice_as_it_stands_adds_one_note(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    review_id = await started(web_services)
    page = (await api.get(f"/reviews/{review_id}")).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key is not None
    form = {"csrf_token": token, "idempotency_key": key.group(1), "text": "Called the rider."}

    first = await api.post(f"/reviews/{review_id}/notes", data=form)
    again = await api.post(f"/reviews/{review_id}/notes", data=form)  # e.g. after a lost answer

    assert (first.status_code, again.status_code) == (303, 303)
    notes = (await web_services.reviews.state(review_id)).notes
    assert [n.text for n in notes] == ["Called the rider."]


async def test_each_rendering_of_a_review_gives_its_forms_a_fresh_key(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")
    review_id = await started(web_services)
    pattern = r'name="idempotency_key" value="([^"]+)"'

    first = set(re.findall(pattern, (await api.get(f"/reviews/{review_id}")).text))
    second = set(re.findall(pattern, (await api.get(f"/reviews/{review_id}")).text))

    assert len(first) == 1 and len(second) == 1 and first != second


async def test_the_queue_filter_form_sent_as_it_stands_shows_every_open_review(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")
    review_id = await started(web_services)

    answer = await api.get("/queue?tier=&category=&market=&status=")

    assert answer.status_code == 200
    assert review_id in answer.text


async def test_only_mine_sent_with_the_other_filters_empty_shows_my_reviews(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    mine, other = await started(web_services), await started(web_services)
    await api.post(f"/reviews/{mine}/claim", data={"csrf_token": token})
    await wait_for_status(web_services.reviews, mine, ReviewStatus.IN_REVIEW)

    answer = await api.get("/queue?tier=&category=&market=&status=&mine=true")

    assert answer.status_code == 200
    assert mine in answer.text and other not in answer.text


async def test_a_filter_value_that_is_not_a_choice_is_refused_in_the_persons_language(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api, "marco")  # es-MX

    answer = await api.get("/queue?tier=urgentish")

    assert answer.status_code == 422
    assert "no es una de las opciones (urgentish)" in answer.text
    assert "Input should be" not in answer.text


def test_a_deadline_just_passed_reads_minus_one_minute_not_minus_zero() -> None:
    now = datetime(2026, 12, 1, 12, 0, 20, tzinfo=UTC)

    assert time_left(now.replace(second=0), now) == "-1 min"
    assert time_left(now.replace(minute=1, second=0), now) == "0 min"


async def test_switching_language_after_a_refused_form_returns_to_the_review(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    review_id = await started(web_services)
    await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})
    refused = await api.post(
        f"/reviews/{review_id}/decision", data={"csrf_token": token, "action": "warning"}
    )
    assert refused.status_code == 422
    back = re.search(r'name="back" value="([^"]+)"', refused.text)
    assert back is not None

    switched = await api.post(
        "/language", data={"csrf_token": token, "locale": "en", "back": back.group(1)}
    )
    shown = await api.get(switched.headers["location"])

    assert switched.headers["location"] == f"/reviews/{review_id}"
    assert shown.status_code == 200 and review_id in shown.text


async def test_switching_language_keeps_the_queue_filters(api: httpx.AsyncClient) -> None:
    await signed_in(api, "marco")

    page = (await api.get("/queue?tier=critical&status=")).text
    back = re.search(r'name="back" value="([^"]+)"', page)

    assert (
        back is not None and back.group(1).replace("&amp;", "&") == "/queue?tier=critical&status="
    )


def ticked(page: str) -> list[str]:
    """The guideline boxes ticked on a review page."""
    return re.findall(r'name="policy_refs" value="([^"]+)" checked', page)


async def test_a_refused_decision_comes_back_exactly_as_submitted_with_the_reason_at_the_field(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    review_id = await started(web_services)
    await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})
    recommended = ticked((await api.get(f"/reviews/{review_id}")).text)
    assert recommended  # the recommendation ticks its guidelines

    refused = await api.post(
        f"/reviews/{review_id}/decision",
        data={"csrf_token": token, "action": "warning", "rationale": "Only one report."},
    )

    assert refused.status_code == 422
    assert ticked(refused.text) == []  # unticked stays unticked
    assert '<option value="warning" selected>' in refused.text
    assert "Only one report." in refused.text
    field_error = re.search(r'id="error-policy_refs">([^<]+)<', refused.text)
    assert field_error is not None and field_error.group(1) == "Guías citadas: elige al menos 1"


async def test_a_decision_the_review_refuses_is_explained_at_the_field_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")
    review_id = await started(web_services)
    await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})
    state = await web_services.reviews.state(review_id)
    assert state.recommendation is not None
    other = next(a for a in ("warning", "education") if a != state.recommendation.action)

    refused = await api.post(
        f"/reviews/{review_id}/decision",
        data={
            "csrf_token": token,
            "action": other,
            "rationale": "Only one report.",
            "policy_refs": state.recommendation.guideline_refs,
        },
    )

    assert refused.status_code == 422
    field_error = re.search(r'id="error-justification">([^<]+)<', refused.text)
    assert field_error is not None
    assert "la matriz recomienda" in field_error.group(1)
    assert "una decisión distinta necesita una justificación" in field_error.group(1)
    assert "_" not in field_error.group(1)  # no action code such as temporary_suspension


async def test_a_review_returned_by_a_lead_reopens_with_the_previous_decision_and_the_comment(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await started(web_services)
    state = await web_services.reviews.state(review_id)
    await web_services.reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=MARCO))
    decision = following_recommendation(state, MARCO).model_copy(
        update={
            "action": EnforcementAction.PERMANENT_DEACTIVATION,
            "suspension_days": None,
            "policy_refs": state.recommendation.guideline_refs[:1],  # type: ignore[union-attr]
            "rationale": "Third report this month.",
            "justification": "Pattern across markets.",
        }
    )
    await web_services.reviews.act(review_id, actions.DECIDE, decision)
    await web_services.reviews.act(
        review_id,
        actions.SECOND_REVIEW,
        SecondReviewRequest(reviewer=LUIS, outcome="return", comment="Check the dashcam first."),
    )
    await signed_in(api, "marco")

    page = (await api.get(f"/reviews/{review_id}")).text

    assert '<option value="permanent_deactivation" selected>' in page
    assert ticked(page) == decision.policy_refs
    assert "Third report this month." in page and "Pattern across markets." in page
    banner = re.search(r'id="returned">(.*?)</div>', page, re.S)
    assert banner is not None
    assert "Luis Herrera" in banner.group(1) and "Check the dashcam first." in banner.group(1)


async def decided_by_luis_deviating(services: WebServices) -> str:
    """A review luis (a lead) claimed and decided against the matrix: it needs a second lead."""
    review_id = await started(services)
    state = await services.reviews.state(review_id)
    await services.reviews.act(review_id, actions.CLAIM, ClaimRequest(reviewer=LUIS))
    decision = following_recommendation(state, LUIS).model_copy(
        update={
            "action": EnforcementAction.EDUCATION,
            "suspension_days": None,
            "justification": "First report in five years of trips.",
        }
    )
    await services.reviews.act(review_id, actions.DECIDE, decision)
    await wait_for_status(services.reviews, review_id, ReviewStatus.AWAITING_SECOND_REVIEW)
    return review_id


async def test_the_demo_has_a_second_lead_who_can_second_review_a_leads_decision(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await decided_by_luis_deviating(web_services)
    token = await signed_in(api, "elena")

    queue = (await api.get("/leads")).text
    answer = await api.post(
        f"/reviews/{review_id}/second-review",
        data={"csrf_token": token, "outcome": "approve", "comment": "Agreed: education."},
    )

    assert review_id in queue and f"no-second-reviewer-{review_id}" not in queue
    assert answer.status_code == 303
    state = await web_services.reviews.state(review_id)
    assert state.second_review is not None and state.second_review.reviewer.id == "elena"


async def test_the_leads_queue_says_when_no_other_lead_can_take_a_second_review(
    web_services: WebServices, tmp_path: Path
) -> None:
    people = tmp_path / "people.toml"  # the demo people without the second lead
    blocks = DEMO_PEOPLE_FILE.read_text().split("\n\n")
    people.write_text("\n\n".join(b for b in blocks if "elena" not in b))
    alone = dataclasses.replace(web_services, people=load_directory(people, demo_mode=True))
    review_id = await decided_by_luis_deviating(alone)
    transport = httpx.ASGITransport(app=create_app(alone))
    async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as client:
        await signed_in(client, "luis")  # es-MX
        queue = (await client.get("/leads")).text

    badge = re.search(rf'id="no-second-reviewer-{review_id}">([^<]+)<', queue)
    assert badge is not None and badge.group(1).startswith("Ningún otro líder puede")


async def test_a_failed_sign_in_keeps_the_username_typed(api: httpx.AsyncClient) -> None:
    answer = await post_sign_in(api, "marco", "wrong")

    assert answer.status_code == 401
    assert 'name="username" autocomplete="username" required value="marco"' in answer.text


async def test_the_sign_in_page_switches_language_and_stays_on_sign_in(
    api: httpx.AsyncClient,
) -> None:
    page = await api.get("/sign-in?next=/leads")
    token = csrf_of(page)
    form = re.search(r'id="sign-in-language">(.*?)</form>', page.text, re.S)
    assert form is not None
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))

    switched = await api.post("/language", data={**fields, "csrf_token": token})
    shown = await api.get(switched.headers["location"])

    assert switched.headers["location"] == "/sign-in?next=/leads"
    assert "<h1>Iniciar sesión</h1>" in shown.text


async def test_an_operator_retries_blocked_actioning_from_the_review_page(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    web_services: WebServices,
    demo_platform_url: str,
) -> None:
    blocked = blocked_review(dev_env, review_worker, web_services, demo_platform_url)
    async with blocked as (client, reviews, review_id):
        token = await signed_in(client, "olga")
        page = (await client.get(f"/reviews/{review_id}")).text
        key = re.search(r'retry-actioning">.*?name="idempotency_key" value="([^"]+)"', page, re.S)
        answer = await client.post(
            f"/reviews/{review_id}/retry-actioning",
            data={
                "csrf_token": token,
                "reason": "Fixed the URL.",
                "idempotency_key": key.group(1) if key else "",
            },
        )
        retried = await reviews.state(review_id)

    assert 'id="retry-actioning"' in page
    assert "account change: the account status service answered with HTTP error 404" in page
    assert answer.status_code == 303
    assert [e.actor for e in retried.timeline if e.event == "actioning_retried"] == ["olga"]


async def test_tier_labels_say_the_decision_time_the_policy_file_sets(
    web_services: WebServices,
) -> None:
    policy = web_services.policy
    sla = policy.matrix.sla
    faster = sla.model_copy(
        update={"tiers": {**sla.tiers, SlaTier.CRITICAL: SlaTarget(decision_hours=2)}}
    )
    matrix = policy.matrix.model_copy(update={"sla": faster})
    services = dataclasses.replace(
        web_services, policy=policy.model_copy(update={"matrix": matrix})
    )
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as client:
        await signed_in(client, "sofia")  # en
        queue = (await client.get("/queue")).text

    assert '<option value="critical" >Critical (2 h)</option>' in queue
    assert "Critical (4 h)" not in queue


async def test_a_decision_awaiting_a_second_review_counts_down_to_the_second_reviews_deadline(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await decided_by_luis_deviating(web_services)
    state = await web_services.reviews.state(review_id)
    (second_review,) = state.stage_clocks
    await signed_in(api, "elena")

    leads = (await api.get("/leads")).text
    row = re.search(rf'<tr [^>]*data-review="{review_id}">(.*?)</tr>', leads, re.S)

    assert row is not None
    assert second_review.stage == "second_review"
    assert f'data-deadline="{second_review.deadline.isoformat()}"' in row.group(1)
    assert state.sla.deadline.isoformat() not in row.group(1)


async def test_a_decided_review_with_no_stage_open_shows_decided_in_time(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    web_services: WebServices,
    demo_platform_url: str,
) -> None:
    blocked = blocked_review(dev_env, review_worker, web_services, demo_platform_url)
    async with blocked as (client, _, review_id):  # blocked in actioning, escalated
        await signed_in(client, "sofia")  # en
        for _ in range(50):  # visibility catches up within moments
            leads = (await client.get("/leads")).text
            if review_id in leads:
                break
            await asyncio.sleep(0.1)

    row = re.search(rf'<tr [^>]*data-review="{review_id}">(.*?)</tr>', leads, re.S)
    assert row is not None
    assert "data-deadline" not in row.group(1) and "Decided in time" in row.group(1)


async def test_guideline_boxes_show_each_clause_title_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")  # es-MX
    review_id = await started(web_services)
    await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})

    page = (await api.get(f"/reviews/{review_id}")).text

    assert (
        "<code>CG-DRIVING-2</code> Maneja con seguridad y respeta el reglamento de tránsito" in page
    )


async def test_review_times_show_in_the_markets_zone_named_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")  # es-MX; the demo review is in mexico-city
    review_id = await started(web_services)
    state = await web_services.reviews.state(review_id)

    page = (await api.get(f"/reviews/{review_id}")).text

    reported = state.request.reported_at.astimezone(UTC)
    shown = re.search(
        rf'<time datetime="{re.escape(reported.isoformat())}" title="([^"]+)">([^<]+)</time>',
        page,
    )
    assert shown is not None
    assert shown.group(1) == reported.strftime("%Y-%m-%d %H:%M UTC")
    assert shown.group(2) == "23 nov 2026, 10:00 hora estándar central"  # 16:00 UTC
    assert "Z</" not in page and "+00:00</" not in page


async def test_the_queue_names_markets_and_the_header_the_role_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")  # es-MX
    review_id = await started(web_services)  # mexico-city

    queue = (await api.get("/queue")).text
    row = re.search(rf'<tr [^>]*data-review="{review_id}">(.*?)</tr>', queue, re.S)

    assert row is not None and "<td>Ciudad de México</td>" in row.group(1)
    assert "(especialista)" in queue and "(specialist)" not in queue


async def test_a_form_problem_is_told_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    token = await signed_in(api, "marco")  # es-MX
    review_id = await started(web_services)
    await api.post(f"/reviews/{review_id}/claim", data={"csrf_token": token})

    refused = await api.post(
        f"/reviews/{review_id}/decision",
        data={"csrf_token": token, "action": "warning", "policy_refs": "CG-DRIVING-2"},
    )

    assert refused.status_code == 422
    assert "Fundamento: este campo es obligatorio" in refused.text
    assert "Field required" not in refused.text


@asynccontextmanager
async def blocked_review(
    env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    web_services: WebServices,
    demo_platform_url: str,
) -> AsyncIterator[tuple[httpx.AsyncClient, ReviewClient, str]]:
    """A decided review whose account change the account service refuses (HTTP 404), so its
    actioning is blocked and escalated; with a web app client for its worker's queue."""
    broken = review_worker(env.client, accounts_url=f"{demo_platform_url}/no-such-service")
    async with broken as worker:
        reviews = ReviewClient(
            env.client, worker.task_queue, read_model=web_services.reviews.read_model
        )
        review_id = (await reviews.start(review_request())).review_id
        await claim_and_decide(reviews, review_id)
        for _ in range(100):
            if (await reviews.state(review_id)).actioning_blocked:
                break
            await asyncio.sleep(0.1)
        services = dataclasses.replace(web_services, reviews=reviews)
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://webapp") as client:
            yield client, reviews, review_id


async def test_why_actioning_is_blocked_reads_in_the_persons_language(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    web_services: WebServices,
    demo_platform_url: str,
) -> None:
    blocked = blocked_review(dev_env, review_worker, web_services, demo_platform_url)
    async with blocked as (client, _, review_id):
        await signed_in(client, "luis")  # es-MX
        page = (await client.get(f"/reviews/{review_id}")).text

    panel = re.search(r'id="actioning-blocked">(.*?)</section>', page, re.S)
    assert panel is not None
    said = "cambio en la cuenta: el servicio de estado de cuentas respondió con el error HTTP 404"
    assert said in panel.group(1)
    assert "answered" not in page


async def test_the_timeline_reads_in_the_persons_language_not_in_codes(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")  # es-MX
    review_id = await started(web_services)

    page = (await api.get(f"/reviews/{review_id}")).text
    timeline = re.search(r'id="timeline">(.*?)</section>', page, re.S)

    assert timeline is not None
    entries = timeline.group(1)
    assert (
        "<strong>recibida</strong>" in entries and "<strong>evidencia reunida</strong>" in entries
    )
    assert "evidence_gathered" not in entries and "gathering_evidence" not in entries
    assert "— Manejo peligroso (alta) desde" in entries  # the intake detail, in words


async def test_messages_sent_say_the_kind_recipient_and_language_in_words(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await started(web_services)
    await claim_and_decide(web_services.reviews, review_id)
    await wait_for_status(web_services.reviews, review_id, ReviewStatus.CLOSED)
    await signed_in(api, "marco")  # es-MX

    page = (await api.get(f"/reviews/{review_id}")).text

    assert "<strong>Aviso del resultado</strong>" in page
    assert "outcome_notice" not in page


# --- queues, error pages and signing in, as a QA walkthrough found them ------------------------


def select_options(page: str, name: str) -> dict[str, str]:
    """A filter's choices on a page: value to shown text."""
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    assert select is not None, f"no {name} filter"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select.group(1)))


def table_row(page: str, review_id: str) -> str:
    """The queue row of a review."""
    row = re.search(rf'<tr [^>]*data-review="{review_id}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for {review_id}"
    return row.group(1)


async def leads_queue_with(client: httpx.AsyncClient, review_id: str) -> str:
    """The leads' queue once it lists ``review_id`` (visibility catches up within moments)."""
    for _ in range(100):
        leads = (await client.get("/leads")).text
        if review_id in leads:
            return leads
        await asyncio.sleep(0.1)
    raise AssertionError(f"{review_id} never reached the leads' queue")


async def test_the_queue_market_filter_offers_every_configured_market_in_the_persons_language(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    await signed_in(api, "marco")  # es-MX
    markets = web_services.renderer.markets

    # A filter nothing matches still offers every market, not only those in the results.
    queue = (await api.get("/queue", params={"market": "new-york", "status": "in_review"})).text

    assert select_options(queue, "market") == {
        "": "Cualquiera",
        **{slug: markets.name(slug, "es-MX") for slug in markets.root},
    }
    assert '<option value="new-york" selected>Nueva York</option>' in queue


async def test_the_leads_queue_names_its_person_column_for_who_decided(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await decided_by_luis_deviating(web_services)
    await signed_in(api, "elena")  # en

    leads = await leads_queue_with(api, review_id)

    header = re.search(r"<thead>(.*?)</thead>", leads, re.S)
    assert header is not None
    assert "<th>Decided by</th>" in header.group(1) and "Assignee" not in header.group(1)
    assert "<td>luis</td>" in table_row(leads, review_id)


async def test_an_escalated_review_in_the_leads_queue_says_why_in_the_persons_language(
    dev_env: WorkflowEnvironment,
    review_worker: WorkerFactory,
    web_services: WebServices,
    demo_platform_url: str,
) -> None:
    blocked = blocked_review(dev_env, review_worker, web_services, demo_platform_url)
    async with blocked as (client, _, review_id):  # actioning blocked, so escalated
        await signed_in(client, "luis")  # es-MX
        leads = await leads_queue_with(client, review_id)

    reasons = re.search(r'class="escalation-reasons">(.*?)</ul>', table_row(leads, review_id), re.S)
    assert reasons is not None
    said = "cambio en la cuenta: el servicio de estado de cuentas respondió con el error HTTP 404"
    assert f"ejecución bloqueada: {said}" in reasons.group(1)
    assert "actioning blocked" not in reasons.group(1)


async def test_a_reason_a_person_gave_for_escalating_shows_in_the_leads_queue_as_written(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    review_id = await started(web_services)
    await web_services.reviews.act(
        review_id,
        actions.ESCALATE,
        EscalationRequest(reviewer=MARCO, reason="Threats against the rider <b>again</b>."),
    )
    await signed_in(api, "luis")  # es-MX

    leads = await leads_queue_with(api, review_id)

    reasons = re.search(r'class="escalation-reasons">(.*?)</ul>', table_row(leads, review_id), re.S)
    assert reasons is not None
    assert "Threats against the rider &lt;b&gt;again&lt;/b&gt;." in reasons.group(1)
    assert "marco" in reasons.group(1)


async def test_a_page_a_role_may_not_open_says_so_in_the_persons_language(
    api: httpx.AsyncClient,
) -> None:
    token = await signed_in(api, "sofia")  # en, switches her pages to Spanish
    await api.post("/language", data={"locale": "es-MX", "csrf_token": token, "back": "/queue"})

    page = await api.get("/access-log")

    assert page.status_code == 403
    assert "<h1>No tienes permiso</h1>" in page.text
    assert "Tu rol (calidad) no te permite leer el registro de accesos." in page.text
    assert "Algo salió mal" not in page.text and "may not" not in page.text


async def test_an_operator_is_told_in_english_that_case_records_are_not_for_their_role(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api, "olga")  # en

    page = await api.get("/records")

    assert page.status_code == 403
    assert "<h1>You do not have access</h1>" in page.text
    assert "Your role (operator) does not let you read case records and their reports." in (
        page.text
    )
    assert "Something went wrong" not in page.text


async def test_a_page_not_found_is_titled_so_in_the_persons_language(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api, "ana")  # es-MX

    page = await api.get("/reviews/review-INC-missing")

    assert page.status_code == 404
    assert "<h1>No se encontró</h1>" in page.text
    assert "No hay nada en esta dirección" in page.text
    assert "Algo salió mal" not in page.text


async def test_the_sign_in_form_leaves_checking_its_fields_to_the_server(
    api: httpx.AsyncClient,
) -> None:
    page = (await api.get("/sign-in")).text

    # A browser's own message would be in the browser's language, not the page's.
    assert re.search(r'<form method="post" action="/sign-in" novalidate>', page)


async def test_signing_in_without_a_password_says_so_at_the_field_in_the_pages_language(
    api: httpx.AsyncClient,
) -> None:
    page = await api.get("/sign-in")
    await api.post(
        "/language", data={"locale": "es-MX", "csrf_token": csrf_of(page), "back": "/sign-in"}
    )

    answer = await api.post(
        "/sign-in",
        data={"csrf_token": csrf_of(await api.get("/sign-in")), "username": "ana", "password": ""},
    )

    assert answer.status_code == 422
    error = re.search(r'id="error-password"[^>]*>([^<]+)<', answer.text)
    assert error is not None and error.group(1) == "Escribe tu contraseña."
    assert 'aria-describedby="error-password"' in answer.text
    assert 'value="ana"' in answer.text  # the username stays typed
    assert 'id="error-username"' not in answer.text


async def test_signing_in_with_nothing_typed_asks_for_the_username(
    api: httpx.AsyncClient,
) -> None:
    token = csrf_of(await api.get("/sign-in"))

    answer = await api.post("/sign-in", data={"csrf_token": token, "username": " ", "password": ""})

    assert answer.status_code == 422
    error = re.search(r'id="error-username"[^>]*>([^<]+)<', answer.text)
    assert error is not None and error.group(1) == "Type your username."


async def test_the_queue_lists_a_page_at_a_time_and_links_the_next(
    api: httpx.AsyncClient, web_services: WebServices
) -> None:
    read_model = web_services.reviews.read_model
    assert read_model is not None
    for n in range(QUEUE_PAGE_SIZE + 5):
        read_model.publish(queued(n))
    await signed_in(api, "ana")

    first = await api.get("/queue", params={"market": "mexico-city"})
    rows = re.findall(r'data-review="(review-INC-PAGE-\d+)"', first.text)
    assert rows == [f"review-INC-PAGE-{n:03}" for n in range(QUEUE_PAGE_SIZE)]
    assert f"({QUEUE_PAGE_SIZE + 5})" in first.text
    link = re.search(r'<a href="([^"]+)" id="queue-next">', first.text)
    assert link is not None and 'id="queue-first"' not in first.text

    second = await api.get(html.unescape(link.group(1)))
    rows = re.findall(r'data-review="(review-INC-PAGE-\d+)"', second.text)
    assert rows == [f"review-INC-PAGE-{n:03}" for n in range(QUEUE_PAGE_SIZE, QUEUE_PAGE_SIZE + 5)]
    assert 'id="queue-next"' not in second.text
    first_link = re.search(r'<a href="([^"]+)" id="queue-first">', second.text)
    assert first_link is not None
    assert "market=mexico-city" in html.unescape(first_link.group(1))


async def test_a_queue_page_link_that_was_never_given_out_is_refused_saying_so(
    api: httpx.AsyncClient,
) -> None:
    await signed_in(api, "sofia")
    answer = await api.get("/queue", params={"after": "not-a-cursor"})
    assert answer.status_code == 422
    assert "This queue page link is not valid any more" in answer.text
