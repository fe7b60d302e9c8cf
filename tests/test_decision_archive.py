"""The decision archive keeps one encrypted record per closed review, answers prior decisions
for an account, keeps the access log, and lets retention purge what each market no longer keeps."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from decision_archive.__main__ import main as archive_command
from decision_archive.retention import plan_purge, purge
from decision_archive.store import AccessEntry, DecisionArchive, RecordIndex, case_records
from review import lifecycle
from review.case_record import CaseRecord, case_record
from review.markets import load_markets
from review.matrix import ReviewPolicy
from review.models import (
    ClaimRequest,
    DecisionRequest,
    EnforcementAction,
    EvidenceItem,
    EvidenceSource,
)
from temporal_runtime.encryption import KeyRing, KeyRingError
from tests.conftest import TEST_KEYS, fresh_database, review_request
from tests.review_steps import ANA

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
MARKETS = load_markets()


def decided_record(
    policy: ReviewPolicy,
    action: EnforcementAction = EnforcementAction.WARNING,
    closed_at: datetime = NOW,
    **request_changes: object,
) -> CaseRecord:
    """A record built by the same pure steps the workflow takes."""
    request = review_request(**request_changes)
    received = closed_at - timedelta(hours=3)
    state = lifecycle.open_review(request, policy, received)
    lifecycle.evidence_gathered(
        state,
        [
            EvidenceItem(
                source=EvidenceSource.TELEMATICS,
                available=False,
                unavailable_reason="evidence source telematics answered HTTP 503",
                gathered_at=received,
            )
        ],
        policy,
        received,
    )
    lifecycle.apply_claim(state, ClaimRequest(reviewer=ANA), received)
    rec = state.recommendation
    assert rec is not None
    lifecycle.apply_decision(
        state,
        DecisionRequest(
            reviewer=ANA,
            action=action,
            suspension_days=7 if action is EnforcementAction.TEMPORARY_SUSPENSION else None,
            rationale="Telematics unavailable; two consistent statements.",
            policy_refs=rec.guideline_refs,
            justification=None if action is rec.action else "Documented in the notes.",
        ),
        closed_at - timedelta(hours=1),
    )
    lifecycle.state_reasons(state, policy, closed_at)
    return case_record(state, closed_at)


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionArchive]:
    """The archive on SQLite (the default) and on PostgreSQL (production), a fresh database
    for each test."""
    store = DecisionArchive(fresh_database(request, tmp_path, request.param), TEST_KEYS)
    yield store
    store.close()


@pytest.fixture
def policy(shipped_policy: tuple[ReviewPolicy, object]) -> ReviewPolicy:
    return shipped_policy[0]


def test_a_written_record_reads_back_whole(archive: DecisionArchive, policy: ReviewPolicy) -> None:
    record = decided_record(policy)

    written = archive.write(record, NOW)

    assert written.written_now
    assert archive.read(record.review_id) == record


def test_writing_a_record_twice_keeps_one(archive: DecisionArchive, policy: ReviewPolicy) -> None:
    record = decided_record(policy)
    archive.write(record, NOW)

    again = archive.write(record, NOW + timedelta(minutes=1))

    assert not again.written_now
    with archive.engine.connect() as db:
        count = db.execute(sa.select(sa.func.count()).select_from(case_records)).scalar_one()
    assert count == 1


def test_a_record_timeline_ends_with_its_closing(policy: ReviewPolicy) -> None:
    record = decided_record(policy)
    assert record.timeline[-1].event == "closed"
    assert record.timeline[-1].at == record.closed_at == NOW


def test_the_database_holds_no_summary_in_clear(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    record = decided_record(policy, summary="Marker-7Q2 rider says the driver shouted.")
    archive.write(record, NOW)

    with archive.engine.connect() as db:
        rows = db.execute(sa.select(case_records)).all()
    database = repr(rows).encode()

    assert record.review_id.encode() in database

    assert b"Marker-7Q2" not in database


def test_a_record_does_not_decrypt_when_moved_to_another_review(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    first, second = decided_record(policy), decided_record(policy)
    archive.write(first, NOW)
    archive.write(second, NOW)
    with archive.engine.begin() as db:
        sealed = db.execute(
            sa.select(case_records.c.sealed_record).where(
                case_records.c.review_id == first.review_id
            )
        ).scalar_one()
        db.execute(
            case_records.update()
            .where(case_records.c.review_id == second.review_id)
            .values(sealed_record=sealed)
        )

    with pytest.raises(KeyRingError, match="does not decrypt"):
        archive.read(second.review_id)


def test_records_stay_readable_after_the_key_rotates(tmp_path: Path, policy: ReviewPolicy) -> None:
    old = secrets.token_bytes(32)
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    record = decided_record(policy)
    DecisionArchive(url, KeyRing({"k1": old}, "k1")).write(record, NOW)

    rotated = DecisionArchive(url, KeyRing({"k1": old, "k2": secrets.token_bytes(32)}, "k2"))

    assert rotated.read(record.review_id) == record


def test_an_unknown_review_has_no_record(archive: DecisionArchive) -> None:
    assert archive.read("review-INC-nope") is None


def test_prior_violations_are_the_accounts_confirmed_decisions(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    warned = decided_record(policy, account={"id": "drv_archive_1"})
    cleared = decided_record(policy, EnforcementAction.NO_ACTION, account={"id": "drv_archive_1"})
    someone_else = decided_record(policy, account={"id": "drv_archive_2"})
    for record in (warned, cleared, someone_else):
        archive.write(record, NOW)

    priors = archive.prior_violations("drv_archive_1", excluding_review="review-INC-current")

    assert [(p.incident_id, p.action) for p in priors] == [(warned.request.incident_id, "warning")]
    assert priors[0].decided_at == warned.decision.decided_at


def test_a_review_is_not_its_own_prior(archive: DecisionArchive, policy: ReviewPolicy) -> None:
    record = decided_record(policy, account={"id": "drv_archive_3"})
    archive.write(record, NOW)
    assert archive.prior_violations("drv_archive_3", excluding_review=record.review_id) == []


def test_the_access_log_answers_newest_first_per_review(archive: DecisionArchive) -> None:
    for minute, review_id in enumerate(["review-A", "review-B", "review-A"]):
        archive.record_access(
            AccessEntry(
                at=NOW + timedelta(minutes=minute),
                person_id="luis",
                role="lead",
                action="view_review",
                review_id=review_id,
                channel="page",
                client_address="127.0.0.1",
            )
        )

    entries = archive.access_log(review_id="review-A")

    assert [e.at for e in entries] == [NOW + timedelta(minutes=2), NOW]
    assert entries[0].at.tzinfo is not None


def test_records_are_found_by_account_and_market_newest_first(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    older = decided_record(policy, closed_at=NOW - timedelta(days=3), account={"id": "drv_s1"})
    newer = decided_record(policy, closed_at=NOW, account={"id": "drv_s1"})
    elsewhere = decided_record(policy, account={"id": "drv_s1", "market": "chicago"})
    for record in (older, newer, elsewhere):
        archive.write(record, NOW)

    found = archive.search(account_id="drv_s1", market="mexico-city")

    assert [r.review_id for r in found] == [newer.review_id, older.review_id]
    assert found[0].category == "dangerous_driving"


# --- retention ----------------------------------------------------------------------------------


def index(review_id: str, market: str, closed_days_ago: int) -> RecordIndex:
    return RecordIndex(
        review_id=review_id,
        account_id="drv_1",
        market=market,
        category="dangerous_driving",
        action="warning",
        closed_at=NOW - timedelta(days=closed_days_ago),
    )


def test_each_market_purges_after_its_own_retention_period() -> None:
    # mexico-city keeps 1825 days, new-york 1095 (policy/markets.toml)
    records = [
        index("review-mx-old", "mexico-city", 1826),
        index("review-mx-young", "mexico-city", 1500),
        index("review-ny-old", "new-york", 1500),
    ]

    plan = plan_purge(records, MARKETS, NOW, dry_run=True)

    assert sorted(plan.expired) == ["review-mx-old", "review-ny-old"]


def test_a_market_without_a_retention_period_keeps_its_records() -> None:
    plan = plan_purge([index("review-atl", "atlantis", 9000)], MARKETS, NOW, dry_run=True)

    assert plan.expired == []
    assert "atlantis: no retention period set" in plan.describe()


def test_a_dry_run_reports_what_it_would_delete_and_deletes_nothing(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    old = decided_record(policy, closed_at=NOW - timedelta(days=2000))
    archive.write(old, NOW)

    plan = purge(archive, MARKETS, NOW, dry_run=True)

    assert plan.expired == [old.review_id]
    assert "would delete 1 record(s)" in plan.describe()
    assert archive.read(old.review_id) is not None


def test_a_purge_deletes_only_expired_records(
    archive: DecisionArchive, policy: ReviewPolicy
) -> None:
    old = decided_record(policy, closed_at=NOW - timedelta(days=2000))
    young = decided_record(policy, closed_at=NOW - timedelta(days=10))
    archive.write(old, NOW)
    archive.write(young, NOW)

    plan = purge(archive, MARKETS, NOW, dry_run=False)

    assert plan.deleted == 1
    assert archive.read(old.review_id) is None
    assert archive.read(young.review_id) is not None


def test_the_purge_command_dry_run_prints_the_plan(
    tmp_path: Path,
    policy: ReviewPolicy,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    old = decided_record(policy, closed_at=NOW - timedelta(days=2000))
    DecisionArchive(url, TEST_KEYS).write(old, NOW)
    monkeypatch.setenv("DR_ARCHIVE_URL", url)

    code = archive_command(["purge", "--dry-run", "--as-of", NOW.isoformat()])

    printed = capsys.readouterr().out
    assert code == 0
    assert "mexico-city: keeps 1825 days; would delete 1 record(s)" in printed
    assert old.review_id in printed
    assert DecisionArchive(url, TEST_KEYS).read(old.review_id) is not None


def test_a_market_retention_shorter_than_30_days_is_refused_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "markets.toml"
    path.write_text('[atlantis]\ntime_zone = "UTC"\nrecord_retention_days = 7\n')

    code = archive_command(["purge", "--dry-run", "--markets-file", str(path)])

    assert code == 2
    assert f"{path}: atlantis.record_retention_days:" in capsys.readouterr().err
