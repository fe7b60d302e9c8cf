"""Strikes: a confirmed violation counts towards the matrix's ladder for its category's strike
period (policy/deactivation_matrix.toml, ``strike_days``), never once retracted, and every one
is listed with its state on the recommendation the review page shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from review.matrix import MATRIX_FILE, load_matrix
from review.models import EnforcementAction, IncidentCategory, PriorViolation, Severity
from review.policy_files import PolicyFileError

MATRIX = load_matrix()
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
DRIVING = IncidentCategory.DANGEROUS_DRIVING


def prior(category: str, days_ago: int, retracted: bool = False) -> PriorViolation:
    return PriorViolation(
        incident_id=f"INC-{category}-{days_ago}",
        category=category,
        action="temporary_suspension",
        decided_at=NOW - timedelta(days=days_ago),
        retracted=retracted,
    )


def strike_days(category: str) -> int:
    return MATRIX.strike_days(category)


def test_every_category_of_the_shipped_matrix_sets_its_strike_period() -> None:
    assert all(policy.strike_days for policy in MATRIX.categories.values())


def test_an_assault_counts_longer_than_property_damage() -> None:
    assert strike_days("physical_assault") > strike_days("property_damage")


def test_a_strike_counts_on_the_last_day_of_its_period() -> None:
    days = strike_days("property_damage")
    rec = MATRIX.recommend(DRIVING, Severity.LOW, [prior("property_damage", days)], NOW)
    assert rec.prior_violations == 1
    assert [s.state for s in rec.strikes] == ["active"]


def test_a_strike_past_its_period_has_expired_and_the_ladder_starts_again() -> None:
    days = strike_days("property_damage")
    rec = MATRIX.recommend(DRIVING, Severity.LOW, [prior("property_damage", days + 1)], NOW)
    assert rec.prior_violations == 0 and rec.action is EnforcementAction.EDUCATION
    (strike,) = rec.strikes
    assert strike.state == "expired"
    assert strike.expires_at == NOW - timedelta(days=1)


def test_each_strike_expires_by_its_own_category_not_the_one_under_review() -> None:
    # Older than property damage counts, younger than an assault does.
    days = strike_days("property_damage") + 30
    priors = [prior("physical_assault", days), prior("property_damage", days)]
    rec = MATRIX.recommend(DRIVING, Severity.LOW, priors, NOW)
    states = {s.category: s.state for s in rec.strikes}
    assert states == {"physical_assault": "active", "property_damage": "expired"}
    assert rec.prior_violations == 1


def test_a_retracted_strike_never_counts() -> None:
    rec = MATRIX.recommend(DRIVING, Severity.LOW, [prior("fraud", 10, retracted=True)], NOW)
    assert rec.prior_violations == 0 and rec.action is EnforcementAction.EDUCATION
    assert [s.state for s in rec.strikes] == ["retracted"]


def test_strikes_are_listed_newest_first() -> None:
    priors = [prior("fraud", 300), prior("fraud", 20), prior("fraud", 100)]
    rec = MATRIX.recommend(DRIVING, Severity.LOW, priors, NOW)
    assert [s.decided_at for s in rec.strikes] == sorted(
        (p.decided_at for p in priors), reverse=True
    )


def test_a_category_the_matrix_does_not_know_counts_for_its_look_back_window() -> None:
    assert strike_days("littering") == MATRIX.history_window_days


def test_a_policy_recorded_before_strikes_counts_the_look_back_window_as_it_did() -> None:
    before = MATRIX.model_copy(
        update={
            "categories": {
                category: policy.model_copy(update={"strike_days": None})
                for category, policy in MATRIX.categories.items()
            }
        }
    )
    inside = prior("physical_assault", before.history_window_days)
    outside = prior("physical_assault", before.history_window_days + 1)
    rec = before.recommend(DRIVING, Severity.LOW, [inside, outside], NOW)
    assert rec.prior_violations == 1
    assert [s.state for s in rec.strikes] == ["active", "expired"]


def test_a_matrix_file_without_a_categorys_strike_period_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    shipped = MATRIX_FILE.read_text()
    line = f"strike_days = {MATRIX.categories[IncidentCategory.FRAUD].strike_days}\n"
    start = shipped.index("[categories.fraud]")
    path = tmp_path / "matrix.toml"
    path.write_text(shipped[:start] + shipped[start:].replace(line, "", 1))
    with pytest.raises(PolicyFileError) as raised:
        load_matrix(path)
    assert "categories.fraud.strike_days: missing" in str(raised.value)


def test_a_violation_decided_after_the_moment_asked_about_is_not_a_strike_then() -> None:
    later = prior("fraud", -3)  # decided three days after NOW
    rec = MATRIX.recommend(DRIVING, Severity.LOW, [later], NOW)
    assert (rec.prior_violations, rec.strikes) == (0, [])
