"""The calibration pages: leads (and QA) make a round from recently closed reviews and read
how it went; specialists answer their rounds blind. Thin over webapp/calibration_api.py."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from decision_archive.metrics import recent_closed
from review.calibration import CalibrationAnswerBody, CalibrationRoundBody
from review.models import EnforcementAction
from review.refusals import ReviewRuleError
from webapp.access import Permission, allowed
from webapp.calibration_api import book, create_round
from webapp.i18n import refusal_words
from webapp.pages import (
    SESSION_DONE,
    form,
    form_errors,
    page_translator,
    person,
    person_name,
    render,
)
from webapp.people import Caller
from webapp.services import HTTP_STATUS, services_of

router = APIRouter(include_in_schema=False)


async def rounds_page(
    request: Request,
    caller: Caller,
    status: int = 200,
    error: str | None = None,
    submitted: Mapping[str, Any] | None = None,
    field_errors: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The rounds a person may see; for leads, the form to make one."""
    services = services_of(request)
    runs = allowed(caller, Permission.RUN_CALIBRATION)
    calibration = book(services)
    rounds = await asyncio.to_thread(calibration.rounds, None if runs else caller.as_person().id)
    answered = {
        r.round_id: len(await asyncio.to_thread(calibration.answers, r.round_id, caller.name))
        for r in rounds
    }
    return render(
        request,
        "calibration.html.j2",
        status,
        caller=caller,
        runs=runs,
        rounds=rounds,
        answered=answered,
        closed=await asyncio.to_thread(recent_closed, services.archive.engine) if runs else [],
        actions=list(EnforcementAction),
        draft=dict(submitted or {}),
        picked=set((submitted or {}).get("cases_list", [])),
        field_errors=field_errors or {},
        error=error,
        done=request.session.pop(SESSION_DONE, None),
        name_of=person_name(services),
    )


@router.get("/calibration")
async def calibration(request: Request) -> Response:
    caller = person(request)
    if not (
        allowed(caller, Permission.RUN_CALIBRATION) or allowed(caller, Permission.TAKE_CALIBRATION)
    ):
        person(request, Permission.RUN_CALIBRATION)  # refuses, in the reader's language
    return await rounds_page(request, caller)


@router.post("/calibration")
async def make_round(request: Request) -> Response:
    """Make a round from the cases ticked, each with its golden answer ("as decided" when the
    select is left alone)."""
    caller = person(request, Permission.RUN_CALIBRATION)
    data = await form(request)
    data["cases_list"] = (await request.form()).getlist("cases")
    services = services_of(request)
    t = page_translator(request)
    fields: dict[str, Any] = {
        "cases": [
            {"review_id": rid, "golden_action": data.get(f"golden_{rid}") or None}
            for rid in data["cases_list"]
        ]
    }
    if str(data.get("name") or "").strip():
        fields["name"] = data["name"]
    try:
        body = CalibrationRoundBody.model_validate(fields)
        made = await create_round(services, caller, body)
    except ValidationError as err:
        errors = form_errors(err, t)
        return await rounds_page(request, caller, 422, "; ".join(errors.values()), data, errors)
    except ReviewRuleError as err:
        said = "; ".join(refusal_words(p.reason, p.params, p.message, t) for p in err.problems())
        return await rounds_page(request, caller, HTTP_STATUS[err.kind], said, data)
    request.session[SESSION_DONE] = "calibration_created"
    return RedirectResponse(f"/calibration/{made.round_id}", status_code=303)


@router.get("/calibration/{round_id}")
async def calibration_round(request: Request, round_id: str) -> Response:
    """A round: its report for leads and QA, its blind cases for a specialist asked to answer."""
    caller = person(request)
    services = services_of(request)
    calibration = book(services)
    if allowed(caller, Permission.RUN_CALIBRATION):
        found = await asyncio.to_thread(calibration.get, round_id)
        return render(
            request,
            "calibration_round.html.j2",
            caller=caller,
            round=found,
            report=await asyncio.to_thread(calibration.report, round_id),
            rater_names=", ".join(person_name(services)(p) for p in found.raters),
            name_of=person_name(services),
            done=request.session.pop(SESSION_DONE, None),
        )
    person(request, Permission.TAKE_CALIBRATION)
    return await blind_page(request, caller, round_id)


async def blind_page(
    request: Request, caller: Caller, round_id: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    """A specialist's round: each case without its decision, with their answer or a form."""
    services = services_of(request)
    calibration = book(services)
    found = await asyncio.to_thread(calibration.get, round_id)
    try:
        cases = await asyncio.to_thread(calibration.blind_cases, round_id, caller.as_person().id)
    except ReviewRuleError as err:
        t = page_translator(request)
        return render(
            request,
            "error.html.j2",
            HTTP_STATUS[err.kind],
            title=t("error_title_403"),
            said=refusal_words(err.reason, err.params, str(err), t),
            message=str(err),
            fields=[],
            link=None,
        )
    return render(
        request,
        "calibration_blind.html.j2",
        status,
        caller=caller,
        round=found,
        cases=cases,
        actions=list(EnforcementAction),
        error=error,
        done=request.session.pop(SESSION_DONE, None),
    )


@router.post("/calibration/{round_id}/answers")
async def answer(request: Request, round_id: str) -> Response:
    """A specialist's answer to one case, from its form."""
    caller = person(request, Permission.TAKE_CALIBRATION)
    data = await form(request)
    services = services_of(request)
    t = page_translator(request)
    try:
        body = CalibrationAnswerBody.model_validate(
            {k: v for k, v in data.items() if k in ("case_id", "action") and v}
        )
        await asyncio.to_thread(
            book(services).answer, round_id, caller.as_person().id, body, datetime.now(UTC)
        )
    except ValidationError as err:
        errors = form_errors(err, t)
        return await blind_page(request, caller, round_id, 422, "; ".join(errors.values()))
    except ReviewRuleError as err:
        said = refusal_words(err.reason, err.params, str(err), t)
        return await blind_page(request, caller, round_id, HTTP_STATUS[err.kind], said)
    request.session[SESSION_DONE] = "calibration_answered"
    return RedirectResponse(f"/calibration/{round_id}", status_code=303)
