"""The v1 HTTP API (see the README's "API (v1)"): intake, review reads, people's requests.

Every request a person makes of a review goes to the workflow as an update, so a refused one
comes back at once with the workflow's reason: 409 (not now), 422 (invalid), 403 (not this
person). A note on a closed review goes to the decision archive instead, beside its case record:
the workflow may be gone by then.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import Field, ValidationError

from decision_archive.appeals import AppealSummary
from decision_archive.person_records import PersonRecords, person_records
from decision_archive.read_model import QueueCursor, QueueQuery, ReviewSummary
from decision_archive.report import report_filename, report_locales
from decision_archive.store import AccessEntry, NoCaseRecord, RecordIndex, RecordNote
from review.actions import ACTIONS, CLAIM, PersonAction
from review.appeals import AppealBody, AppealDecisionBody, AppealDecisionRequest, AppealState
from review.models import (
    IDENTIFIER_PATTERN,
    SLUG_PATTERN,
    ClaimRequest,
    HearingAnswerBody,
    IncidentCategory,
    NoteBody,
    ReviewRequest,
    ReviewState,
    ReviewStatus,
    SlaTier,
    StrictModel,
)
from webapp.access import Permission
from webapp.auth import SESSION_LOCALE, uses_session
from webapp.i18n import app_locale, translator
from webapp.people import Caller
from webapp.services import WebServices, authorize, report_path, services_of, update_id
from workflows.appeal_client import StartedAppeal
from workflows.client import RetryingStep

router = APIRouter(prefix="/api/v1", tags=["reviews"])


class ReviewLinks(StrictModel):
    """Where to find a review."""

    self: str
    page: str
    temporal: str
    report: str | None = Field(
        default=None,
        description="Once closed: the case report (HTML; ?format=md for Markdown).",
    )


class StartedReviewView(StrictModel):
    """The answer to POST /api/v1/reviews."""

    review_id: str
    status: ReviewStatus
    links: ReviewLinks


class ReviewView(ReviewState):
    """A review as the specialist sees it, with links."""

    links: ReviewLinks
    retrying: list[RetryingStep] = Field(
        default_factory=list,
        description="Steps a platform service keeps refusing, and why (Temporal retries them).",
    )
    appeals: list[AppealSummary] = Field(
        default_factory=list, description="The decision's appeals and what came of them."
    )


class ReviewPage(StrictModel):
    """A page of a queue: most urgent tier first, then the soonest SLA deadline."""

    reviews: list[ReviewSummary]
    total: int = Field(description="Reviews matching the filters, on every page.")
    page: int = Field(description="The page number asked for (1 when paging by ``after``).")
    page_size: int
    next: str | None = Field(
        default=None,
        description="Pass as ``after`` for the next page (None on the last): it costs the "
        "same at any depth, unlike ``page``.",
    )
    counts: dict[str, dict[str, int]] = Field(
        description="Reviews matching the other filters, by status and then by SLA tier."
    )


def links(services: WebServices, review_id: str, report: str | None = None) -> ReviewLinks:
    """The links of a review (``report`` once a closed review's report is readable)."""
    return ReviewLinks(
        self=f"/api/v1/reviews/{review_id}",
        page=f"/reviews/{review_id}",
        temporal=services.temporal_ui_link(review_id),
        report=report,
    )


Services = Annotated[WebServices, Depends(services_of)]
IdFilter = Annotated[str | None, Query(pattern=IDENTIFIER_PATTERN)]
"""An optional query filter on an id (review, account, person), validated like the id itself."""
SlugFilter = Annotated[str | None, Query(pattern=SLUG_PATTERN)]
"""An optional query filter on a slug (market)."""


@router.post(
    "/reviews",
    status_code=202,
    response_model=StartedReviewView,
    responses={200: {"description": "The incident is already under review"}},
)
async def start_review(
    body: ReviewRequest,
    response: Response,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.START_REVIEW))],
) -> StartedReviewView:
    """Start the review of an incident (202), or return the one under way (200)."""
    started = await services.reviews.start(body)
    if not started.created:
        response.status_code = 200
    # A review this call started is as intake left it; one already under way is looked up.
    status = (
        ReviewStatus.RECEIVED
        if started.created
        else await services.reviews.status(started.review_id)
    )
    return StartedReviewView(
        review_id=started.review_id, status=status, links=links(services, started.review_id)
    )


@router.get("/reviews", response_model=ReviewPage)
async def list_reviews(
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REVIEWS))],
    status: Annotated[list[ReviewStatus] | None, Query()] = None,
    tier: SlaTier | None = None,
    category: IncidentCategory | None = None,
    market: SlugFilter = None,
    account_id: IdFilter = None,
    assignee: IdFilter = None,
    escalated: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[str | None, Query(max_length=400)] = None,
) -> ReviewPage:
    """Open reviews (or those with ``status``), filtered, most urgent tier first, then the
    soonest SLA deadline. Page with ``after`` (the last page's ``next``) or ``page``."""
    which = QueueQuery(
        statuses=status or [],
        open_only=True,
        tier=tier,
        category=category,
        market=market,
        account_id=account_id,
        assignee=assignee,
        escalated=escalated,
    )
    cursor = None
    if after is not None:
        try:
            cursor = QueueCursor.parse(after)
        except ValueError as err:
            raise RequestValidationError(
                [{"loc": ("query", "after"), "msg": str(err), "type": "value_error"}]
            ) from None
    offset = 0 if cursor else (page - 1) * page_size
    found = await services.reviews.queue(which, cursor, limit=page_size, offset=offset)
    return ReviewPage(
        reviews=found.reviews,
        total=found.total,
        page=1 if cursor else page,
        page_size=page_size,
        next=found.next.token() if found.next else None,
        counts=found.counts,
    )


@router.get("/reviews/{review_id}", response_model=ReviewView)
async def get_review(
    review_id: str,
    request: Request,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REVIEWS))],
) -> ReviewView:
    """The review as the specialist sees it (the view is recorded in the access log)."""
    state = await services.reviews.state(review_id)
    return await view(request, services, caller, state)


async def view(
    request: Request, services: WebServices, caller: Caller, state: ReviewState, after: str = ""
) -> ReviewView:
    """The state with its links, as this caller sees it; noted in the access log (``after``
    names the request the view answers, if any)."""
    report = await services.report_link(caller, state)
    await services.record_access(
        request, caller, "view_review", state.review_id, "api", after or None
    )
    retrying = await services.reviews.retrying_steps(state.review_id, state)
    return ReviewView(
        **state.model_dump(),
        links=links(services, state.review_id, report),
        retrying=retrying,
        appeals=await services.appeals.of_review(state.review_id),
    )


@router.get(
    "/reviews/{review_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}, "text/markdown": {}}},
        404: {"description": "The review has no case record (not closed yet, or purged)"},
    },
)
async def case_report(
    review_id: str,
    request: Request,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REPORTS))],
    format: Literal["html", "md"] = "html",
    download: bool = False,
    lang: Annotated[
        str | None,
        Query(
            description="The language to read the report in, one of "
            f"{', '.join(report_locales())}; by default the caller's: the one chosen in "
            "this session, else the person's own.",
        ),
    ] = None,
) -> Response:
    """A closed review's case report from the decision archive, as HTML or Markdown, in the
    reader's language (the archived record itself is language-neutral).

    It is read from the archive, so it stays readable after Temporal has deleted the history.
    """
    reports = services.reports
    if lang is None:
        chosen = request.session.get(SESSION_LOCALE) if uses_session(request) else None
        locale = reports.reader_locale(chosen or caller.locale)
    elif (found := reports.supported_locale(lang)) is not None:
        locale = found
    else:
        known = ", ".join(reports.locales())
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "lang"),
                    "msg": f"'{lang}' is not a language the report is written in; use {known}",
                    "type": "value_error",
                }
            ]
        )
    record = await asyncio.to_thread(services.archive.read, review_id)
    if record is None:
        raise HTTPException(404, str(NoCaseRecord(review_id)))
    notes = await asyncio.to_thread(services.archive.notes, review_id)
    await services.record_access(request, caller, "view_report", review_id, "api", format)
    if format == "md":
        body, media = reports.markdown(record, locale, notes), "text/markdown; charset=utf-8"
    else:
        body, media = reports.html(record, locale, notes), "text/html; charset=utf-8"
    disposition = "attachment" if download else "inline"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'{disposition}; filename="{report_filename(record, format)}"',
            "Content-Language": locale,
            # A case file must not linger in shared caches or the browser's back history.
            "Cache-Control": "no-store",
        },
    )


class CaseRecordSummary(RecordIndex):
    """A case record found in the archive, with where to read its report."""

    report: str


class CaseRecordPage(StrictModel):
    """Case records in the archive, most recently closed first."""

    records: list[CaseRecordSummary]


@router.get("/records", response_model=CaseRecordPage)
async def case_records(
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REPORTS))],
    review_id: IdFilter = None,
    account_id: IdFilter = None,
    market: SlugFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> CaseRecordPage:
    """Closed reviews' case records, also those whose workflow history Temporal has deleted."""
    found = await asyncio.to_thread(services.archive.search, review_id, account_id, market, limit)
    return CaseRecordPage(
        records=[
            CaseRecordSummary(**r.model_dump(), report=report_path(r.review_id)) for r in found
        ]
    )


class AccessLogPage(StrictModel):
    """Who looked at what, newest first."""

    entries: list[AccessEntry]


@router.get("/access-log", response_model=AccessLogPage, tags=["operations"])
async def access_log(
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_ACCESS_LOG))],
    review_id: IdFilter = None,
    person_id: IdFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AccessLogPage:
    """Every view of a review, report or decoded history by a person (leads and operators)."""
    entries = await asyncio.to_thread(services.archive.access_log, review_id, person_id, limit)
    return AccessLogPage(entries=entries)


IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,100}$"
"""What an idempotency key may be, from a header or a form's hidden field."""

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description=(
            "Any unique string per action (8-100 letters, digits, '.', '_', ':', '-'). Send the "
            "same key when retrying after a timeout or a 503: the retry attaches to the first "
            "request and answers with its real outcome instead of acting twice."
        ),
    ),
]
Actor = Annotated[Caller, Depends(authorize(Permission.ACT_ON_REVIEWS))]


async def act(
    action: PersonAction[Any],
    review_id: str,
    body: StrictModel | None,
    request: Request,
    services: WebServices,
    caller: Caller,
    key: str | None,
) -> ReviewView:
    """Send a person's request to the review; answer with the review as it now is."""
    try:
        person_request = action.request_for(caller.as_person(), body, services.people.named)
    except ValidationError as err:  # the body names someone the directory does not know
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in err.errors()]
        ) from None
    ack = await services.reviews.act(
        review_id, action, person_request, update_id(action.path, caller, key)
    )
    # The update answers with a small acknowledgement; the review itself is read as usual, at
    # the version the change made or later.
    state = await services.reviews.state(review_id, at_least=ack.version)
    return await view(request, services, caller, state, after=action.path)


def _action_route(action: PersonAction[Any]) -> None:
    """POST /api/v1/reviews/{review_id}/{path} for one action, its body typed for OpenAPI."""

    async def endpoint(
        review_id: str,
        request: Request,
        services: Services,
        caller: Actor,
        key: IdempotencyKey = None,
        body: Any = None,
    ) -> ReviewView:
        return await act(action, review_id, body, request, services, caller, key)

    # The body parameter takes the action's own model (none for a claim), so FastAPI validates
    # it and the OpenAPI document shows it.
    signature = inspect.signature(endpoint)
    parameters = [p for p in signature.parameters.values() if p.name not in ("body", "key")]
    if action.body is not None:
        required = inspect.Parameter.empty
        parameters.append(
            signature.parameters["body"].replace(annotation=action.body, default=required)
        )
    parameters.append(signature.parameters["key"])
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    router.add_api_route(
        f"/reviews/{{review_id}}/{action.path}",
        endpoint,
        methods=["POST"],
        response_model=ReviewView,
        summary=action.summary,
        description=action.summary,
        name=action.update,
    )


for _action in ACTIONS:
    _action_route(_action)


@router.post(
    "/queue/next",
    response_model=ReviewView,
    responses={204: {"description": "No unclaimed review this person can work"}},
    summary="Claim the most urgent review I can work",
)
async def claim_next(request: Request, services: Services, caller: Actor) -> ReviewView | Response:
    """Claim the most urgent unclaimed review the caller can work (tier, then deadline; their
    skills decide which reviews they can work) and answer with it; 204 when there is none.
    Two people asking at once never get the same review."""
    person = caller.as_person()
    ack = await services.reviews.claim_next(person, services.people.skills(person.id))
    if ack is None:
        return Response(status_code=204)
    state = await services.reviews.state(ack.review_id, at_least=ack.version)
    return await view(request, services, caller, state, after=CLAIM.path)


# --- notes on closed reviews --------------------------------------------------------------------

NO_CASE_RECORD: dict[int | str, dict[str, Any]] = {
    404: {"description": "The review has no case record (not closed yet, or purged)"}
}


class RecordNotePage(StrictModel):
    """The notes added to a closed review's case record, oldest first."""

    notes: list[RecordNote]


@router.post(
    "/reviews/{review_id}/record-notes",
    status_code=201,
    response_model=RecordNote,
    responses=NO_CASE_RECORD,
    summary="Add a note to a closed review",
)
async def add_record_note(
    review_id: str,
    body: NoteBody,
    request: Request,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.NOTE_CLOSED_REVIEWS))],
    key: IdempotencyKey = None,
) -> RecordNote:
    """Add a note to a closed review's case record (QA and leads); answers with the note.

    The record stays as it was archived: the note goes beside it, in the case report's annex,
    also once Temporal has deleted the review's history. A retry with the same Idempotency-Key
    answers with the note the first request added, and adds none.
    """
    try:
        note = await asyncio.to_thread(
            services.archive.add_note,
            review_id,
            caller.as_person(),
            body,
            datetime.now(UTC),
            key,
        )
    except NoCaseRecord as err:
        raise HTTPException(404, str(err)) from None
    await services.record_access(request, caller, "add_record_note", review_id, "api", note.id)
    return note


@router.get(
    "/reviews/{review_id}/record-notes",
    response_model=RecordNotePage,
    responses=NO_CASE_RECORD,
    summary="Notes added to a closed review",
)
async def record_notes(
    review_id: str,
    request: Request,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REPORTS))],
) -> RecordNotePage:
    """The notes added to a closed review's case record since it closed, oldest first (for
    those who may read its report; the read is noted in the access log as part of the case
    file)."""
    if not await asyncio.to_thread(services.archive.has_record, review_id):
        raise HTTPException(404, str(NoCaseRecord(review_id)))
    notes = await asyncio.to_thread(services.archive.notes, review_id)
    await services.record_access(request, caller, "view_report", review_id, "api", "record-notes")
    return RecordNotePage(notes=notes)


@router.get("/accounts/{account_id}/records", response_model=PersonRecords)
async def account_records(
    account_id: Annotated[str, FastApiPath(pattern=IDENTIFIER_PATTERN, max_length=128)],
    request: Request,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_PERSON_RECORDS))],
) -> PersonRecords:
    """What the account holder may see of their reviews (the platform's app asks, for them):
    restrictions with their statement of reasons, strikes with when each stops counting (an
    overturned appeal retracts one), and appeals with their outcome, in the account's language;
    never who reported them or anyone else's data. Only decisions this tool made are listed.
    Each record given is noted in the access log."""
    indexed = await asyncio.to_thread(services.archive.search, None, account_id, None, None)
    records = [
        record
        for record in await asyncio.gather(
            *(asyncio.to_thread(services.archive.read, r.review_id) for r in indexed)
        )
        if record is not None
    ]
    newest = max(records, key=lambda r: r.closed_at, default=None)
    locale = app_locale(newest.request.account.locale if newest else None)
    given = person_records(
        account_id,
        records,
        services.policy.matrix,
        services.renderer.guidelines,
        translator(locale),
        locale,
        datetime.now(UTC),
        await asyncio.to_thread(services.appeals.book.of_account, account_id),
    )
    for review_id in sorted(
        {r.reference for r in given.restrictions} | {s.reference for s in given.strikes}
    ):
        await services.record_access(request, caller, "give_person_records", review_id, "api")
    return given


# --- hearings -------------------------------------------------------------------------------------


class HearingAnswerReceipt(StrictModel):
    """What the platform's app is told when it sends a person's answer to a notice of intent:
    that it reached the review, and when (nothing else of the review: the app acts for the
    person, who never sees the case file)."""

    review_id: str
    status: ReviewStatus = Field(description="The review's status after the answer.")
    received_at: datetime = Field(description="When the review received the answer.")


@router.post(
    "/reviews/{review_id}/hearing-answer",
    response_model=HearingAnswerReceipt,
    tags=["hearings"],
    responses={
        409: {"description": "The review is not waiting for an answer, or has a different one"}
    },
)
async def answer_notice_of_intent(
    review_id: str,
    body: HearingAnswerBody,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.ANSWER_NOTICES))],
    key: IdempotencyKey = None,
) -> HearingAnswerReceipt:
    """A driver's answer to the notice of intent that opened their hearing, sent by the
    platform's app: the specialist reads it and decides again. One answer per hearing; the
    same answer sent again answers as the first did. 409 when the review is not waiting for
    an answer (no hearing, or the hearing period ended: the person can appeal the decision)."""
    ack = await services.reviews.answer_notice_of_intent(
        review_id, body, update_id("hearing-answer", caller, key)
    )
    state = await services.reviews.state(review_id, at_least=ack.version)
    answer = state.hearing.answer if state.hearing else None
    assert answer is not None  # the update took it (or had taken this very answer)
    return HearingAnswerReceipt(
        review_id=review_id, status=state.status, received_at=answer.received_at
    )


# --- appeals --------------------------------------------------------------------------------------


class AppealLinks(StrictModel):
    """Where to find an appeal, and the review it appeals."""

    self: str
    page: str
    review: str
    temporal: str


class AppealView(AppealState):
    """An appeal as the people hearing it see it, with links."""

    links: AppealLinks


class AppealQueue(StrictModel):
    """Open appeals, soonest deadline first."""

    appeals: list[AppealSummary]


def appeal_view(services: WebServices, state: AppealState) -> AppealView:
    """The appeal with its links."""
    return AppealView(
        **state.model_dump(),
        links=AppealLinks(
            self=f"/api/v1/appeals/{state.appeal_id}",
            page=f"/appeals/{state.appeal_id}",
            review=f"/api/v1/reviews/{state.review_id}",
            temporal=services.temporal_ui_link(state.appeal_id),
        ),
    )


@router.post(
    "/reviews/{review_id}/appeals",
    response_model=StartedAppeal,
    status_code=202,
    tags=["appeals"],
    responses={409: {"description": "Outside the appeal window, or appealed already"}},
)
async def file_appeal(
    review_id: str,
    body: AppealBody,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.FILE_APPEALS))],
) -> StartedAppeal:
    """A rider's or driver's appeal of the review's decision, sent by the platform's app: its
    own workflow, heard by someone who had no part in the decision. 409 outside the market's
    appeal window, while an appeal of the decision is open, or when it was appealed already
    without new information."""
    return await services.appeals.submit(review_id, body)


@router.get("/appeals", response_model=AppealQueue, tags=["appeals"])
async def list_appeals(
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REVIEWS))],
) -> AppealQueue:
    """Open appeals, soonest deadline first."""
    return AppealQueue(appeals=await services.appeals.queue())


@router.get("/appeals/{appeal_id}", response_model=AppealView, tags=["appeals"])
async def get_appeal(
    appeal_id: str,
    request: Request,
    services: Services,
    caller: Annotated[Caller, Depends(authorize(Permission.READ_REVIEWS))],
) -> AppealView:
    """The appeal: the decision appealed with its evidence, the person's statement, and what
    came of it (the view is recorded in the access log, against the review)."""
    state = await services.appeals.state(appeal_id)
    await services.record_access(
        request, caller, "view_appeal", state.review_id, "api", state.appeal_id
    )
    return appeal_view(services, state)


@router.post("/appeals/{appeal_id}/claim", response_model=AppealView, tags=["appeals"])
async def claim_appeal(
    appeal_id: str, services: Services, caller: Actor, key: IdempotencyKey = None
) -> AppealView:
    """Take the appeal to hear it; 403 for whoever decided or second-reviewed the original."""
    ack = await services.appeals.claim(appeal_id, ClaimRequest(reviewer=caller.as_person()), key)
    return appeal_view(services, await services.appeals.state(appeal_id, at_least=ack.version))


@router.post("/appeals/{appeal_id}/decision", response_model=AppealView, tags=["appeals"])
async def decide_appeal(
    appeal_id: str,
    body: AppealDecisionBody,
    services: Services,
    caller: Actor,
    key: IdempotencyKey = None,
) -> AppealView:
    """Uphold, overturn or modify the decision appealed (by the person who claimed it)."""
    decision = AppealDecisionRequest(**body.model_dump(), reviewer=caller.as_person())
    ack = await services.appeals.decide(appeal_id, decision, key)
    return appeal_view(services, await services.appeals.state(appeal_id, at_least=ack.version))
