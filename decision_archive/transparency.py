"""The monthly transparency report of one market: how many accounts were restricted, on which
grounds and how, how fast, and how many decisions appeals and our own quality checks reversed.

Counted in SQL over the decision facts and the appeals book (reviews *closed* in the month, in
UTC; appeals *received* in it), it holds only counts, no review or account. It is published as
a standalone HTML page (inline CSS, no script or external resource) and as CSV, in English or
Spanish: its words live in ``templates/locales/{locale}.toml`` beside the case report's
(``tr_*`` keys).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import sqlalchemy as sa
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import Field
from sqlalchemy.engine import Engine

from decision_archive.metrics import percentiles
from decision_archive.report import TEMPLATES_DIR, catalog
from decision_archive.store import _utc, appeals, decision_facts
from review.markets import Markets
from review.models import EnforcementAction, IncidentCategory, StrictModel

RESTRICTING = [a for a in EnforcementAction if a.restricts_account]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in UTC."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = (
        datetime(month.year + 1, 1, 1, tzinfo=UTC)
        if month.month == 12
        else datetime(month.year, month.month + 1, 1, tzinfo=UTC)
    )
    return start, following


class TransparencyReport(StrictModel):
    """One market's month, in counts."""

    market: str
    month: date = Field(description="The month's first day.")
    reviews_closed: int
    by_ground: dict[IncidentCategory, dict[EnforcementAction, int]] = Field(
        description="Closed reviews per ground (incident category) and action taken."
    )
    restrictions: int = Field(description="Suspensions and deactivations decided.")
    followed_recommendation: int = Field(
        description="Decisions that took the automated matrix recommendation."
    )
    median_hours_to_decision: float | None = Field(
        description="From the report reaching us to the decision (nearest-rank median)."
    )
    appeals_received: int
    appeals_decided: int
    appeals_reversed: int = Field(description="Decided appeals that overturned the decision.")
    appeals_modified: int = Field(description="Decided appeals that made it milder.")
    corrections: int = Field(description="Decisions our own quality checks reopened.")
    corrections_reversed: int


def transparency_report(engine: Engine, market: str, month: date) -> TransparencyReport:
    """Count the market's month."""
    start, end = month_bounds(month)
    f, a = decision_facts.c, appeals.c
    closed = [f.market == market, f.closed_at >= _utc(start), f.closed_at < _utc(end)]
    with engine.connect() as db:
        grid: dict[IncidentCategory, dict[EnforcementAction, int]] = {}
        for category, action, n in db.execute(
            sa.select(f.category, f.action, sa.func.count())
            .where(*closed)
            .group_by(f.category, f.action)
        ).all():
            row = grid.setdefault(IncidentCategory(category), dict.fromkeys(EnforcementAction, 0))
            row[EnforcementAction(action)] = int(n)

        def count(*where: sa.ColumnElement[bool], table: sa.Table = decision_facts) -> int:
            stmt = sa.select(sa.func.count()).select_from(table).where(*where)
            return int(db.execute(stmt).scalar_one())

        received = [a.market == market, a.received_at >= _utc(start), a.received_at < _utc(end)]
        by_person = [*received, a.origin == "person"]
        by_qa = [*received, a.origin == "quality_audit"]
        median = percentiles(db, closed).p50
        report = TransparencyReport(
            market=market,
            month=start.date(),
            reviews_closed=count(*closed),
            by_ground={c: grid[c] for c in IncidentCategory if c in grid},
            restrictions=count(*closed, f.action.in_([str(x) for x in RESTRICTING])),
            followed_recommendation=count(*closed, f.deviated.is_(False)),
            median_hours_to_decision=median / 3600 if median is not None else None,
            appeals_received=count(*by_person, table=appeals),
            appeals_decided=count(*by_person, a.outcome.is_not(None), table=appeals),
            appeals_reversed=count(*by_person, a.outcome == "overturn", table=appeals),
            appeals_modified=count(*by_person, a.outcome == "modify", table=appeals),
            corrections=count(*by_qa, table=appeals),
            corrections_reversed=count(*by_qa, a.outcome == "overturn", table=appeals),
        )
    return report


_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render_html(report: TransparencyReport, markets: Markets, locale: str) -> str:
    """The report as a standalone HTML page in ``locale`` (en or es-MX)."""
    words = catalog(locale)
    return _ENVIRONMENT.get_template("transparency.html.j2").render(
        r=report,
        t=words.__getitem__,
        locale=locale,
        market_name=markets.name(report.market, locale),
        month_name=format_date(report.month, "LLLL y", locale=locale.replace("-", "_")),
        actions=list(EnforcementAction),
        hours=lambda h: f"{h:.1f}" if h is not None else "—",
    )


def render_csv(report: TransparencyReport, markets: Markets, locale: str) -> str:
    """The report as CSV rows (section, ground, action, count), headed in ``locale``."""
    t = catalog(locale)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([t["tr_csv_section"], t["tr_csv_item"], t["tr_csv_detail"], t["tr_csv_count"]])
    month = report.month.strftime("%Y-%m")
    writer.writerow([t["tr_market"], markets.name(report.market, locale), month, ""])
    writer.writerow([t["tr_reviews_closed"], "", "", report.reviews_closed])
    for category, actions in report.by_ground.items():
        for action, n in actions.items():
            writer.writerow(
                [t["tr_by_ground"], t[f"category_{category}"], t[f"action_{action}"], n]
            )
    writer.writerow([t["tr_restrictions"], "", "", report.restrictions])
    writer.writerow([t["tr_followed"], "", "", report.followed_recommendation])
    median = report.median_hours_to_decision
    writer.writerow([t["tr_median_hours"], "", "", f"{median:.1f}" if median is not None else ""])
    for key, value in (
        ("tr_appeals_received", report.appeals_received),
        ("tr_appeals_decided", report.appeals_decided),
        ("tr_appeals_reversed", report.appeals_reversed),
        ("tr_appeals_modified", report.appeals_modified),
        ("tr_corrections", report.corrections),
        ("tr_corrections_reversed", report.corrections_reversed),
    ):
        writer.writerow([t[key], "", "", value])
    return out.getvalue()
