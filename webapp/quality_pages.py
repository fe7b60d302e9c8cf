"""The quality pages: QA's audit queue with its score forms, the feedback specialists read and
acknowledge, and the leads' dashboard. Thin over webapp/quality_api.py and
webapp/metrics_api.py, as the other pages are over the API: the same rules, refusals in the
reader's language next to the field they name."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from decision_archive.metrics import (
    AGE_BUCKETS,
    UNKNOWN_AGE,
    MetricsSummary,
    Rate,
    team_metrics,
)
from decision_archive.quality import NotAudited
from decision_archive.report import report_locales
from decision_archive.transparency import render_csv, render_html, transparency_report
from review.matrix import ReviewPolicy
from review.models import IncidentCategory, PersonRole, SlaTier, StrictModel
from review.qa_audit import SCORE_CHECKS, QaErrorType, QaScoreBody
from review.refusals import ReviewRuleError
from webapp.access import Permission
from webapp.i18n import refusal_words
from webapp.metrics_api import DEFAULT_PERIOD, MONTH_PATTERN, metrics_filter
from webapp.pages import (
    SESSION_DONE,
    PageRefused,
    error_page,
    form,
    form_errors,
    market_choices,
    page_locale,
    page_translator,
    person,
    person_name,
    render,
    tier_label,
)
from webapp.people import Caller
from webapp.quality_api import audit_queue, feedback_of, score_decision
from webapp.services import HTTP_STATUS, services_of

router = APIRouter(include_in_schema=False)


def score_body(data: Mapping[str, Any]) -> QaScoreBody:
    """The score a QA form makes: a check is true when its box is ticked, an empty error type
    is none, an empty comment is missing (and refused, naming it)."""
    fields: dict[str, Any] = {check: data.get(check) == "yes" for check in SCORE_CHECKS}
    if data.get("error_type"):
        fields["error_type"] = data["error_type"]
    if str(data.get("comment") or "").strip():
        fields["comment"] = data["comment"]
    return QaScoreBody.model_validate(fields)


async def qa_page(
    request: Request,
    caller: Caller,
    status: int = 200,
    error: str | None = None,
    review_id: str | None = None,
    submitted: Mapping[str, Any] | None = None,
    field_errors: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The QA queue, optionally with one item's form as submitted and its problems."""
    services = services_of(request)
    queue = await audit_queue(services, caller)
    return render(
        request,
        "qa.html.j2",
        status,
        caller=caller,
        queue=queue,
        checks=SCORE_CHECKS,
        error_types=list(QaErrorType),
        failed_review=review_id,
        draft=dict(submitted or {}),
        field_errors=field_errors or {},
        error=error,
        done=request.session.pop(SESSION_DONE, None),
        correction=request.session.pop(SESSION_CORRECTION, None),
        name_of=person_name(services),
    )


SESSION_CORRECTION = "qa_correction"
"""The correction the QA reviewer's last score opened, which the next page names."""


@router.get("/qa")
async def qa_queue(request: Request) -> Response:
    """Sampled decisions waiting for a score, with the sample's rate."""
    return await qa_page(request, person(request, Permission.AUDIT_DECISIONS))


@router.post("/qa/{review_id}/score")
async def score(request: Request, review_id: str) -> Response:
    """Score a sampled decision from its form; back to the queue, or the form again with the
    reason next to the field it names."""
    caller = person(request, Permission.AUDIT_DECISIONS)
    data = await form(request)
    services = services_of(request)
    t = page_translator(request)
    try:
        body = score_body(data)
        scored = await score_decision(services, caller, review_id, body)
    except ValidationError as err:
        errors = form_errors(err, t)
        return await qa_page(
            request, caller, 422, "; ".join(errors.values()), review_id, data, errors
        )
    except ReviewRuleError as err:
        said = refusal_words(err.reason, err.params, str(err), t)
        return await qa_page(request, caller, HTTP_STATUS[err.kind], said, review_id, data)
    except NotAudited:
        raise PageRefused(404, f"no closed review with id {review_id}") from None
    request.session[SESSION_DONE] = "qa_scored"
    if scored.correction_id:
        request.session[SESSION_CORRECTION] = scored.correction_id
    elif scored.correction_state == "pending":
        request.session[SESSION_DONE] = "qa_scored_correction_pending"
    return RedirectResponse("/qa", status_code=303)


@router.get("/feedback")
async def feedback(request: Request) -> Response:
    """What QA disagreed with: a specialist's own decisions, every one for leads and QA."""
    caller = person(request, Permission.READ_QA_FEEDBACK)
    services = services_of(request)
    page = await feedback_of(services, caller)
    return render(
        request,
        "feedback.html.j2",
        caller=caller,
        items=page.items,
        checks=SCORE_CHECKS,
        name_of=person_name(services),
        done=request.session.pop(SESSION_DONE, None),
    )


@router.post("/feedback/{review_id}/acknowledge")
async def acknowledge(request: Request, review_id: str) -> Response:
    """The specialist read the feedback on their decision."""
    caller = person(request, Permission.READ_QA_FEEDBACK)
    await form(request)
    services = services_of(request)
    try:
        await asyncio.to_thread(
            services.qa.acknowledge, review_id, caller.as_person().id, datetime.now(UTC)
        )
    except ReviewRuleError as err:
        t = page_translator(request)
        raise PageRefused(
            HTTP_STATUS[err.kind], refusal_words(err.reason, err.params, str(err), t)
        ) from None
    request.session[SESSION_DONE] = "qa_acknowledged"
    return RedirectResponse("/feedback", status_code=303)


class DashboardCharts(StrictModel):
    """What the dashboard's charts draw: (label, share or None, text) per bar, and
    (label, counts by age) per stacked bar."""

    sla: list[tuple[str, float | None, str]]
    open: list[tuple[str, dict[str, int]]]
    errors: list[tuple[str, float | None, str]]


def dashboard_charts(
    summary: MetricsSummary, t: Callable[[str], str], policy: ReviewPolicy
) -> DashboardCharts:
    """The bars of the dashboard's charts, labelled in the reader's language."""
    label = tier_label(t, policy)

    def share(rate: Rate) -> tuple[float | None, str]:
        shown = f"{100 * rate.rate:.0f} %" if rate.rate is not None else "—"
        return rate.rate, f"{shown} ({rate.count}/{rate.of})"

    errors = summary.qa_error_types
    most = max(errors.values(), default=0) or 1
    return DashboardCharts(
        sla=[(label(tier), *share(summary.sla_attainment[tier])) for tier in SlaTier],
        open=[(label(tier), summary.open_by_age[tier]) for tier in SlaTier],
        # The kind without its explanation in brackets: the chart's labels are short.
        errors=[(t(f"qa_error_{e}").split(" (")[0], n / most, str(n)) for e, n in errors.items()],
    )


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RequestValidationError(
            [{"loc": ("query", field), "msg": "a date as YYYY-MM-DD", "type": "value_error"}]
        ) from None


@router.get("/dashboard")
async def dashboard(
    request: Request,
    start: str | None = None,
    end: str | None = None,
    market: str | None = None,
    category: str | None = None,
    reviewer: str | None = None,
) -> Response:
    """The leads' dashboard: the period's numbers (UTC days, ``end`` included), the open
    queue now, each matrix rule's deviations, and each decider's numbers; charts are inline
    SVG drawn here, no script or CDN. The same filters give the CSV export."""
    caller = person(request, Permission.READ_METRICS)
    services = services_of(request)
    now = datetime.now(UTC)
    t = page_translator(request)
    chosen = {
        "start": (start or "").strip(),
        "end": (end or "").strip(),
        "market": (market or "").strip(),
        "category": (category or "").strip(),
        "reviewer": (reviewer or "").strip(),
    }
    error: str | None = None
    field_errors: dict[str, str] = {}
    try:
        first, last = _day(chosen["start"], "start"), _day(chosen["end"], "end")
        # Whole UTC days, the end day included: by default the 30 days up to today.
        end_at = datetime.combine(last or now.date(), time(), UTC) + timedelta(days=1)
        start_at = datetime.combine(first, time(), UTC) if first else end_at - DEFAULT_PERIOD
        kind = IncidentCategory(chosen["category"]) if chosen["category"] else None
        query = metrics_filter(
            services.renderer.markets,
            start_at,
            end_at,
            chosen["market"] or None,
            kind,
            chosen["reviewer"] or None,
            now,
        )
    except (RequestValidationError, ValueError) as err:
        problems = (
            [(str(e["loc"][-1]), str(e["msg"])) for e in err.errors()]
            if isinstance(err, RequestValidationError)
            else [("category", str(err))]
        )
        for field, problem in problems:
            field = {"to": "end", "from": "start"}.get(field, field)
            field_errors[field] = f"{t('dashboard_' + field)}: {problem}"
        error = "; ".join(field_errors.values())
        query = None
    summary = (
        await asyncio.to_thread(team_metrics, services.archive.engine, query, now, True)
        if query
        else None
    )
    csv_query = urlencode(
        {
            "format": "csv",
            "by": "reviewer",
            **(
                {
                    "from": query.start.isoformat(),
                    "to": query.end.isoformat(),
                    **{
                        k: str(v)
                        for k, v in (
                            ("market", query.market),
                            ("category", query.category),
                            ("reviewer", query.reviewer),
                        )
                        if v
                    },
                }
                if query
                else {}
            ),
        }
    )
    locale = page_locale(request, caller)
    charts = dashboard_charts(summary, t, services.policy) if summary else None
    return render(
        request,
        "dashboard.html.j2",
        422 if error else 200,
        caller=caller,
        summary=summary,
        chosen=chosen,
        shown_end=(query.end - timedelta(days=1)).date() if query else None,
        shown_start=query.start.date() if query else None,
        error=error,
        field_errors=field_errors,
        tiers=list(SlaTier),
        age_buckets=[*(name for name, _ in AGE_BUCKETS), UNKNOWN_AGE],
        error_types=list(QaErrorType),
        categories=list(IncidentCategory),
        markets=market_choices(services, locale),
        deciders=sorted(
            pid
            for pid, entry in services.people.directory.people.items()
            if entry.role in (PersonRole.SPECIALIST, PersonRole.LEAD)
        ),
        name_of=person_name(services),
        csv_link=f"/api/v1/metrics/summary?{csv_query}",
        charts=charts,
        last_month=(now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"),
        report_locales=report_locales(),
        age_label=lambda bucket: t(f"age_{bucket}"),
    )


@router.get("/transparency")
async def transparency_page(
    request: Request,
    market: str | None = None,
    month: str | None = None,
    lang: str | None = None,
    format: str | None = None,
) -> Response:
    """A market's monthly transparency report from the dashboard's form: the standalone HTML
    page, or its CSV; a missing or unknown market or month comes back named, in the reader's
    language."""
    caller = person(request, Permission.READ_METRICS)
    services = services_of(request)
    t = page_translator(request)
    markets = services.renderer.markets
    problems = []
    if not market or markets.get(market) is None:
        problems.append(f"{t('col_market')}: {t('transparency_pick_market')}")
    if not month or not re.fullmatch(MONTH_PATTERN, month):
        problems.append(f"{t('transparency_month')}: {t('transparency_pick_month')}")
    if problems:
        return error_page(request, 422, "; ".join(problems), said="; ".join(problems))
    assert market is not None and month is not None
    locale = lang if lang in report_locales() else page_locale(request, caller)
    report = await asyncio.to_thread(
        transparency_report, services.archive.engine, market, date.fromisoformat(f"{month}-01")
    )
    if format == "csv":
        return Response(
            render_csv(report, markets, locale),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="transparency_{market}_{month}_{locale}.csv"'
                )
            },
        )
    return HTMLResponse(render_html(report, markets, locale))
