"""Server-rendered pages for specialists and leads: sign in, queues, the review page.

Pages are thin: they read through the ReviewClient and send people's requests as workflow
updates, exactly like the API; a note on a closed review goes to the decision archive, as
through the API. A refused request re-renders the page with the reason.
"""

from __future__ import annotations

import asyncio
import math
import re
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import ValidationError

from decision_archive.store import NoCaseRecord
from review.actions import ACTIONS, CLAIM, PersonAction
from review.matrix import ReviewPolicy
from review.models import (
    SLUG_PATTERN,
    EnforcementAction,
    IncidentCategory,
    NoteBody,
    PersonRole,
    ReviewState,
    ReviewStatus,
    SecondReview,
    Severity,
    SlaTier,
    StrictModel,
)
from review.notices import preview_notices
from review.policy_files import entry_path
from webapp.access import Permission, allowed, may, refusal
from webapp.api import IDEMPOTENCY_KEY_PATTERN
from webapp.auth import SESSION_LOCALE, csrf_token, csrf_valid, end_session, start_session
from webapp.i18n import app_locale, locales, refusal_words, translator
from webapp.people import Caller
from webapp.services import (
    HTTP_STATUS,
    WebServices,
    current_caller,
    report_path,
    services_of,
    update_id,
)
from webapp.settings import WEBAPP_DIR
from workflows.client import ReviewFilter, ReviewRefused, ReviewSummary

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=StrictModel)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=WEBAPP_DIR / "templates")

LEADS_STATUSES = [ReviewStatus.AWAITING_SECOND_REVIEW]


class PageRefused(Exception):
    """A page request that cannot go on; shown as an error page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def time_left(deadline: datetime | None, now: datetime) -> str:
    """Compact time until a deadline: ``3 h 12 min``, ``-1 h 5 min`` once overdue."""
    if deadline is None:
        return ""
    left = deadline - now
    overdue = left < timedelta(0)
    sign = "-" if overdue else ""
    seconds = abs(left).total_seconds()
    # Overdue rounds up: a deadline passed 20 s ago reads "-1 min", never "-0 min".
    minutes = math.ceil(seconds / 60) if overdue else int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} min"


def tier_label(t: Callable[[str], str], policy: ReviewPolicy) -> Callable[[str], str]:
    """``tier_label(tier)``: the tier's name and its decision time from the policy in force,
    e.g. "Critical (4 h)"."""

    def label(tier: str) -> str:
        hours = policy.matrix.sla.tiers[SlaTier(tier)].decision_hours
        return f"{t('tier_' + tier)} ({hours:g} h)"

    return label


def guideline_title(services: WebServices, locale: str) -> Callable[[str], str]:
    """``guideline_title(ref)``: the clause's title in the page's language, e.g. for
    CG-DRIVING-2 "Maneja con seguridad y respeta el reglamento de tránsito"."""
    return lambda ref: services.renderer.guidelines.clause(ref).text(locale)[1].title


def local_time(services: WebServices, locale: str) -> Callable[[datetime, str], Markup]:
    """``local_time(moment, market)``: the moment in the market's time zone, the zone named in
    the page's language ("1 dic 2026, 09:00 hora estándar central"), UTC on hover."""

    def shown(moment: datetime, market: str) -> Markup:
        zone = services.renderer.markets.time_zone(market)
        text = format_datetime(
            moment, "d MMM y, HH:mm zzzz", tzinfo=zone, locale=locale.replace("-", "_")
        )
        utc = moment.astimezone(UTC)
        return Markup('<time datetime="{}" title="{}">{}</time>').format(
            utc.isoformat(), utc.strftime("%Y-%m-%d %H:%M UTC"), text
        )

    return shown


def page_locale(request: Request, caller: Caller | None = None) -> str:
    """The language a page is shown in: the one chosen in this session, else the person's."""
    caller = caller or current_caller(request)
    return app_locale(request.session.get(SESSION_LOCALE) or (caller.locale if caller else None))


def page_translator(request: Request) -> Callable[[str], str]:
    """``t(key)`` in the page's language."""
    return translator(page_locale(request))


def showable_path(request: Request) -> str:
    """Where switching language returns to: this page with its filters when it was a GET, the
    review's page after a form sent to it (a POST-only address), else the queue."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    parts = request.url.path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "reviews":
        return f"/reviews/{parts[1]}"
    return "/queue"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the caller, the translator and a CSRF token."""
    caller: Caller | None = context.get("caller") or current_caller(request)
    locale = page_locale(request, caller)
    t = translator(locale)
    services = services_of(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "t": t,
            "locale": locale,
            "other_locale": next((x for x in locales() if x != locale), locale),
            "csrf": csrf_token(request),
            "here": showable_path(request),
            # Each rendering's forms carry a fresh key, so a form sent again (after a 503 or a
            # lost answer) attaches to the first request instead of acting twice.
            "action_key": secrets.token_urlsafe(16),
            "now": datetime.now(UTC),
            "time_left": time_left,
            "may": lambda name: may(caller, name),
            "tier_label": tier_label(t, services.policy),
            "guideline_title": guideline_title(services, locale),
            "local_time": local_time(services, locale),
            "market_name": lambda slug: services.renderer.markets.name(slug, locale),
            **context,
        },
        status_code=status,
    )


def error_page(
    request: Request, status: int, message: str, fields: list[Any] | None = None
) -> HTMLResponse:
    """An error in plain words, never a stack trace."""
    return render(request, "error.html.j2", status, message=message, fields=fields or [])


def sign_in_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to sign in, then back here."""
    return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)


def person(request: Request, permission: Permission = Permission.READ_REVIEWS) -> Caller:
    """The signed-in person allowed to ``permission``; raises for anyone else."""
    caller = current_caller(request)
    if caller is None:
        raise PageRefused(401, "sign in first")
    if not allowed(caller, permission):
        raise PageRefused(403, refusal(caller, permission))
    return caller


async def form(request: Request) -> dict[str, Any]:
    """The submitted form, after checking its CSRF token."""
    data = await request.form()
    if not csrf_valid(request, str(data.get("csrf_token") or "")):
        raise PageRefused(403, "this form has expired; reload the page and try again")
    return {k: v for k, v in data.multi_items()}


def same_site_path(target: str, fallback: str = "/queue") -> str:
    """``target`` when it is a path on this site, else ``fallback``: never redirect off-site.

    Browsers read ``//host`` and ``/\\host`` as another host and drop tabs and newlines
    from a URL, so only a single leading slash, printable characters and no scheme or host
    pass.
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if not target.isprintable():
        return fallback
    parts = urlsplit(target)
    return fallback if parts.scheme or parts.netloc else target


def _back(review_id: str) -> RedirectResponse:
    return RedirectResponse(f"/reviews/{review_id}", status_code=303)


# --- signing in ---------------------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "/queue") -> Response:
    return render(request, "sign_in.html.j2", next=same_site_path(next), failed=False)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    data = await form(request)
    target = same_site_path(str(data.get("next") or "/queue"))
    services = services_of(request)
    caller = services.people.sign_in(str(data.get("username", "")), str(data.get("password", "")))
    if caller is None:
        username = str(data.get("username", ""))[:128]  # typed once is enough
        return render(request, "sign_in.html.j2", 401, next=target, failed=True, username=username)
    lifetime = timedelta(hours=services.settings.session_hours)
    start_session(request, caller.name, lifetime)
    return RedirectResponse(target, status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await form(request)
    end_session(request)  # copies of the cookie stop working too, not just this browser's
    return RedirectResponse("/sign-in", status_code=303)


@router.post("/language")
async def switch_language(request: Request) -> Response:
    data = await form(request)
    request.session[SESSION_LOCALE] = app_locale(str(data.get("locale", "")))
    target = same_site_path(str(data.get("back") or "/queue"))
    return RedirectResponse(target, status_code=303)


# --- queues -------------------------------------------------------------------------------------


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


def _chosen(choices: type[E], value: str | None, field: str, request: Request) -> E | None:
    """A filter's value from the form: empty means any; anything else must be a choice."""
    if not value:
        return None
    try:
        return choices(value)
    except ValueError:
        t = page_translator(request)
        raise PageRefused(422, f"{t('filter_' + field)}: {t('filter_unknown')} ({value})") from None


@router.get("/queue")
async def queue(
    request: Request,
    tier: str | None = None,
    category: str | None = None,
    market: str | None = None,
    status: str | None = None,
    mine: bool = False,
) -> Response:
    """Open reviews, soonest SLA deadline first; a filter left at "any" (empty) filters nothing."""
    caller = person(request)
    services = services_of(request)
    chosen_tier = _chosen(SlaTier, tier, "tier", request)
    chosen_category = _chosen(IncidentCategory, category, "category", request)
    chosen_status = _chosen(ReviewStatus, status, "status", request)
    if market and not re.fullmatch(SLUG_PATTERN, market):
        raise PageRefused(422, f"{page_translator(request)('filter_market')}: ({market})")
    which = ReviewFilter(
        status=[chosen_status] if chosen_status else [],
        tier=chosen_tier,
        category=chosen_category,
        market=market or None,
        assignee=caller.name if mine else None,
    )
    reviews = await services.reviews.list(which)
    return render(
        request,
        "queue.html.j2",
        caller=caller,
        title_key="queue_title",
        reviews=reviews,
        filters={
            "tier": chosen_tier,
            "category": chosen_category,
            "market": market,
            "status": chosen_status,
            "mine": mine,
        },
        tiers=list(SlaTier),
        categories=list(IncidentCategory),
        statuses=[s for s in ReviewStatus if s is not ReviewStatus.CLOSED],
        markets=sorted({r.market for r in reviews} | ({market} if market else set())),
        can_claim=may(caller, CLAIM.update),
    )


@router.get("/leads")
async def leads_queue(request: Request) -> Response:
    caller = person(request)
    services = services_of(request)
    waiting = await services.reviews.list(ReviewFilter(status=LEADS_STATUSES))
    escalated = await services.reviews.list(ReviewFilter(escalated=True))
    seen: dict[str, ReviewSummary] = {r.review_id: r for r in waiting + escalated}
    reviews = sorted(
        seen.values(), key=lambda r: r.sla_deadline or datetime.max.replace(tzinfo=UTC)
    )
    leads = services.people.ids_with_role(PersonRole.LEAD)
    # The four-eyes rule: the person who decided cannot second-review it. Say so when nobody
    # else could, instead of leaving the review waiting for no one.
    stuck = {
        r.review_id
        for r in reviews
        if r.status is ReviewStatus.AWAITING_SECOND_REVIEW and not leads - {r.assignee}
    }
    return render(
        request,
        "queue.html.j2",
        caller=caller,
        title_key="leads_title",
        reviews=reviews,
        filters=None,
        can_claim=False,
        no_second_reviewer=stuck,
    )


# --- the review page ----------------------------------------------------------------------------


async def review_page(
    request: Request,
    review_id: str,
    caller: Caller,
    status: int = 200,
    error: str | None = None,
    submitted: dict[str, Any] | None = None,
    error_field: str | None = None,
) -> HTMLResponse:
    """The review page, optionally with an error (next to ``error_field`` when it names one)
    and the form exactly as the person submitted it."""
    services = services_of(request)
    state = await services.reviews.state(review_id)
    await services.record_access(request, caller, "view_review", review_id, "page")
    others = [
        r
        for r in await services.reviews.list(
            ReviewFilter(account_id=state.request.account.id, open_only=False)
        )
        if r.review_id != review_id
    ]
    draft = decision_draft(state, submitted)
    action, days, refs = draft["action"], draft["suspension_days"], draft["policy_refs"]
    report_link = await services.report_link(caller, state)
    # The report link is there exactly when the review is closed, the archive holds its record
    # and the caller reads case files: so are the notes added to it since it closed.
    record_notes = (
        await asyncio.to_thread(services.archive.notes, review_id) if report_link else None
    )
    return render(
        request,
        "review.html.j2",
        status,
        caller=caller,
        review=state,
        others=others,
        error=error,
        error_field=error_field,
        returned=returned_by_lead(state),
        words=services.reports.words(state.request.account.market, page_locale(request, caller)),
        draft=draft,
        previews=_previews(services, state, action, days, refs),
        actions=list(EnforcementAction),
        guideline_refs=services.policy.guideline_refs,
        severities=list(Severity),
        temporal_link=services.temporal_ui_link(review_id),
        report_link=report_link,
        record_notes=record_notes,
        retrying=await services.reviews.retrying_steps(review_id),
    )


def returned_by_lead(state: ReviewState) -> SecondReview | None:
    """The lead's second review when it sent the decision back to the specialist to revise."""
    second = state.second_review
    if state.status is ReviewStatus.IN_REVIEW and second and second.outcome == "return":
        return second
    return None


def decision_draft(state: ReviewState, submitted: dict[str, Any] | None) -> dict[str, Any]:
    """What the decision form shows: the form exactly as submitted (a refused one comes back
    as the person left it, unticked guidelines included); after a lead returned the decision,
    the specialist's previous decision; else the matrix recommendation."""
    if submitted is not None:
        return {
            **submitted,
            "action": _enforcement(submitted.get("action")),
            "suspension_days": _int(submitted.get("suspension_days")),
            "policy_refs": list(submitted.get("policy_refs_list") or []),
        }
    previous = state.decision if returned_by_lead(state) else None
    if previous is not None:
        return {
            "action": previous.action,
            "suspension_days": previous.suspension_days,
            "policy_refs": list(previous.policy_refs),
            "rationale": previous.rationale,
            "justification": previous.justification or "",
        }
    rec = state.recommendation
    return {
        "action": rec.action if rec else EnforcementAction.NO_ACTION,
        "suspension_days": rec.suspension_days if rec else None,
        "policy_refs": list(rec.guideline_refs) if rec else [],
    }


def _enforcement(value: Any) -> EnforcementAction | None:
    try:
        return EnforcementAction(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _previews(
    services: WebServices,
    state: ReviewState,
    action: EnforcementAction | None,
    days: int | None,
    refs: list[str],
) -> list[dict[str, Any]]:
    if action is None:
        return []
    if action is not EnforcementAction.TEMPORARY_SUSPENSION:
        days = None
    elif days is None:
        return []
    known = [r for r in refs if r in services.policy.guideline_refs] or (
        state.recommendation.guideline_refs if state.recommendation else []
    )
    jobs = preview_notices(state, action, days, known, services.policy, datetime.now(UTC))
    return [{"job": job, "message": services.renderer.render(job)} for job in jobs]


@router.get("/reviews/{review_id}")
async def review(request: Request, review_id: str) -> Response:
    return await review_page(request, review_id, person(request))


# --- case records -------------------------------------------------------------------------------


@router.get("/records")
async def case_records_page(
    request: Request,
    review_id: str | None = None,
    account_id: str | None = None,
    market: str | None = None,
) -> Response:
    caller = person(request, Permission.READ_REPORTS)
    services = services_of(request)
    records = await asyncio.to_thread(
        services.archive.search, review_id or None, account_id or None, market or None, 200
    )
    return render(
        request,
        "records.html.j2",
        caller=caller,
        records=records,
        report_path=report_path,
        filters={
            "review_id": review_id or "",
            "account_id": account_id or "",
            "market": market or "",
        },
    )


# --- access log ---------------------------------------------------------------------------------


@router.get("/access-log")
async def access_log_page(
    request: Request, review_id: str | None = None, person_id: str | None = None
) -> Response:
    caller = person(request, Permission.READ_ACCESS_LOG)
    services = services_of(request)
    entries = await asyncio.to_thread(
        services.archive.access_log, review_id or None, person_id or None, 500
    )
    return render(
        request,
        "access_log.html.j2",
        caller=caller,
        entries=entries,
        filters={"review_id": review_id or "", "person_id": person_id or ""},
    )


@router.get("/reviews/{review_id}/preview")
async def preview(
    request: Request,
    review_id: str,
    action: EnforcementAction,
    suspension_days: str = "",
    policy_refs: str = "",
) -> Response:
    caller = person(request)
    services = services_of(request)
    state = await services.reviews.state(review_id)
    refs = [r for r in policy_refs.split(",") if r]
    return render(
        request,
        "_preview.html.j2",
        caller=caller,
        previews=_previews(services, state, action, _int(suspension_days), refs),
    )


def _body(model: type[M], data: dict[str, Any]) -> M:
    fields = {k: v for k, v in data.items() if k in model.model_fields and v not in ("", None)}
    if "policy_refs" in model.model_fields:
        fields["policy_refs"] = data.get("policy_refs_list") or []
    if fields.get("action") != EnforcementAction.TEMPORARY_SUSPENSION:
        fields.pop("suspension_days", None)
    return model.model_validate(fields)


# Form fields whose label has another key than the field's own name.
FIELD_LABELS = {"text": "note_text"}


def form_problem(error: Mapping[str, Any], t: Callable[[str], str]) -> str:
    """One problem with a submitted form field, in the person's language: the field's label and
    what is wrong ("Justificación: escribe al menos 1 carácter"); pydantic's English message
    where the app has no words for that kind of problem yet."""
    field = str(error["loc"][0]) if error["loc"] else ""
    label = t(FIELD_LABELS.get(field, field)) if field else ""
    key = f"problem_{error['type']}"
    words = t(key)
    known = words != key
    problem = words.format(**(error.get("ctx") or {})) if known else str(error["msg"])
    return f"{label}: {problem}" if label else problem


async def invalid_form(
    request: Request, review_id: str, caller: Caller, err: ValidationError, data: dict[str, Any]
) -> HTMLResponse:
    """The review page again (422) with the form as submitted and its problems in the person's
    language, next to the first field they name."""
    t = page_translator(request)
    reasons = "; ".join(form_problem(e, t) for e in err.errors())
    field = entry_path(tuple(err.errors()[0]["loc"][:1]))
    return await review_page(request, review_id, caller, 422, reasons, data, field)


def _form_handler(action: PersonAction[Any]) -> Any:
    async def submit(request: Request, review_id: str) -> Response:
        """Check the form, send the request; re-render with the reason if refused."""
        caller = person(request, Permission.ACT_ON_REVIEWS)
        data = await form(request)
        data["policy_refs_list"] = (await request.form()).getlist("policy_refs")
        services = services_of(request)
        try:
            body = _body(action.body, data) if action.body else None
            key = str(data.get("idempotency_key") or "") or None
            await services.reviews.act(
                review_id,
                action,
                action.request_for(caller.as_person(), body),
                update_id(action, caller, key),
            )
        except ValidationError as err:
            return await invalid_form(request, review_id, caller, err, data)
        except ReviewRefused as err:
            t = page_translator(request)
            message = refusal_words(err.reason, err.params, str(err), t)
            if err.field:
                message = f"{t(FIELD_LABELS.get(err.field, err.field))}: {message}"
            return await review_page(
                request, review_id, caller, HTTP_STATUS[err.kind], message, data, err.field
            )
        return _back(review_id)

    return submit


for _action in ACTIONS:
    router.add_api_route(
        f"/reviews/{{review_id}}/{_action.path}", _form_handler(_action), methods=["POST"]
    )


@router.post("/reviews/{review_id}/record-notes")
async def add_record_note(request: Request, review_id: str) -> Response:
    """Add a note to a closed review's case record (QA and leads), as the API does; an empty or
    too long note comes back with the reason next to it."""
    caller = person(request, Permission.NOTE_CLOSED_REVIEWS)
    data = await form(request)
    services = services_of(request)
    try:
        body = _body(NoteBody, data)
    except ValidationError as err:
        return await invalid_form(request, review_id, caller, err, data)
    # The form's own key makes sending it twice (a double click, a retry) add one note; a key
    # the form would never carry is not one to keep.
    key = str(data.get("idempotency_key") or "")
    try:
        note = await asyncio.to_thread(
            services.archive.add_note,
            review_id,
            caller.as_person(),
            body,
            datetime.now(UTC),
            key if re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key) else None,
        )
    except NoCaseRecord as err:
        raise PageRefused(404, str(err)) from None
    await services.record_access(request, caller, "add_record_note", review_id, "page", note.id)
    return _back(review_id)
