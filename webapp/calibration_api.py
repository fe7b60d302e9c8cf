"""Calibration over the API: a lead (or QA) makes a round of past cases with their golden
answers, every specialist decides the cases blind, and the round reports agreement with the
golden answers and among specialists (Fleiss' kappa), per category. Thin over
decision_archive/calibration.py and review/calibration.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from decision_archive.calibration import BlindCase, CalibrationBook, CalibrationRound
from review.calibration import (
    CalibrationAnswer,
    CalibrationAnswerBody,
    CalibrationReport,
    CalibrationRoundBody,
)
from review.models import PersonRole, StrictModel
from webapp.access import Permission
from webapp.people import Caller
from webapp.services import WebServices, authorize, services_of

router = APIRouter(prefix="/api/v1/calibration", tags=["quality"])
Services = Annotated[WebServices, Depends(services_of)]
Lead = Annotated[Caller, Depends(authorize(Permission.RUN_CALIBRATION))]
Specialist = Annotated[Caller, Depends(authorize(Permission.TAKE_CALIBRATION))]


class CalibrationRounds(StrictModel):
    """Rounds, newest first."""

    rounds: list[CalibrationRound]


class BlindRound(StrictModel):
    """A round as a specialist answers it: its cases without their decisions."""

    round_id: str
    name: str
    cases: list[BlindCase]


def book(services: WebServices) -> CalibrationBook:
    """The archive's calibration rounds."""
    return CalibrationBook(services.archive)


async def create_round(
    services: WebServices, caller: Caller, body: CalibrationRoundBody
) -> CalibrationRound:
    """A new round, for every specialist in the people directory (shared by API and page)."""
    raters = sorted(services.people.ids_with_role(PersonRole.SPECIALIST))
    return await asyncio.to_thread(
        book(services).create, body, caller.as_person().id, raters, datetime.now(UTC)
    )


@router.post("", response_model=CalibrationRound, status_code=201)
async def post_round(
    body: CalibrationRoundBody, services: Services, caller: Lead
) -> CalibrationRound:
    """Make a round of closed reviews (at least two); each case's golden answer is the one
    given, else the decision the review took. Every specialist is asked to answer. 422 naming
    each case that is not a closed review in the archive."""
    return await create_round(services, caller, body)


@router.get("", response_model=CalibrationRounds)
async def get_rounds(services: Services, caller: Lead) -> CalibrationRounds:
    """Every round, newest first."""
    return CalibrationRounds(rounds=await asyncio.to_thread(book(services).rounds))


@router.get("/mine", response_model=CalibrationRounds)
async def get_my_rounds(services: Services, caller: Specialist) -> CalibrationRounds:
    """The rounds the calling specialist is asked to answer (without golden answers)."""
    rounds = await asyncio.to_thread(book(services).rounds, caller.as_person().id)
    return CalibrationRounds(rounds=[r.model_copy(update={"cases": []}) for r in rounds])


@router.get("/{round_id}/cases", response_model=BlindRound)
async def get_blind_round(round_id: str, services: Services, caller: Specialist) -> BlindRound:
    """The round's cases as the calling specialist decides them: the request, the evidence and
    the matrix recommendation; never the decision taken, the golden answer or others' answers."""
    found = await asyncio.to_thread(book(services).get, round_id)
    cases = await asyncio.to_thread(book(services).blind_cases, round_id, caller.as_person().id)
    return BlindRound(round_id=round_id, name=found.name, cases=cases)


@router.post("/{round_id}/answers", response_model=CalibrationAnswer)
async def post_answer(
    round_id: str, body: CalibrationAnswerBody, services: Services, caller: Specialist
) -> CalibrationAnswer:
    """A specialist's answer to one case; the same answer again answers the same, another
    one is refused (409): a round measures first judgements."""
    return await asyncio.to_thread(
        book(services).answer, round_id, caller.as_person().id, body, datetime.now(UTC)
    )


@router.get("/{round_id}/report", response_model=CalibrationReport)
async def get_report(round_id: str, services: Services, caller: Lead) -> CalibrationReport:
    """Agreement with the golden answers and among specialists (Fleiss' kappa over the cases
    every specialist answered), overall, per category and per specialist."""
    return await asyncio.to_thread(book(services).report, round_id)
