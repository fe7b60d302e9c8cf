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
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import ValidationError
from temporalio.service import RPCError

from decision_archive.metrics import similar_decisions
from decision_archive.read_model import QueueCursor, QueueQuery, ReviewSummary, queue_order
from decision_archive.store import AccessEntry, NoCaseRecord
from review import lifecycle
from review.actions import ACTIONS, CLAIM, DECIDE, PersonAction
from review.matrix import ReviewPolicy
from review.models import (
    IDENTIFIER_PATTERN,
    SLUG_PATTERN,
    EnforcementAction,
    IncidentCategory,
    NoteBody,
    PersonRole,
    ReviewState,
    ReviewStatus,
    SecondReview,
    Severity,
    SlaClock,
    SlaTier,
    StrictModel,
    TimelineEntry,
    review_id_for,
)
from review.notices import preview_notices
from review.policy_files import entry_path
from webapp.access import Permission, allowed, may
from webapp.api import IDEMPOTENCY_KEY_PATTERN
from webapp.auth import (
    SESSION_ID,
    SESSION_LOCALE,
    csrf_token,
    csrf_valid,
    end_session,
    start_session,
)
from webapp.drafts import FORM_DRAFTS
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
from workflows import search_attributes
from workflows.client import (
    QUERY_TIMEOUT,
    ReviewNotFound,
    ReviewRefused,
    ReviewsUnavailable,
)

E = TypeVar("E", bound=StrEnum)
M = TypeVar("M", bound=StrictModel)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=WEBAPP_DIR / "templates")

LEADS_STATUSES = [ReviewStatus.AWAITING_SECOND_REVIEW]
DECIDED_STATUSES = frozenset(
    {
        ReviewStatus.AWAITING_SECOND_REVIEW,
        ReviewStatus.HEARING,
        ReviewStatus.NOTICE_PERIOD,
        ReviewStatus.ACTIONING,
        ReviewStatus.CLOSED,
    }
)
"""Statuses in which a review's assignee is the person who decided it."""


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


def local_time(services: WebServices, locale: str) -> Callable[..., Markup]:
    """``local_time(moment, market)``: the moment in the market's time zone, the zone named in
    the page's language ("1 dic 2026, 09:00 hora estándar central"), UTC on hover;
    ``local_time(moment, market, day_only=True)`` for a day whose time means nothing (a member
    since, a past decision): "22 ene 2025"."""

    def shown(moment: datetime, market: str, day_only: bool = False) -> Markup:
        zone = services.renderer.markets.time_zone(market)
        text = format_datetime(
            moment,
            "d MMM y" if day_only else "d MMM y, HH:mm zzzz",
            tzinfo=zone,
            locale=locale.replace("-", "_"),
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
    request: Request,
    status: int,
    message: str,
    fields: list[Any] | None = None,
    said: str | None = None,
    link: tuple[str, str] | None = None,
) -> HTMLResponse:
    """An error in plain words, never a stack trace, titled for what happened in the page's
    language ("No tienes permiso", "No se encontró"). ``said`` tells the person what happened in
    their language when ``message`` is the server's own (English) words, which then show as a
    technical detail; a page not found says so in their language by itself. ``link`` is
    where to go next, as (path, words)."""
    t = page_translator(request)
    title = t(f"error_title_{status}")
    if title == f"error_title_{status}":
        title = t("error_title")
    if said is None and status == 404:
        said = t("not_found_hint")
    return render(
        request,
        "error.html.j2",
        status,
        title=title,
        said=said,
        message=message,
        fields=fields or [],
        link=link,
    )


def forbidden_words(request: Request, caller: Caller, permission: Permission) -> str:
    """Why ``caller`` may not open a page, in the page's language: "Tu rol (revisión de
    calidad) no te permite leer el registro de accesos."."""
    t = translator(page_locale(request, caller))
    role = t(f"role_{caller.person.role}") if caller.person else t("role_intake")
    return t("forbidden").format(role=role, what=t(f"permission_{permission.value}"))


def sign_in_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to sign in, then back here."""
    return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)


def person(request: Request, permission: Permission = Permission.READ_REVIEWS) -> Caller:
    """The signed-in person allowed to ``permission``; raises for anyone else."""
    caller = current_caller(request)
    if caller is None:
        raise PageRefused(401, "sign in first")
    if not allowed(caller, permission):
        raise PageRefused(403, forbidden_words(request, caller, permission))
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


SESSION_DONE = "done"
"""The request a person's last form sent, which the next page confirms ("Revisión tomada.")."""

SESSION_SEEN = "seen"
"""The review and version the person's last request made: the page after it shows that
version or a later one."""


def _back(review_id: str) -> RedirectResponse:
    return RedirectResponse(f"/reviews/{review_id}", status_code=303)


# --- signing in ---------------------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "/queue") -> Response:
    """The sign-in form, back to ``next`` (a path on this site) once signed in."""
    return render(
        request, "sign_in.html.j2", next=same_site_path(next), failed=False, field_errors={}
    )


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    data = await form(request)
    target = same_site_path(str(data.get("next") or "/queue"))
    services = services_of(request)
    username = str(data.get("username", "")).strip()[:128]  # typed once is enough
    password = str(data.get("password", ""))
    # The form leaves checking to the server (novalidate): a browser's own "Please fill out
    # this field." is in the browser's language, not the page's.
    missing = {
        field: page_translator(request)(f"sign_in_missing_{field}")
        for field, value in (("username", username), ("password", password))
        if not value
    }
    if missing:
        return render(
            request,
            "sign_in.html.j2",
            422,
            next=target,
            failed=False,
            username=username,
            field_errors=missing,
        )
    caller = services.people.sign_in(username, password)
    if caller is None:
        return render(
            request,
            "sign_in.html.j2",
            401,
            next=target,
            failed=True,
            username=username,
            field_errors={},
        )
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
    after: str | None = None,
) -> Response:
    """Open reviews, most urgent tier first, then the soonest SLA deadline, a page at a time
    (``after``: where the previous page ended); a filter left at "any" (empty) filters
    nothing."""
    caller = person(request)
    services = services_of(request)
    chosen_tier = _chosen(SlaTier, tier, "tier", request)
    chosen_category = _chosen(IncidentCategory, category, "category", request)
    chosen_status = _chosen(ReviewStatus, status, "status", request)
    if market and not re.fullmatch(SLUG_PATTERN, market):
        raise PageRefused(422, f"{page_translator(request)('filter_market')}: ({market})")
    which = QueueQuery(
        statuses=[chosen_status] if chosen_status else [],
        open_only=True,
        tier=chosen_tier,
        category=chosen_category,
        market=market or None,
        assignee=caller.name if mine else None,
    )
    cursor = None
    if after:
        try:
            cursor = QueueCursor.parse(after)
        except ValueError:
            raise PageRefused(422, page_translator(request)("queue_page_unknown")) from None
    page = await services.reviews.queue(which, cursor, limit=QUEUE_PAGE_SIZE)
    done = request.session.pop(SESSION_DONE, None)
    shown = {"tier": tier, "category": category, "market": market, "status": status}
    shown["mine"] = "true" if mine else None
    return render(
        request,
        "queue.html.j2",
        caller=caller,
        title_key="queue_title",
        done=done,
        reviews=page.reviews,
        total=page.total,
        next_page=_queue_link(shown, page.next) if page.next else None,
        first_page=_queue_link(shown) if cursor else None,
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
        markets=market_choices(services, page_locale(request, caller), market),
        can_claim=may(caller, CLAIM.update),
    )


@router.post("/queue/next")
async def claim_next(request: Request) -> Response:
    """Take the most urgent unclaimed review the person can work and open it; back to the
    queue, saying so, when there is none."""
    caller = person(request, Permission.ACT_ON_REVIEWS)
    await form(request)  # checks the CSRF token
    services = services_of(request)
    me = caller.as_person()
    try:
        ack = await services.reviews.claim_next(me, services.people.skills(me.id))
    except ReviewRefused as err:
        raise PageRefused(HTTP_STATUS[err.kind], refused_form_words(request, err)[0]) from None
    if ack is None:
        request.session[SESSION_DONE] = "nothing_next"
        return RedirectResponse("/queue", status_code=303)
    request.session[SESSION_DONE] = CLAIM.update
    request.session[SESSION_SEEN] = [ack.review_id, ack.version]
    review_id = ack.review_id
    return _back(review_id)


QUEUE_PAGE_SIZE = 50
"""Reviews a queue page lists; the rest are a "next page" away."""


def _queue_link(filters: Mapping[str, str | None], after: QueueCursor | None = None) -> str:
    """The queue with these filters, from its first page or after ``after``."""
    chosen = {k: v for k, v in filters.items() if v}
    return "/queue?" + urlencode(chosen | ({"after": after.token()} if after else {}))


def folded(text: str) -> str:
    """Text as people type it to find something: any case, accents optional, spaces trimmed
    ("marco diaz" finds "Marco Díaz")."""
    plain = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def market_choices(services: WebServices, locale: str, chosen: str | None = None) -> list[str]:
    """Every market the policy in force lists, in order of its name in ``locale``; ``chosen``
    too when it lists no such market, so a filter still shows what it filters by."""
    markets = services.renderer.markets
    slugs = set(markets.root) | ({chosen} if chosen else set())
    return sorted(slugs, key=lambda slug: folded(markets.name(slug, locale)))


async def escalation_reasons(
    services: WebServices, reviews: list[ReviewSummary], locale: str
) -> dict[str, list[Markup]]:
    """Why each review was escalated: in the person's language where our code wrote the reason
    (the SLA breached, actioning blocked), as written and by whom where a person gave it. The
    reasons are in the reviews' published views, read at once; a review with none (its code
    publishes nothing) is read from its workflow, and one that cannot be read now keeps just
    its badge rather than failing the whole queue."""
    escalated = [r for r in reviews if r.escalated]
    views = await services.reviews.published([r.review_id for r in escalated])

    async def why(review: ReviewSummary) -> list[Markup]:
        state = views.get(review.review_id)
        if state is None:
            try:
                state = await services.reviews.state(review.review_id)
            except (ReviewNotFound, ReviewsUnavailable, ReviewRefused, RPCError):
                return []  # e.g. its worker is down: "no poller seen for task queue recently"
        words = services.reports.words(review.market, locale)
        return [_escalation(words.detail(e), e) for e in state.timeline if e.event == "escalated"]

    found = await asyncio.gather(*(why(r) for r in escalated))
    return {r.review_id: reasons for r, reasons in zip(escalated, found, strict=True)}


def _escalation(said: object, entry: TimelineEntry) -> Markup:
    if entry.actor is None:
        return Markup(said)
    return Markup('{} <span class="muted">— {}</span>').format(said, entry.actor)


LEADS_LIMIT = 200
"""The leads' queue lists this many of each kind (second reviews, escalations), most urgent
first."""


@router.get("/leads")
async def leads_queue(request: Request) -> Response:
    caller = person(request)
    services = services_of(request)
    waiting = await services.reviews.queue(
        QueueQuery(statuses=LEADS_STATUSES), limit=LEADS_LIMIT, counted=False
    )
    escalated = await services.reviews.queue(
        QueueQuery(open_only=True, escalated=True), limit=LEADS_LIMIT, counted=False
    )
    seen = {r.review_id: r for r in waiting.reviews + escalated.reviews}
    reviews = sorted(seen.values(), key=queue_order)
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
        # Here a decided review's assignee is the person who decided it: say so.
        person_column="decided_by",
        decided_statuses=DECIDED_STATUSES,
        escalation_reasons=await escalation_reasons(
            services, reviews, page_locale(request, caller)
        ),
    )


# --- the review page ----------------------------------------------------------------------------

OTHERS_LIMIT = 50
"""How many of the account's other reviews the page lists, most urgent first."""


async def review_page(
    request: Request,
    review_id: str,
    caller: Caller,
    status: int = 200,
    error: str | None = None,
    submitted: dict[str, Any] | None = None,
    field_errors: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The review page, optionally with an error (and each field's problem next to it) and the
    form exactly as the person submitted it: just now, or before they reloaded the page or
    switched language."""
    services = services_of(request)
    seen = request.session.pop(SESSION_SEEN, None)
    at_least = seen[1] if isinstance(seen, list) and seen[:1] == [review_id] else None
    state = await services.reviews.state(review_id, at_least=at_least)
    session_id = request.session.get(SESSION_ID)
    if submitted is None and isinstance(session_id, str) and state.status is ReviewStatus.IN_REVIEW:
        submitted = FORM_DRAFTS.draft(session_id, review_id, DECIDE.path)
    done = request.session.pop(SESSION_DONE, None)
    await services.record_access(request, caller, "view_review", review_id, "page")
    of_account = await services.reviews.queue(
        QueueQuery(account_id=state.request.account.id), limit=OTHERS_LIMIT + 1, counted=False
    )
    others = [r for r in of_account.reviews if r.review_id != review_id][:OTHERS_LIMIT]
    draft = decision_draft(state, submitted)
    action, days, refs = draft["action"], draft["suspension_days"], draft["policy_refs"]
    if state.status is ReviewStatus.AWAITING_SECOND_REVIEW and state.decision is not None:
        # The lead reads the messages the decision under review would send.
        d = state.decision
        action, days, refs = d.action, d.suspension_days, list(d.policy_refs)
    previews, preview_hints = _previews(services, state, action, days, refs)
    report_link = (
        case_report_page_path(review_id) if await services.report_link(caller, state) else None
    )
    # The report link is there exactly when the review is closed, the archive holds its record
    # and the caller reads case files: so are the notes added to it since it closed.
    record_notes = (
        await asyncio.to_thread(services.archive.notes, review_id) if report_link else None
    )
    rec = state.recommendation
    similar = (
        await asyncio.to_thread(similar_decisions, services.archive.engine, rec.rule_id, review_id)
        if rec
        else None
    )
    return render(
        request,
        "review.html.j2",
        status,
        caller=caller,
        review=state,
        others=others,
        error=error,
        field_errors=field_errors or {},
        done=done,
        name_of=person_name(services),
        clock=shown_clock(state),
        returned=returned_by_lead(state),
        words=services.reports.words(state.request.account.market, page_locale(request, caller)),
        draft=draft,
        previews=previews,
        preview_hints=preview_hints,
        actions=list(EnforcementAction),
        guideline_refs=services.policy.guideline_refs,
        severities=list(Severity),
        temporal_link=services.temporal_ui_link(review_id),
        report_link=report_link,
        record_notes=record_notes,
        similar=similar,
        retrying=await services.reviews.retrying_steps(review_id, state),
        appeals=await services.appeals.of_review(review_id),
        deciders=services.people.deciders(),
        lease_zone=str(services.renderer.markets.time_zone(state.request.account.market)),
        lease_ping_seconds=services.settings.lease_ping(state.lease_minutes),
    )


def shown_clock(state: ReviewState) -> tuple[str, SlaClock]:
    """The SLA clock a review's page leads with, and what it times: the running second review
    or rework once decided (as the queues count down), else the decision's."""
    stage = lifecycle.open_stage(state)
    if stage is not None:
        return stage.stage, stage
    return "decision", state.sla


def returned_by_lead(state: ReviewState) -> SecondReview | None:
    """The lead's second review when it sent the decision back to the specialist to revise."""
    second = state.second_review
    if state.status is ReviewStatus.IN_REVIEW and second and second.outcome == "return":
        return second
    return None


def decision_draft(state: ReviewState, submitted: dict[str, Any] | None) -> dict[str, Any]:
    """What the decision form shows: the form exactly as submitted (a refused one comes back
    as the person left it, unticked guidelines included); after a lead returned the decision,
    the specialist's previous decision; after the person's hearing, the decision put to them
    (without its rationale: the new one weighs their answer); else the matrix
    recommendation."""
    if submitted is not None:
        return {
            **submitted,
            "action": _enforcement(submitted.get("action")),
            "suspension_days": _int(submitted.get("suspension_days")),
            "policy_refs": list(submitted.get("policy_refs_list") or []),
        }
    previous = state.decision if returned_by_lead(state) else None
    hearing = state.hearing
    if previous is None and hearing is not None and hearing.ended_at and state.decision is None:
        # After the hearing, the decision put to the person; the rationale is written anew.
        intended = hearing.intended
        return {
            "action": intended.action,
            "suspension_days": intended.suspension_days,
            "policy_refs": list(intended.policy_refs),
        }
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
) -> tuple[list[dict[str, Any]], list[str]]:
    """The messages a decision would send, and why some cannot be shown yet (a suspension
    without its days, no guideline cited), are not sent at all (nothing to the account) or
    come first as a notice of intent (the person's hearing)."""
    if action is None:
        return [], []
    if action is not EnforcementAction.TEMPORARY_SUSPENSION:
        days = None
    elif days is None:
        return [], ["needs_days"]
    known = [r for r in refs if r in services.policy.guideline_refs]
    if not known:
        return [], ["needs_guideline"]
    jobs = preview_notices(state, action, days, known, services.policy, datetime.now(UTC))
    previews = [{"job": job, "message": services.renderer.render(job)} for job in jobs]
    account = state.request.account.id
    hints = [] if any(j.recipient.account_id == account for j in jobs) else ["none_to_account"]
    if any(j.content.kind == "notice_of_intent" for j in jobs):
        hints.append("hearing_first")
    return previews, hints


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
    """Closed reviews' case records, most recently closed first, found as people type: a review
    by its id or its incident's, a market by its slug or its name, spaces around a value
    ignored."""
    caller = person(request, Permission.READ_REPORTS)
    services = services_of(request)
    review_id, account_id = (review_id or "").strip(), (account_id or "").strip()
    chosen_market = market_slug(services, market or "")
    records = await asyncio.to_thread(
        services.archive.search,
        typed_review_id(review_id) or None,
        account_id or None,
        chosen_market or None,
        200,
    )
    return render(
        request,
        "records.html.j2",
        caller=caller,
        records=records,
        report_path=case_report_page_path,
        markets=market_choices(services, page_locale(request, caller), chosen_market),
        filters={"review_id": review_id, "account_id": account_id, "market": chosen_market},
    )


def typed_review_id(typed: str) -> str:
    """The review a filter names: its id, or the id of the review of the incident typed
    ("INC-DEMO-1001" is "review-INC-DEMO-1001"); empty stays empty."""
    prefix = review_id_for("")
    return typed if not typed or typed.startswith(prefix) else review_id_for(typed)


def market_slug(services: WebServices, typed: str) -> str:
    """The market a filter names: its slug, or its name in any language (any case, accents
    optional: "Mexico City", "ciudad de mexico"); else what was typed, trimmed."""
    wanted = folded(typed)
    for slug, market in services.renderer.markets.root.items():
        if wanted in {folded(slug), *(folded(name) for name in market.names.values())}:
            return slug
    return typed.strip()


def case_report_page_path(review_id: str) -> str:
    """Where a page links a closed review's case report: a page address, so that a browser
    never lands on the API's JSON (``?format=md`` for Markdown, as the report itself)."""
    return f"/records/{review_id}/report"


@router.get("/records/{review_id}/report")
async def case_report_page(request: Request, review_id: str) -> Response:
    """A case report opened from a page: handed over to the report (HTML or Markdown, as the
    query asks) once the archive holds its record; else a page in the person's language saying
    the review has none yet, with the way to its page."""
    person(request, Permission.READ_REPORTS)
    services = services_of(request)
    known = re.fullmatch(IDENTIFIER_PATTERN, review_id) is not None
    if not known or not await asyncio.to_thread(services.archive.has_record, review_id):
        t = page_translator(request)
        return error_page(
            request,
            404,
            str(NoCaseRecord(review_id)),
            said=t("no_report_yet"),
            link=(f"/reviews/{quote(review_id)}", t("open_review_page")),
        )
    query = request.url.query
    return RedirectResponse(report_path(review_id) + (f"?{query}" if query else ""), 303)


# --- access log ---------------------------------------------------------------------------------


@router.get("/access-log")
async def access_log_page(
    request: Request, review_id: str | None = None, person_id: str | None = None
) -> Response:
    """Who looked at what, newest first: a review found by its id or its incident's, a person
    by their id or name; times in the review's market's zone (UTC for a row without one)."""
    caller = person(request, Permission.READ_ACCESS_LOG)
    services = services_of(request)
    review_id, person_id = (review_id or "").strip(), (person_id or "").strip()
    entries = await asyncio.to_thread(
        services.archive.access_log,
        typed_review_id(review_id) or None,
        typed_person_id(services, person_id) or None,
        500,
    )
    return render(
        request,
        "access_log.html.j2",
        caller=caller,
        entries=entries,
        markets=await review_markets(services, {e.review_id for e in entries if e.review_id}),
        access_what=access_what(page_translator(request)),
        filters={"review_id": review_id, "person_id": person_id},
    )


def typed_person_id(services: WebServices, typed: str) -> str:
    """The person a filter names: their id or their name in the people directory (any case,
    accents optional: "Ana Ruiz", "marco diaz"); else what was typed."""
    wanted = folded(typed)
    for person_id, entry in services.people.directory.people.items():
        if wanted in (folded(person_id), folded(entry.display_name)):
            return person_id
    return typed


async def review_markets(services: WebServices, review_ids: set[str]) -> dict[str, str]:
    """The market of each review: from its case record once closed (also when Temporal has
    forgotten it), else from the workflow's search attributes. A review neither knows (or
    Temporal too slow to say) is left out: its times show in UTC rather than hold up the log."""

    markets = await asyncio.to_thread(services.archive.markets, review_ids)
    asking = asyncio.Semaphore(8)  # the log spans many reviews; don't ask Temporal all at once

    async def described(review_id: str) -> None:
        async with asking:
            try:
                description = await services.reviews.handle(review_id).describe(
                    rpc_timeout=QUERY_TIMEOUT
                )
            except RPCError:
                return  # not found, or Temporal is unwell: its times show in UTC
        market = description.typed_search_attributes.get(search_attributes.MARKET)
        if market:
            markets[review_id] = market

    asked = [asyncio.create_task(described(r)) for r in sorted(review_ids - markets.keys())]
    if asked:
        # One wait for them all, however many reviews the log spans.
        _, late = await asyncio.wait(asked, timeout=QUERY_TIMEOUT.total_seconds())
        for task in late:
            task.cancel()
    return markets


# The requests whose answer is a view of the review (the API's ``after``), by the words of
# their buttons.
ACCESS_AFTER = {
    "claim": "claim",
    "decision": "decide",
    "second-review": "second_review",
    "notes": "add_note",
    "request-more-info": "request_more_info",
    "escalate": "escalate",
    "retry-actioning": "retry_actioning",
}
_PAYLOADS = re.compile(r"(?P<n>\d+) payload\(s\)")
"""How the codec endpoint notes a decode (webapp/codec_server.py)."""


def access_what(t: Callable[[str], str]) -> Callable[[AccessEntry], Markup]:
    """``access_what(entry)``: what an access log row's person did, in words: the report's
    format ("Leyó el informe del caso (Markdown)"), the request a view answered, how many
    payloads were decoded; an id (a note's) or a detail the app has no words for aside, in a
    technical span."""

    def said(entry: AccessEntry) -> Markup:
        what = t(f"access_{entry.action}")
        detail = entry.detail
        if not detail:
            return escape(what)
        if entry.action == "view_report" and detail in ("md", "html"):
            return Markup("{} ({})").format(what, t(f"access_format_{detail}"))
        if entry.action == "view_report" and detail == "record-notes":
            return escape(t("access_view_record_notes"))
        if entry.action == "view_review" and detail in ACCESS_AFTER:
            request = t("access_after").format(request=t(ACCESS_AFTER[detail]))
            return Markup("{} ({})").format(what, request)
        if entry.action == "decode_history" and (m := _PAYLOADS.fullmatch(detail)):
            n = int(m["n"])
            payloads = t("access_payloads_one" if n == 1 else "access_payloads_other")
            return Markup("{} ({})").format(what, payloads.format(n=n))
        return Markup('{} <span class="technical muted" title="{}">{}</span>').format(
            what, t("ev_technical_detail"), detail
        )

    return said


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
    previews, hints = _previews(services, state, action, _int(suspension_days), refs)
    return render(
        request,
        "_preview.html.j2",
        caller=caller,
        previews=previews,
        preview_hints=hints,
        words=services.reports.words(state.request.account.market, page_locale(request, caller)),
    )


def form_body(model: type[M], data: dict[str, Any]) -> M:
    """The model a form's fields make (empty fields left out; ``policy_refs`` as checked)."""
    fields = {k: v for k, v in data.items() if k in model.model_fields and v not in ("", None)}
    if "policy_refs" in model.model_fields:
        fields["policy_refs"] = data.get("policy_refs_list") or []
    if fields.get("action") != EnforcementAction.TEMPORARY_SUSPENSION:
        fields.pop("suspension_days", None)
    return model.model_validate(fields)


# Form fields whose label has another key than the field's own name.
FIELD_LABELS = {"text": "note_text", "to": "reassign_to", "outcome": "appeal_outcome"}


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
    field_errors = form_errors(err, page_translator(request))
    reasons = "; ".join(field_errors.values())
    return await review_page(request, review_id, caller, 422, reasons, data, field_errors)


def form_errors(err: ValidationError, t: Callable[[str], str]) -> dict[str, str]:
    """Each field's problems in a form that does not validate, in the person's language."""
    field_errors: dict[str, str] = {}
    for e in err.errors():
        field = entry_path(tuple(e["loc"][:1]))
        said = form_problem(e, t)
        field_errors[field] = f"{field_errors[field]}; {said}" if field in field_errors else said
    return field_errors


def refused_form_words(request: Request, err: ReviewRefused) -> tuple[str, dict[str, str]]:
    """Every problem of a refused request in the person's language: all of them together, and
    each one that names a field, by field. People read names, not ids ("la tomó Ana Ruiz")."""
    t = page_translator(request)
    name_of = person_name(services_of(request))
    said: list[str] = []
    field_errors: dict[str, str] = {}
    for problem in err.problems():
        params = {
            name: name_of(value) if name in ("holder", "person") else value
            for name, value in problem.params.items()
        }
        words = refusal_words(problem.reason, params, problem.message, t)
        if problem.field:
            words = f"{t(FIELD_LABELS.get(problem.field, problem.field))}: {words}"
            field_errors[problem.field] = words
        said.append(words)
    return "; ".join(said), field_errors


def person_name(services: WebServices) -> Callable[[str], str]:
    """A person's display name from the directory, or their id when it has none for them."""

    def name(person_id: str) -> str:
        found = services.people.person(person_id)
        return found.display_name if found is not None and found.display_name else person_id

    return name


def _form_handler(action: PersonAction[Any]) -> Any:
    async def submit(request: Request, review_id: str) -> Response:
        """Check the form, send the request; re-render with the reason if refused."""
        caller = person(request, Permission.ACT_ON_REVIEWS)
        data = await form(request)
        data["policy_refs_list"] = (await request.form()).getlist("policy_refs")
        services = services_of(request)
        session_id = str(request.session.get(SESSION_ID) or "")
        keeps_draft = action is DECIDE and bool(session_id)
        draft = {k: v for k, v in data.items() if k != "csrf_token"}
        try:
            body = form_body(action.body, data) if action.body else None
            key = str(data.get("idempotency_key") or "") or None
            ack = await services.reviews.act(
                review_id,
                action,
                action.request_for(caller.as_person(), body, services.people.named),
                update_id(action.path, caller, key),
            )
        except ValidationError as err:
            if keeps_draft:
                FORM_DRAFTS.keep(session_id, review_id, action.path, draft)
            return await invalid_form(request, review_id, caller, err, data)
        except ReviewRefused as err:
            if keeps_draft:
                FORM_DRAFTS.keep(session_id, review_id, action.path, draft)
            message, field_errors = refused_form_words(request, err)
            return await review_page(
                request, review_id, caller, HTTP_STATUS[err.kind], message, data, field_errors
            )
        if keeps_draft:
            FORM_DRAFTS.drop(session_id, review_id, action.path)
        request.session[SESSION_DONE] = action.update
        request.session[SESSION_SEEN] = [review_id, ack.version]
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
        body = form_body(NoteBody, data)
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
