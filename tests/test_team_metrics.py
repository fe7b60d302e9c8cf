"""The team's numbers, counted in SQL over a known month (tests/team_month.py) on SQLite and on
PostgreSQL; every expected value below is worked out by hand from that month's table."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from decision_archive.metrics import (
    MetricsFilter,
    MetricsSummary,
    Rate,
    similar_decisions,
    team_metrics,
)
from decision_archive.store import DecisionArchive
from decision_archive.transparency import render_csv, render_html, transparency_report
from review.markets import load_markets
from review.models import EnforcementAction, IncidentCategory, SlaTier
from review.qa_audit import QaErrorType
from tests.conftest import TEST_KEYS, fresh_database
from tests.team_month import END, NOW, RULE_A, RULE_B, RULE_C, START, write_team_month


@pytest.fixture(params=["sqlite", "postgresql"])
def month(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionArchive]:
    store = DecisionArchive(fresh_database(request, tmp_path, request.param), TEST_KEYS)
    write_team_month(store.engine)
    yield store
    store.close()


def summary(archive: DecisionArchive, **filters: object) -> MetricsSummary:
    query = MetricsFilter.model_validate({"start": START, "end": END} | filters)
    return team_metrics(archive.engine, query, NOW, by_reviewer=True)


def test_the_period_holds_reviews_closed_from_its_start_up_to_its_end(
    month: DecisionArchive,
) -> None:
    # R1 closed at the start (in), R6 before it and R7 at the end (out).
    assert summary(month).closed_reviews == 5


def test_sla_attainment_is_counted_per_tier(month: DecisionArchive) -> None:
    assert summary(month).sla_attainment == {
        SlaTier.CRITICAL: Rate(count=1, of=1, rate=1.0),
        SlaTier.HIGH: Rate(count=3, of=3, rate=1.0),
        SlaTier.STANDARD: Rate(count=0, of=1, rate=0.0),
    }


def test_time_to_decision_percentiles_are_nearest_rank(month: DecisionArchive) -> None:
    # Sorted: 600, 1800, 3600, 7200, 90000. p50 is the 3rd (ceil 2.5), p90 the 5th (ceil 4.5).
    times = summary(month).time_to_decision_s

    assert (times.count, times.p50, times.p90) == (5, 3600, 90000)


def test_open_reviews_are_counted_by_tier_and_age_now(month: DecisionArchive) -> None:
    found = summary(month)

    assert found.open_by_age[SlaTier.HIGH] == {
        "under_1h": 1,
        "1h_to_4h": 0,
        "4h_to_24h": 1,
        "1d_to_3d": 0,
        "over_3d": 0,
        "unknown": 0,
    }
    assert found.open_by_age[SlaTier.CRITICAL]["1d_to_3d"] == 1
    assert found.open_by_age[SlaTier.STANDARD]["over_3d"] == 1
    assert sum(sum(ages.values()) for ages in found.open_by_age.values()) == 4
    assert (found.at_risk_now, found.breached_now) == (1, 1)


def test_deviation_and_second_review_return_rates(month: DecisionArchive) -> None:
    found = summary(month)

    assert found.deviation_rate == Rate(count=2, of=5, rate=0.4)  # R2, R5
    # Second-reviewed: R2, R3, R5; returned: R2.
    assert found.second_review_return_rate == Rate(count=1, of=3, rate=1 / 3)


def test_qa_agreement_and_error_types(month: DecisionArchive) -> None:
    found = summary(month)

    assert found.qa_agreement == Rate(count=1, of=3, rate=1 / 3)
    assert found.qa_error_types == {
        QaErrorType.FALSE_POSITIVE: 0,
        QaErrorType.FALSE_NEGATIVE: 0,
        QaErrorType.WRONG_ACTION: 1,
        QaErrorType.DOCUMENTATION: 1,
    }


def test_appeal_rates_count_restrictions_appealed_and_decided_appeals_overturned(
    month: DecisionArchive,
) -> None:
    found = summary(month)

    # Restrictions closed in November: R2 and R3; R2 appealed (twice: one review).
    assert found.appeal_rate == Rate(count=1, of=2, rate=0.5)
    # R2's two decided appeals: upheld, then overturned. R6's is October's.
    assert found.appeal_overturn_rate == Rate(count=1, of=2, rate=0.5)


def test_each_matrix_rule_shows_its_deviations_and_how_they_fared(month: DecisionArchive) -> None:
    rules = summary(month).deviation_by_rule

    # Most deviated first; then most decided; then by id.
    assert [r.rule_id for r in rules] == [RULE_A, RULE_C, RULE_B]
    a = rules[0]
    assert (a.decided, a.deviated) == (3, 2)
    assert a.deviation_rate == pytest.approx(2 / 3)
    # Of R2 and R5: R2 was returned, audited (QA disagreed), appealed and overturned.
    assert (
        a.deviations_returned_in_second_review,
        a.deviations_audited,
        a.deviations_qa_disagreed,
        a.deviations_appealed,
        a.deviations_overturned,
    ) == (1, 1, 1, 1, 1)
    assert a.actions_taken == {"warning": 1, "temporary_suspension": 1, "no_action": 1}
    assert (rules[1].decided, rules[1].deviated, rules[1].deviation_rate) == (1, 0, 0.0)


def test_a_market_filter_counts_only_that_market(month: DecisionArchive) -> None:
    found = summary(month, market="seattle")

    assert found.closed_reviews == 2  # R4, R5
    assert (found.time_to_decision_s.p50, found.time_to_decision_s.p90) == (600, 90000)
    assert sum(sum(ages.values()) for ages in found.open_by_age.values()) == 1  # O4


def test_a_category_filter_counts_only_that_category(month: DecisionArchive) -> None:
    found = summary(month, category=IncidentCategory.DANGEROUS_DRIVING)

    assert found.closed_reviews == 3  # R1, R2, R5
    assert found.deviation_rate == Rate(count=2, of=3, rate=2 / 3)


def test_per_reviewer_numbers(month: DecisionArchive) -> None:
    by = {r.reviewer: r for r in summary(month).by_reviewer or []}

    assert set(by) == {"ana", "marco"}
    ana, marco = by["ana"], by["marco"]
    assert ana.decided == 3
    assert (ana.time_to_decision_s.p50, ana.time_to_decision_s.p90) == (3600, 7200)
    assert ana.deviation_rate == Rate(count=2, of=3, rate=2 / 3)
    assert ana.second_review_return_rate == Rate(count=1, of=2, rate=0.5)
    assert ana.qa_agreement == Rate(count=0, of=1, rate=0.0)
    assert marco.sla_met == Rate(count=1, of=2, rate=0.5)
    assert marco.qa_agreement == Rate(count=1, of=2, rate=0.5)


def test_a_reviewer_filter_counts_only_their_decisions(month: DecisionArchive) -> None:
    found = summary(month, reviewer="marco")

    assert found.closed_reviews == 2
    assert found.deviation_by_rule[0].rule_id in (RULE_B, RULE_C)


def test_a_rate_with_nothing_to_count_is_null_not_zero(month: DecisionArchive) -> None:
    found = summary(month, market="guadalajara")

    assert found.closed_reviews == 0
    assert found.deviation_rate == Rate(count=0, of=0, rate=None)
    assert (found.time_to_decision_s.p50, found.time_to_decision_s.p90) == (None, None)


def test_a_period_that_ends_before_it_starts_is_refused_naming_to() -> None:
    with pytest.raises(ValidationError, match="to: must be after from"):
        MetricsFilter(start=END, end=START)


def test_similar_decisions_count_every_closed_review_under_the_rule_but_this_one(
    month: DecisionArchive,
) -> None:
    found = similar_decisions(month.engine, RULE_A, excluding="R1")

    # R2, R6 and R7 were suspended, R5 got no action; all four departed from the warning.
    assert found.actions == [
        (EnforcementAction.TEMPORARY_SUSPENSION, 3),
        (EnforcementAction.NO_ACTION, 1),
    ]
    assert (found.closed, found.departed) == (4, 4)


def test_the_transparency_report_counts_a_markets_month(month: DecisionArchive) -> None:
    report = transparency_report(month.engine, "mexico-city", date(2026, 11, 1))

    # R1 (warning), R2 (suspension, departed), R3 (deactivation) closed in Mexico City in
    # November; R6 (October) and R7 (December) did not.
    assert report.reviews_closed == 3
    assert report.by_ground == {
        IncidentCategory.PHYSICAL_ASSAULT: {
            **dict.fromkeys(EnforcementAction, 0),
            EnforcementAction.PERMANENT_DEACTIVATION: 1,
        },
        IncidentCategory.DANGEROUS_DRIVING: {
            **dict.fromkeys(EnforcementAction, 0),
            EnforcementAction.WARNING: 1,
            EnforcementAction.TEMPORARY_SUSPENSION: 1,
        },
    }
    assert (report.restrictions, report.followed_recommendation) == (2, 2)
    assert report.median_hours_to_decision == 1.0  # 1800, 3600, 7200 s: the 2nd
    # Received in November: R2's two appeals (upheld, overturned) and R6's (overturned); R3's
    # correction is counted apart.
    assert (report.appeals_received, report.appeals_decided) == (3, 3)
    assert (report.appeals_reversed, report.appeals_modified) == (2, 0)
    assert (report.corrections, report.corrections_reversed) == (1, 1)


def test_a_markets_month_without_reviews_reports_zeros(month: DecisionArchive) -> None:
    report = transparency_report(month.engine, "seattle", date(2026, 10, 1))

    assert (report.reviews_closed, report.by_ground, report.median_hours_to_decision) == (
        0,
        {},
        None,
    )


def test_the_transparency_report_reads_in_spanish_as_html_and_csv(
    month: DecisionArchive,
) -> None:
    report = transparency_report(month.engine, "seattle", date(2026, 11, 1))
    markets = load_markets()

    html = render_html(report, markets, "es-MX")
    rows = list(csv.reader(io.StringIO(render_csv(report, markets, "es-MX"))))

    assert "<h1>Informe de transparencia</h1>" in html
    assert "Seattle, noviembre 2026" in html
    assert "<td>Fraude</td><td>0</td><td>0</td><td>1</td>" in html
    assert "<script" not in html and "http" not in html.split("<body>")[1]
    assert rows[0] == ["sección", "concepto", "detalle", "cantidad"]
    assert [
        "Tiempo mediano desde que nos llega un reporte hasta la decisión (horas)",
        "",
        "",
        "0.2",
    ] in rows
