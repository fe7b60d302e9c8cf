"""Due process per market, as data (policy/markets.toml) and as the plain rules over it
(review/due_process.py): notice before a deactivation takes effect, a hearing before a
permanent one, and when an appeal may be heard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from review.due_process import DueProcess, refuse_appeal
from review.markets import load_markets
from review.models import EnforcementAction, EvidenceSource, StatementOfReasons
from review.policy_files import PolicyFileError
from review.refusals import ReviewRuleError

DECIDED = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
PERMANENT = EnforcementAction.PERMANENT_DEACTIVATION
SUSPENSION = EnforcementAction.TEMPORARY_SUSPENSION
MARKETS = load_markets()
STATEMENT = StatementOfReasons(
    action=PERMANENT,
    suspension_days=None,
    account_role="driver",
    starts_at=DECIDED,
    ends_at=None,
    category="fraud",  # type: ignore[arg-type]
    reported_at=DECIDED - timedelta(days=2),
    market="chicago",
    based_on_report_by=None,
    evidence_relied_on=[EvidenceSource.TRIP_DETAILS],
    prior_violations=0,
    automated_recommendation=True,
    recommendation_rule="fraud.high.priors=0",
    matrix_version="2026.12.2",
    followed_recommendation=True,
    second_reviewed=True,
    guideline_refs=["CG-INTEGRITY-1"],
    appeal_deadline=DECIDED + timedelta(days=30),
    appeal_window_days=30,
)


def due(market: str, role: str = "driver") -> DueProcess:
    entry = MARKETS.get(market)
    assert entry is not None
    return DueProcess.of(market, entry, role)  # type: ignore[arg-type]


# --- the markets file ---------------------------------------------------------------------------


def test_seattle_gives_drivers_14_days_notice_and_keeps_records_3_years() -> None:
    seattle = MARKETS.get("seattle")
    assert seattle is not None
    assert (seattle.notice_days, seattle.hearing_days, seattle.record_retention_days) == (
        14,
        0,
        1095,
    )
    assert "8.40" in seattle.legal_basis["en"] and "8.40" in seattle.legal_basis["es-MX"]


@pytest.mark.parametrize("market", ["mexico-city", "guadalajara", "monterrey", "tijuana"])
def test_every_mexican_market_hears_a_driver_before_disconnecting_them(market: str) -> None:
    entry = MARKETS.get(market)
    assert entry is not None
    assert entry.hearing_days > 0
    assert entry.languages[0] == "es-MX"
    assert "Ley Federal del Trabajo" in entry.legal_basis["es-MX"]


def test_every_market_has_an_appeal_window_and_its_languages() -> None:
    for entry in MARKETS.root.values():
        assert entry.appeal_window_days >= 1
        assert entry.languages


def write_market(tmp_path: Path, lines: str) -> Path:
    path = tmp_path / "markets.toml"
    path.write_text(
        '[atlantis]\ntime_zone = "UTC"\nrecord_retention_days = 365\nlanguages = ["en", "es-MX"]\n'
        "appeal_window_days = 30\n" + lines
    )
    return path


def test_a_notice_period_without_the_law_it_comes_from_is_refused(tmp_path: Path) -> None:
    path = write_market(tmp_path, "notice_days = 14\n")
    with pytest.raises(PolicyFileError) as raised:
        load_markets(path)
    assert "atlantis" in str(raised.value)
    assert "legal_basis: required when notice_days or hearing_days is set" in str(raised.value)


def test_a_legal_basis_missing_one_of_the_markets_languages_is_refused(tmp_path: Path) -> None:
    path = write_market(tmp_path, 'hearing_days = 5\nlegal_basis = { en = "Atlantis Code 1" }\n')
    with pytest.raises(PolicyFileError) as raised:
        load_markets(path)
    assert "legal_basis: no text in es-MX" in str(raised.value)


REDRESS = (
    '[atlantis.redress]\ndriver = { en = "Take it to the Atlantis labour board.", es-MX = '
    '"Llévala a la junta laboral de Atlántida." }\n'
)


def test_a_market_that_names_no_redress_for_a_role_is_refused(tmp_path: Path) -> None:
    path = write_market(tmp_path, REDRESS)
    with pytest.raises(PolicyFileError) as raised:
        load_markets(path)
    assert f"{path}: atlantis.redress.rider: missing" in str(raised.value)
    assert "redress.driver" not in str(raised.value)


def test_redress_missing_one_of_the_markets_languages_is_refused(tmp_path: Path) -> None:
    path = write_market(
        tmp_path, REDRESS + 'rider = { en = "Take it to the Atlantis consumer office." }\n'
    )
    with pytest.raises(PolicyFileError) as raised:
        load_markets(path)
    assert f"{path}: atlantis.redress.rider: no text in es-MX" in str(raised.value)


def test_every_shipped_market_names_its_redress_for_riders_and_drivers() -> None:
    for slug in MARKETS.root:
        for role in ("rider", "driver"):
            for locale in ("en", "es-MX", "pt-BR"):
                assert MARKETS.redress(slug, role, locale), (slug, role, locale)


def test_a_market_without_an_appeal_window_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "markets.toml"
    path.write_text(
        '[atlantis]\ntime_zone = "UTC"\nrecord_retention_days = 365\nlanguages = ["en"]\n'
    )
    with pytest.raises(PolicyFileError) as raised:
        load_markets(path)
    assert "atlantis.appeal_window_days" in str(raised.value)


# --- notice ---------------------------------------------------------------------------------------


def test_a_deactivation_that_is_not_egregious_takes_effect_after_seattles_notice() -> None:
    assert due("seattle").takes_effect_at(PERMANENT, False, DECIDED) == DECIDED + timedelta(days=14)


def test_an_egregious_deactivation_takes_effect_at_once_even_in_seattle() -> None:
    assert due("seattle").takes_effect_at(PERMANENT, True, DECIDED) == DECIDED


def test_a_suspension_takes_effect_at_once_even_in_seattle() -> None:
    assert due("seattle").takes_effect_at(SUSPENSION, False, DECIDED) == DECIDED


def test_seattles_notice_protects_drivers_not_riders() -> None:
    assert due("seattle", "rider").takes_effect_at(PERMANENT, False, DECIDED) == DECIDED
    assert due("seattle", "rider").legal_basis == {}


def test_a_market_without_notice_deactivates_at_once() -> None:
    assert due("chicago").takes_effect_at(PERMANENT, False, DECIDED) == DECIDED


# --- hearing --------------------------------------------------------------------------------------


def test_a_permanent_deactivation_of_a_mexican_driver_is_heard_first() -> None:
    mexico = due("mexico-city")
    assert mexico.needs_hearing(PERMANENT)
    assert mexico.answer_due_by(DECIDED) == DECIDED + timedelta(days=mexico.hearing_days)


def test_a_suspension_needs_no_hearing() -> None:
    assert not due("mexico-city").needs_hearing(SUSPENSION)


def test_a_rider_in_mexico_is_not_heard_first() -> None:
    assert not due("mexico-city", "rider").needs_hearing(PERMANENT)


def test_seattle_gives_notice_but_no_hearing() -> None:
    assert not due("seattle").needs_hearing(PERMANENT)


# --- appeals --------------------------------------------------------------------------------------


def appeal(
    process: DueProcess,
    submitted_at: datetime,
    *,
    action: EnforcementAction = PERMANENT,
    effective_at: datetime = DECIDED,
    new_information: bool = False,
    earlier_appeals: int = 0,
) -> None:
    """Appeal a decision made at DECIDED, told as its statement of reasons tells it."""
    told = STATEMENT.model_copy(
        update={
            "action": action,
            "starts_at": effective_at,
            "notified_at": DECIDED if effective_at > DECIDED else None,
            "appeal_deadline": process.appeal_deadline(effective_at),
            "appeal_window_days": process.appeal_window_days,
        }
    )
    refuse_appeal(action, told, submitted_at, new_information, earlier_appeals)


def test_an_appeal_on_the_last_day_of_the_window_is_heard() -> None:
    chicago = due("chicago")
    appeal(chicago, DECIDED + timedelta(days=chicago.appeal_window_days))


def test_an_appeal_after_the_window_is_refused_naming_submitted_at_and_the_deadline() -> None:
    chicago = due("chicago")
    with pytest.raises(ReviewRuleError) as refused:
        appeal(chicago, DECIDED + timedelta(days=chicago.appeal_window_days, minutes=1))
    assert (refused.value.kind, refused.value.field) == ("conflict", "submitted_at")
    assert refused.value.params["deadline"] == "2026-12-31T15:00+00:00"
    assert str(refused.value) == (
        "the appeal window closed on 2026-12-31T15:00+00:00 (30 days after the restriction "
        "took effect)"
    )


def test_the_window_runs_from_when_the_deactivation_takes_effect_after_a_notice() -> None:
    seattle = due("seattle")
    effective = seattle.takes_effect_at(PERMANENT, False, DECIDED)
    appeal(seattle, DECIDED + timedelta(days=40), effective_at=effective)


def test_a_person_may_appeal_during_the_notice_period() -> None:
    seattle = due("seattle")
    effective = seattle.takes_effect_at(PERMANENT, False, DECIDED)
    appeal(seattle, DECIDED + timedelta(days=2), effective_at=effective)


def test_an_appeal_dated_before_the_decision_is_refused_as_invalid() -> None:
    with pytest.raises(ReviewRuleError) as refused:
        appeal(due("chicago"), DECIDED - timedelta(minutes=5))
    assert (refused.value.kind, refused.value.field) == ("invalid", "submitted_at")


def test_a_second_appeal_without_new_information_is_refused_naming_new_information() -> None:
    with pytest.raises(ReviewRuleError) as refused:
        appeal(due("chicago"), DECIDED + timedelta(days=1), earlier_appeals=1)
    assert (refused.value.kind, refused.value.field) == ("conflict", "new_information")


def test_a_second_appeal_with_new_information_is_heard() -> None:
    appeal(due("chicago"), DECIDED + timedelta(days=1), earlier_appeals=1, new_information=True)


def test_a_warning_restricts_nothing_and_cannot_be_appealed() -> None:
    with pytest.raises(ReviewRuleError) as refused:
        refuse_appeal(EnforcementAction.WARNING, None, DECIDED + timedelta(days=1), False, 0)
    assert refused.value.reason == "not_appealable"
