"""The appeals pages: the queue of open appeals and one appeal, with its claim and decision
forms. Thin over AppealClient, as the API is: the rules are review/appeals.py's, and a refused
form comes back with the reason, in the reader's language, next to the field it names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from review.appeals import AppealDecisionBody, AppealDecisionRequest, AppealStatus
from review.models import ClaimRequest, EnforcementAction
from webapp.access import Permission
from webapp.pages import (
    SESSION_DONE,
    form,
    form_body,
    form_errors,
    page_locale,
    page_translator,
    person,
    person_name,
    refused_form_words,
    render,
)
from webapp.people import Caller
from webapp.services import HTTP_STATUS, services_of
from workflows.client import ReviewRefused

router = APIRouter(include_in_schema=False)

MODIFIED_ACTIONS = [
    EnforcementAction.EDUCATION,
    EnforcementAction.WARNING,
    EnforcementAction.TEMPORARY_SUSPENSION,
]
"""What a modified decision may become: milder, and still an action (review/appeals.py)."""


@router.get("/appeals")
async def appeals_queue(request: Request) -> Response:
    """Open appeals, soonest deadline first."""
    caller = person(request)
    services = services_of(request)
    return render(
        request,
        "appeals.html.j2",
        caller=caller,
        appeals=await services.appeals.queue(),
        name_of=person_name(services),
        done=request.session.pop(SESSION_DONE, None),
    )


async def appeal_page(
    request: Request,
    appeal_id: str,
    caller: Caller,
    status: int = 200,
    error: str | None = None,
    submitted: Mapping[str, Any] | None = None,
    field_errors: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """One appeal, optionally with an error and the form as the person submitted it."""
    services = services_of(request)
    seen = request.session.pop(SESSION_SEEN_APPEAL, None)
    at_least = seen[1] if isinstance(seen, list) and seen[:1] == [appeal_id] else None
    state = await services.appeals.state(appeal_id, at_least=at_least)
    await services.record_access(request, caller, "view_appeal", state.review_id, "page", appeal_id)
    me = caller.person.id if caller.person else None
    return render(
        request,
        "appeal.html.j2",
        status,
        caller=caller,
        appeal=state,
        appealed=state.request.appealed,
        took_part=me in state.request.appealed.deciders,
        hears_it=state.assignee is not None and state.assignee.id == me,
        name_of=person_name(services),
        words=services.reports.words(
            state.request.appealed.account.market, page_locale(request, caller)
        ),
        draft=dict(submitted or {}),
        field_errors=field_errors or {},
        error=error,
        done=request.session.pop(SESSION_DONE, None),
        outcomes=["uphold", "overturn", "modify"],
        modified_actions=MODIFIED_ACTIONS,
        guideline_refs=services.policy.guideline_refs,
        statuses=AppealStatus,
        temporal_link=services.temporal_ui_link(appeal_id),
    )


SESSION_SEEN_APPEAL = "seen_appeal"
"""The appeal and version the person's last request made: the page after it shows that version
or a later one."""


@router.get("/appeals/{appeal_id}")
async def appeal(request: Request, appeal_id: str) -> Response:
    return await appeal_page(request, appeal_id, person(request))


@router.post("/appeals/{appeal_id}/claim")
async def claim(request: Request, appeal_id: str) -> Response:
    """Take the appeal; refused (with the reason) for whoever had a part in the decision."""
    caller = person(request, Permission.ACT_ON_REVIEWS)
    data = await form(request)
    services = services_of(request)
    key = str(data.get("idempotency_key") or "") or None
    try:
        ack = await services.appeals.claim(
            appeal_id, ClaimRequest(reviewer=caller.as_person()), _key(caller, key)
        )
    except ReviewRefused as err:
        message, fields = refused_form_words(request, err)
        return await appeal_page(
            request, appeal_id, caller, HTTP_STATUS[err.kind], message, data, fields
        )
    return _back(request, appeal_id, "claim_appeal", ack.version)


@router.post("/appeals/{appeal_id}/decision")
async def decide(request: Request, appeal_id: str) -> Response:
    """Decide the appeal as the form stands; every problem comes back next to its field."""
    caller = person(request, Permission.ACT_ON_REVIEWS)
    data = await form(request)
    data["policy_refs_list"] = (await request.form()).getlist("policy_refs")
    services = services_of(request)
    key = str(data.get("idempotency_key") or "") or None
    try:
        body = form_body(AppealDecisionBody, data)
        if body.outcome != "modify":  # the form keeps an action chosen before switching
            body = body.model_copy(update={"action": None, "suspension_days": None})
        request_ = AppealDecisionRequest(**body.model_dump(), reviewer=caller.as_person())
        ack = await services.appeals.decide(appeal_id, request_, _key(caller, key))
    except ValidationError as err:
        fields = form_errors(err, page_translator(request))
        message = "; ".join(fields.values())
        return await appeal_page(request, appeal_id, caller, 422, message, data, fields)
    except ReviewRefused as err:
        message, fields = refused_form_words(request, err)
        return await appeal_page(
            request, appeal_id, caller, HTTP_STATUS[err.kind], message, data, fields
        )
    return _back(request, appeal_id, "decide_appeal", ack.version)


def _key(caller: Caller, key: str | None) -> str | None:
    """The update id for a form's key, scoped to the person (two people's never collide)."""
    return f"{caller.name}:{key}" if key else None


def _back(request: Request, appeal_id: str, done: str, version: int) -> RedirectResponse:
    request.session[SESSION_DONE] = done
    request.session[SESSION_SEEN_APPEAL] = [appeal_id, version]
    return RedirectResponse(f"/appeals/{appeal_id}", status_code=303)
