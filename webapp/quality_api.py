"""The QA API: the audit queue, scores, the feedback specialists acknowledge, and the
corrections a wrongful restriction found by QA opens (see the README's "Quality and numbers").

Thin over decision_archive/quality.py (draws, scores, feedback) and review/qa_audit.py (what
a score means); a correction is an appeal workflow, started as workflows/appeal_client.py starts
a person's.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from decision_archive.quality import AuditItem
from review.models import StrictModel
from review.qa_audit import QaScore, QaScoreBody
from review.qa_sampling import SamplingReport
from review.refusals import ReviewRuleError
from webapp.access import Permission
from webapp.people import Caller
from webapp.services import WebServices, authorize, services_of
from workflows.client import ReviewNotFound, ReviewsUnavailable

log = logging.getLogger("deactivation_review.webapp")

router = APIRouter(prefix="/api/v1/qa", tags=["quality"])
Services = Annotated[WebServices, Depends(services_of)]
Auditor = Annotated[Caller, Depends(authorize(Permission.AUDIT_DECISIONS))]
FeedbackReader = Annotated[Caller, Depends(authorize(Permission.READ_QA_FEEDBACK))]


class AuditQueue(StrictModel):
    """Sampled decisions waiting for a score, and how the sample was drawn."""

    policy_version: str
    sampling: SamplingReport
    items: list[AuditItem]


class FeedbackPage(StrictModel):
    """Audits that disagreed with decisions: a specialist's own, or every one for a lead."""

    items: list[AuditItem]


async def draw_pending(services: WebServices) -> None:
    """Draw every closed review not drawn yet, with the sampling rules in force."""
    await asyncio.to_thread(
        services.qa.draw_pending,
        services.qa_sampling,
        services.people.started_on,
        datetime.now(UTC),
    )


async def audit_queue(services: WebServices, caller: Caller, limit: int = 200) -> AuditQueue:
    """The caller's QA queue (shared by the API and the QA page); corrections still pending
    are tried again first."""
    await draw_pending(services)
    await open_pending_corrections(services)
    items = await asyncio.to_thread(services.qa.queue, caller.as_person().id, limit)
    report = await asyncio.to_thread(services.qa.report)
    return AuditQueue(policy_version=services.qa_sampling.version, sampling=report, items=items)


async def open_pending_corrections(services: WebServices) -> None:
    """Open the corrections QA's scores still wait for. One whose decision has an appeal open
    waits for it to close; one whose decision was overturned, or no longer restricts the
    account, is refused with the reason; one Temporal cannot take now is tried next time."""
    for score in await asyncio.to_thread(services.qa.pending_corrections):
        try:
            started = await services.appeals.open_correction(score.review_id, score)
        except ReviewRuleError as refused:
            if refused.reason != "appeal_open":
                await asyncio.to_thread(
                    services.qa.refuse_correction, score.review_id, str(refused)
                )
        except (ReviewsUnavailable, ReviewNotFound) as err:
            log.warning("correction of %s not opened yet: %s", score.review_id, err)
        else:
            await asyncio.to_thread(services.qa.set_correction, score.review_id, started.appeal_id)


async def score_decision(
    services: WebServices, caller: Caller, review_id: str, body: QaScoreBody
) -> QaScore:
    """Store a QA score; a wrongful restriction's correction is opened now if it can be, else
    kept pending (shared by API and page)."""
    auditor = caller.as_person()
    await draw_pending(services)
    await asyncio.to_thread(services.qa.score, review_id, auditor.id, body, datetime.now(UTC))
    await open_pending_corrections(services)
    item = await asyncio.to_thread(services.qa.item, review_id)
    assert item.score is not None
    return item.score


async def feedback_of(services: WebServices, caller: Caller, limit: int = 200) -> FeedbackPage:
    """A specialist's own feedback; every disagreement for leads and QA."""
    person = caller.as_person()
    await open_pending_corrections(services)
    if person.role == "specialist":
        items = await asyncio.to_thread(services.qa.feedback_for, person.id, limit)
    else:
        items = await asyncio.to_thread(services.qa.disagreements, limit)
    return FeedbackPage(items=items)


@router.get("/queue", response_model=AuditQueue)
async def get_audit_queue(
    services: Services,
    caller: Auditor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AuditQueue:
    """Closed reviews sampled for audit that nobody scored yet, oldest first, without those
    the caller decided or second-reviewed; with the sample's rate overall and per rule."""
    return await audit_queue(services, caller, limit)


@router.post(
    "/{review_id}/score",
    response_model=QaScore,
    responses={
        403: {"description": "The caller decided or second-reviewed this review"},
        404: {"description": "No closed review with this id in the archive"},
        409: {"description": "Not sampled for audit, or scored already by someone else"},
    },
)
async def post_score(
    review_id: str, body: QaScoreBody, services: Services, caller: Auditor
) -> QaScore:
    """Score a sampled decision. A disagreement goes back to the specialist as feedback and to
    the leads; a false positive or wrong action on a suspension or deactivation also opens a
    correction, heard as an appeal is (``correction_id``); while the person's own appeal of it
    is open the correction waits (``correction_state`` pending) and opens once it closes. The
    same score sent again answers as the first did."""
    return await score_decision(services, caller, review_id, body)


@router.get("/feedback", response_model=FeedbackPage)
async def get_feedback(
    services: Services,
    caller: FeedbackReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> FeedbackPage:
    """What QA disagreed with: a specialist's own decisions (unacknowledged first), or every
    disagreement for leads and QA."""
    return await feedback_of(services, caller, limit)


@router.get("/{review_id}", response_model=AuditItem)
async def get_audit(review_id: str, services: Services, caller: FeedbackReader) -> AuditItem:
    """A closed review's draw and audit. A specialist reads only their own decisions'."""
    await draw_pending(services)
    item = await asyncio.to_thread(services.qa.item, review_id)
    person = caller.as_person()
    if person.role == "specialist" and item.decided_by != person.id:
        raise ReviewRuleError("forbidden", "not_your_audit", person=person.id)
    return item


@router.post("/{review_id}/acknowledge", response_model=QaScore)
async def acknowledge(review_id: str, services: Services, caller: FeedbackReader) -> QaScore:
    """The specialist who made the decision read QA's feedback on it (the first time counts)."""
    return await asyncio.to_thread(
        services.qa.acknowledge, review_id, caller.as_person().id, datetime.now(UTC)
    )
