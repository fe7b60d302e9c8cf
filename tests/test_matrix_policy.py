"""The deactivation matrix and the other policy files: content rules and load-time errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from review.guidelines import load_guidelines
from review.markets import load_markets
from review.matrix import MATRIX_FILE, load_matrix
from review.models import EnforcementAction, IncidentCategory, PriorViolation, Severity, SlaTier
from review.policy_files import PolicyFileError

MATRIX = load_matrix()
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
SHIPPED = MATRIX_FILE.read_text()


def prior(days_ago: int) -> PriorViolation:
    return PriorViolation(
        incident_id=f"INC-OLD-{days_ago}",
        category="dangerous_driving",
        action="warning",
        decided_at=NOW - timedelta(days=days_ago),
    )


def broken(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped matrix with one edit, written to a temporary file."""
    assert old in SHIPPED, old
    path = tmp_path / "matrix.toml"
    path.write_text(SHIPPED.replace(old, new, 1))
    return path


def problems_of(path: Path) -> str:
    with pytest.raises(PolicyFileError) as raised:
        load_matrix(path)
    return str(raised.value)


# --- what the shipped matrix says ---------------------------------------------------------------


def test_every_category_and_severity_has_an_entry() -> None:
    for category in IncidentCategory:
        for severity in Severity:
            assert MATRIX.rule(category, severity).ladder


@pytest.mark.parametrize(
    ("category", "severities"),
    [
        (IncidentCategory.PHYSICAL_ASSAULT, list(Severity)),
        (IncidentCategory.SEXUAL_MISCONDUCT, list(Severity)),
        (IncidentCategory.WEAPONS, list(Severity)),
        (IncidentCategory.IMPAIRED_DRIVING, [Severity.HIGH, Severity.CRITICAL]),
    ],
)
def test_egregious_incidents_are_held_critical_and_second_reviewed(
    category: IncidentCategory, severities: list[Severity]
) -> None:
    for severity in severities:
        intake = MATRIX.assess_intake(category, severity)
        assert intake.egregious and intake.interim_hold and intake.second_review_required
        assert intake.sla_tier is SlaTier.CRITICAL


def test_impaired_driving_at_low_severity_is_not_egregious() -> None:
    assert not MATRIX.assess_intake(IncidentCategory.IMPAIRED_DRIVING, Severity.LOW).egregious


@pytest.mark.parametrize(("tier", "hours"), [("critical", 4), ("high", 24), ("standard", 72)])
def test_sla_tiers_give_the_decision_deadline_and_at_risk_at_75_percent(
    tier: str, hours: int
) -> None:
    clock = MATRIX.sla.start_clock(SlaTier(tier), NOW)
    assert clock.deadline == NOW + timedelta(hours=hours)
    assert clock.at_risk_at == NOW + timedelta(hours=hours * 0.75)


def test_the_ladder_climbs_with_prior_violations() -> None:
    def action(priors: int) -> tuple[EnforcementAction, int | None]:
        rec = MATRIX.recommend(
            IncidentCategory.DANGEROUS_DRIVING,
            Severity.LOW,
            [prior(10 + i) for i in range(priors)],
            NOW,
        )
        return rec.action, rec.suspension_days

    assert [action(n) for n in range(6)] == [
        (EnforcementAction.EDUCATION, None),
        (EnforcementAction.WARNING, None),
        (EnforcementAction.TEMPORARY_SUSPENSION, 3),
        (EnforcementAction.TEMPORARY_SUSPENSION, 7),
        (EnforcementAction.PERMANENT_DEACTIVATION, None),
        (EnforcementAction.PERMANENT_DEACTIVATION, None),  # the last rung: that many or more
    ]


def test_violations_older_than_the_window_are_not_counted() -> None:
    old = prior(MATRIX.history_window_days + 1)
    rec = MATRIX.recommend(IncidentCategory.DANGEROUS_DRIVING, Severity.LOW, [old], NOW)
    assert rec.prior_violations == 0 and rec.action is EnforcementAction.EDUCATION


def test_the_rule_id_names_category_severity_and_priors() -> None:
    rec = MATRIX.recommend(IncidentCategory.FRAUD, Severity.LOW, [prior(5), prior(6)], NOW)
    assert rec.rule_id == "fraud.low.priors=2+"
    assert rec.matrix_version == MATRIX.version


def test_a_single_rung_rule_id_says_it_covers_any_number_of_priors() -> None:
    rec = MATRIX.recommend(
        IncidentCategory.PHYSICAL_ASSAULT, Severity.HIGH, [prior(5), prior(6)], NOW
    )
    assert rec.rule_id == "physical_assault.high.priors=0+"
    assert rec.prior_violations == 2


def test_the_first_rung_of_a_ladder_is_for_no_priors() -> None:
    rec = MATRIX.recommend(IncidentCategory.FRAUD, Severity.LOW, [], NOW)
    assert rec.rule_id == "fraud.low.priors=0"


def test_unreadable_history_counts_no_priors_and_says_so() -> None:
    rec = MATRIX.recommend(IncidentCategory.FRAUD, Severity.LOW, None, NOW)
    assert rec.prior_violations == 0 and rec.history_available is False


def test_a_recommended_deactivation_always_needs_a_second_review() -> None:
    rec = MATRIX.recommend(IncidentCategory.FRAUD, Severity.HIGH, [], NOW)
    assert rec.action is EnforcementAction.PERMANENT_DEACTIVATION and rec.second_review_required


def test_every_cited_guideline_exists_in_english_and_spanish() -> None:
    guidelines = load_guidelines()
    for policy in MATRIX.categories.values():
        for ref in policy.guidelines:
            assert {"en", "es-MX"} <= set(guidelines.clause(ref).root)


# --- errors when loading ------------------------------------------------------------------------


def test_a_suspension_without_days_is_named_by_entry(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'fraud.severities]\nlow = { tier = "standard", ladder = ["warning", { action = "temporary_suspension", days = 7 }',
        'fraud.severities]\nlow = { tier = "standard", ladder = ["warning", { action = "temporary_suspension" }',
    )
    assert (
        f"{path}: categories.fraud.severities.low.ladder[1]: temporary_suspension needs 'days'"
        in problems_of(path)
    )


def test_days_on_an_action_that_is_not_a_suspension_are_refused(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'ladder = ["education", "warning", { action',
        'ladder = [{ action = "education", days = 2 }, "warning", { action',
    )
    assert "'days' only applies to temporary_suspension, not education" in problems_of(path)


def test_a_ladder_that_gets_milder_is_refused(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'high = { tier = "high", ladder = ["permanent_deactivation"] }',
        'high = { tier = "high", ladder = ["permanent_deactivation", "warning"] }',
    )
    assert "categories.fraud.severities.high: ladder must not get milder" in problems_of(path)


def test_an_egregious_entry_cannot_have_a_lower_tier(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'medium = { egregious = true, ladder = ["permanent_deactivation"] }',
        'medium = { egregious = true, tier = "high", ladder = ["permanent_deactivation"] }',
    )
    assert (
        "categories.physical_assault.severities.medium: an egregious entry is always tier 'critical'"
        in problems_of(path)
    )


def test_an_unknown_action_is_named(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'critical = { tier = "high", ladder = ["permanent_deactivation"] }',
        'critical = { tier = "high", ladder = ["ban_forever"] }',
    )
    assert "categories.fraud.severities.critical.ladder[0].action:" in problems_of(path)


def test_a_missing_category_is_named(tmp_path: Path) -> None:
    start = SHIPPED.index("[categories.weapons]")
    end = SHIPPED.index("# --- egregious at high")
    path = tmp_path / "matrix.toml"
    path.write_text(SHIPPED[:start] + SHIPPED[end:])
    assert f"{path}: categories.weapons: missing" in problems_of(path)


def test_a_category_that_does_not_say_what_evidence_it_rests_on_is_named(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'evidence = ["trip_details", "incident_reports", "account_history"]\n[categories.fraud.',
        "[categories.fraud.",
    )
    assert f"{path}: categories.fraud.evidence: missing" in problems_of(path)


def test_evidence_that_is_not_a_source_is_named(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        'evidence = ["trip_details", "incident_reports", "account_history"]\n[categories.fraud.',
        'evidence = ["trip_details", "horoscope"]\n[categories.fraud.',
    )
    assert "categories.fraud.evidence[1]:" in problems_of(path)


def test_an_unknown_guideline_reference_is_named(tmp_path: Path) -> None:
    path = broken(tmp_path, 'guidelines = ["CG-INTEGRITY-1"]', 'guidelines = ["CG-INTEGRITY-99"]')
    assert "categories.fraud.guidelines[0]: unknown guideline 'CG-INTEGRITY-99'" in problems_of(
        path
    )


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text("version = [unclosed")
    assert f"{path}: (file): not valid TOML" in problems_of(path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    assert "(file): file not found" in problems_of(tmp_path / "nope.toml")


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = SHIPPED.replace("decision_hours = 4", "decision_hours = -4").replace(
        "appeal_window_days = 30", "appeal_window_days = 0"
    )
    path = tmp_path / "matrix.toml"
    path.write_text(text)
    found = problems_of(path)
    assert "sla.tiers.critical.decision_hours" in found and "appeal_window_days" in found


def test_a_guideline_without_english_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "guidelines.toml"
    path.write_text('[CG-TEST-1]\nes-MX = { title = "Prueba", summary = "Solo español." }\n')
    with pytest.raises(PolicyFileError) as raised:
        load_guidelines(path)
    assert "CG-TEST-1: has no 'en' text" in str(raised.value)


def test_a_market_with_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "markets.toml"
    path.write_text('[atlantis]\ntime_zone = "Ocean/Atlantis"\n')
    with pytest.raises(PolicyFileError) as raised:
        load_markets(path)
    assert "atlantis.time_zone: unknown IANA time zone 'Ocean/Atlantis'" in str(raised.value)


def test_a_market_is_named_in_each_language_and_by_its_slug_when_unnamed() -> None:
    markets = load_markets()

    assert markets.name("mexico-city", "es-MX") == "Ciudad de México"
    assert markets.name("mexico-city", "es-AR") == "Ciudad de México"
    assert markets.name("new-york", "en") == "New York"
    assert markets.name("atlantis", "en") == "atlantis"


def test_a_tier_without_its_stage_targets_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.replace(
        "high = { decision_hours = 24, second_review_hours = 8, rework_hours = 8, "
        "reconsideration_hours = 24 }",
        "high = { decision_hours = 24 }",
    )
    path = tmp_path / "matrix.toml"
    path.write_text(text)

    found = problems_of(path)

    assert f"{path}: sla.tiers.high.second_review_hours: missing" in found
    assert f"{path}: sla.tiers.high.rework_hours: missing" in found
    assert f"{path}: sla.tiers.high.reconsideration_hours: missing" in found
