"""The team's numbers over HTTP: ``GET /api/v1/metrics/summary`` (JSON or CSV) and each
market's monthly transparency report (JSON, HTML or CSV, in English or Spanish) for leads, QA
and operators, and ``GET /metrics`` in Prometheus' text format for operators' monitoring.

Thin over decision_archive/metrics.py, which counts everything in SQL.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import AwareDatetime

from decision_archive.metrics import (
    CSV_HEADER,
    MetricsFilter,
    MetricsSummary,
    OperationalNumbers,
    operational_numbers,
    summary_rows,
    team_metrics,
)
from decision_archive.transparency import (
    TransparencyReport,
    render_csv,
    render_html,
    transparency_report,
)
from review.markets import Markets
from review.models import IDENTIFIER_PATTERN, SLUG_PATTERN, IncidentCategory
from webapp.access import Permission
from webapp.people import Caller
from webapp.quality_api import draw_pending
from webapp.services import WebServices, authorize, services_of

router = APIRouter(tags=["metrics"])
Services = Annotated[WebServices, Depends(services_of)]
MetricsReader = Annotated[Caller, Depends(authorize(Permission.READ_METRICS))]
DEFAULT_PERIOD = timedelta(days=30)


def metrics_filter(
    markets: Markets,
    start: datetime | None,
    end: datetime | None,
    market: str | None,
    category: IncidentCategory | None,
    reviewer: str | None,
    now: datetime,
) -> MetricsFilter:
    """The filter a request asks for (the last 30 days by default); a 422 naming the query
    parameter when the period runs backwards or the market is unknown."""
    end = end or now
    start = start or end - DEFAULT_PERIOD
    problems: list[dict[str, object]] = []
    if end <= start:
        problems.append(
            {"loc": ("query", "to"), "msg": "must be after from", "type": "value_error"}
        )
    if market is not None and markets.get(market) is None:
        problems.append(unknown_market(markets, market))
    if problems:
        raise RequestValidationError(problems)
    return MetricsFilter(start=start, end=end, market=market, category=category, reviewer=reviewer)


def unknown_market(markets: Markets, market: str) -> dict[str, object]:
    """The 422 problem of a ``market`` query parameter that names no configured market."""
    known = ", ".join(sorted(markets.root))
    return {
        "loc": ("query", "market"),
        "msg": f"unknown market '{market}'; the markets are {known}",
        "type": "value_error",
    }


def csv_text(summary: MetricsSummary) -> str:
    """The summary as CSV (metric, dimension, count, of, value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(summary_rows(summary))
    return out.getvalue()


@router.get(
    "/api/v1/metrics/summary",
    response_model=MetricsSummary,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def metrics_summary(
    services: Services,
    caller: MetricsReader,
    start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    market: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
    category: IncidentCategory | None = None,
    reviewer: Annotated[str | None, Query(pattern=IDENTIFIER_PATTERN)] = None,
    by: Literal["reviewer"] | None = None,
    format: Literal["json", "csv"] = "json",
) -> MetricsSummary | Response:
    """The period's numbers (reviews closed from ``from`` up to ``to``; the last 30 days by
    default) and the open queue now: SLA attainment per tier, time to decision p50/p90, open
    reviews by age and tier, at risk and breached now, deviation rate overall and per matrix
    rule (with how deviations fared in second review, QA and appeal), second-review return
    rate, QA agreement and error types, appeal and overturn rates; ``by=reviewer`` adds each
    decider's. ``format=csv`` gives the same as CSV."""
    query = metrics_filter(
        services.renderer.markets, start, end, market, category, reviewer, datetime.now(UTC)
    )
    summary = await asyncio.to_thread(
        team_metrics, services.archive.engine, query, datetime.now(UTC), by == "reviewer"
    )
    if format == "csv":
        name = f"metrics_{query.start:%Y%m%d}_{query.end:%Y%m%d}.csv"
        return Response(
            csv_text(summary),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return summary


class ReviewCollector(Collector):
    """The numbers as Prometheus metric families (prefix ``dr_``)."""

    def __init__(self, numbers: OperationalNumbers) -> None:
        self.numbers = numbers

    def collect(self) -> Iterator[Metric]:
        n = self.numbers
        queue = GaugeMetricFamily(
            "dr_open_reviews",
            "Open reviews (the queue depth) by SLA tier and SLA state.",
            labels=["tier", "sla_state"],
        )
        for tier, states in n.open_reviews.items():
            for state, count in states.items():
                queue.add_metric([str(tier), state], count)
        yield queue
        closed = GaugeMetricFamily(
            "dr_closed_reviews", "Closed reviews in the archive, by tier.", labels=["tier"]
        )
        breaches = GaugeMetricFamily(
            "dr_sla_breaches",
            "Closed reviews whose decision breached its SLA, by tier.",
            labels=["tier"],
        )
        for tier in n.closed_reviews:
            closed.add_metric([str(tier)], n.closed_reviews[tier])
            breaches.add_metric([str(tier)], n.sla_breaches[tier])
        yield closed
        yield breaches
        latency = HistogramMetricFamily(
            "dr_decision_latency_seconds",
            "Time from receiving an incident to the first decision, closed reviews, by tier.",
            labels=["tier"],
        )
        for tier, histogram in n.decision_latency.items():
            buckets = [(f"{bound:g}", count) for bound, count in histogram.buckets]
            latency.add_metric(
                [str(tier)], [*buckets, ("+Inf", histogram.count)], histogram.sum_seconds
            )
        yield latency
        yield GaugeMetricFamily("dr_open_appeals", "Appeals not closed yet.", value=n.open_appeals)
        yield GaugeMetricFamily(
            "dr_qa_queue", "Decisions sampled for QA that nobody has scored.", value=n.qa_queue
        )


@router.get("/metrics", tags=["operations"], response_class=Response)
async def prometheus_metrics(services: Services, caller: MetricsReader) -> Response:
    """The queue and the archive's totals in Prometheus' text format, for operators'
    monitoring (scrape with an operator's bearer token). The worker serves the Temporal SDK's
    own metrics on its own address (``DR_WORKER_METRICS_ADDRESS``)."""
    await draw_pending(services)  # so the QA queue counts reviews closed since the last look
    numbers = await asyncio.to_thread(operational_numbers, services.archive.engine)
    registry = CollectorRegistry()
    registry.register(ReviewCollector(numbers))
    return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")


MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get(
    "/api/v1/reports/transparency",
    response_model=TransparencyReport,
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def transparency(
    services: Services,
    caller: MetricsReader,
    market: Annotated[str, Query(pattern=SLUG_PATTERN)],
    month: Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM (UTC)")],
    lang: Literal["en", "es-MX"] = "en",
    format: Literal["json", "html", "csv"] = "json",
) -> TransparencyReport | Response:
    """A market's monthly transparency report: restrictions by ground and action, how many
    followed the automated recommendation, the median time to a decision, appeals and the
    decisions they (and our own quality checks) reversed; as JSON, a standalone HTML page or
    CSV, in English or Spanish. Counts only: it names no review, account or person."""
    markets = services.renderer.markets
    if markets.get(market) is None:
        raise RequestValidationError([unknown_market(markets, market)])
    first = date.fromisoformat(f"{month}-01")
    report = await asyncio.to_thread(transparency_report, services.archive.engine, market, first)
    name = f"transparency_{market}_{month}_{lang}"
    if format == "html":
        return HTMLResponse(render_html(report, markets, lang))
    if format == "csv":
        return Response(
            render_csv(report, markets, lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return report
