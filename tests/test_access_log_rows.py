"""The access log keeps one row per person, review, action, channel and UTC minute, on SQLite
and PostgreSQL: the Temporal Web UI's payload-by-payload decodes count on one row, concurrent
requests make no second row, and an archive at revision 0001 keeps its rows through the upgrade."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from decision_archive import schema_version, store
from decision_archive.store import AccessEntry, DecisionArchive
from tests.conftest import TEST_KEYS, fresh_database
from tests.test_codec_server import encrypted_person
from tests.test_web_api import LUIS

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
REVIEW = "review-INC-77"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on SQLite and on PostgreSQL."""
    return fresh_database(request, tmp_path, request.param)


@pytest.fixture
def archive(database_url: str) -> Iterator[DecisionArchive]:
    """A fresh archive on each database; the web app's services use it too (it replaces
    conftest's SQLite-only archive in this module)."""
    opened = DecisionArchive(database_url, TEST_KEYS)
    yield opened
    opened.close()


def decode(at: datetime, person_id: str = "luis", review_id: str | None = REVIEW) -> AccessEntry:
    """A lead's decode of a history payload through the codec endpoint."""
    return AccessEntry(
        at=at,
        person_id=person_id,
        role="lead",
        action="decode_history",
        review_id=review_id,
        channel="codec",
        client_address="127.0.0.1",
        detail="1 payload(s)",
    )


def rows(archive: DecisionArchive) -> list[tuple[str, str | None, datetime, int]]:
    """Every access log row as (person, review, first access, count), oldest first."""
    return sorted(
        ((e.person_id, e.review_id, e.at, e.count) for e in archive.access_log()),
        key=lambda row: (row[2], row[0]),
    )


def test_many_decodes_of_one_review_by_one_person_within_a_minute_are_one_row(
    archive: DecisionArchive,
) -> None:
    for second in range(20):
        archive.record_access(decode(NOW + timedelta(seconds=second, microseconds=1234)))

    assert rows(archive) == [("luis", REVIEW, NOW + timedelta(microseconds=1234), 20)]


def test_the_row_keeps_the_first_access_of_its_minute(archive: DecisionArchive) -> None:
    archive.record_access(decode(NOW + timedelta(seconds=5)))
    later = decode(NOW + timedelta(seconds=40)).model_copy(update={"client_address": "10.0.0.9"})
    archive.record_access(later)

    [entry] = archive.access_log()

    assert (entry.at, entry.client_address, entry.count) == (
        NOW + timedelta(seconds=5),
        "127.0.0.1",
        2,
    )


def test_the_next_minute_starts_a_new_row(archive: DecisionArchive) -> None:
    archive.record_access(decode(NOW + timedelta(seconds=59)))
    archive.record_access(decode(NOW + timedelta(seconds=60)))

    assert rows(archive) == [
        ("luis", REVIEW, NOW + timedelta(seconds=59), 1),
        ("luis", REVIEW, NOW + timedelta(seconds=60), 1),
    ]


def test_another_person_in_the_same_minute_gets_another_row(archive: DecisionArchive) -> None:
    archive.record_access(decode(NOW))
    archive.record_access(decode(NOW + timedelta(seconds=1), person_id="olga"))
    archive.record_access(decode(NOW + timedelta(seconds=2)))

    assert rows(archive) == [
        ("luis", REVIEW, NOW, 2),
        ("olga", REVIEW, NOW + timedelta(seconds=1), 1),
    ]


def test_another_review_action_or_channel_in_the_same_minute_gets_another_row(
    archive: DecisionArchive,
) -> None:
    archive.record_access(decode(NOW))
    archive.record_access(decode(NOW, review_id="review-INC-78"))
    archive.record_access(decode(NOW).model_copy(update={"action": "view_review"}))
    archive.record_access(
        decode(NOW).model_copy(update={"action": "view_review", "channel": "page"})
    )

    buckets = {(e.review_id, e.action, e.channel, e.count) for e in archive.access_log()}

    assert buckets == {
        (REVIEW, "decode_history", "codec", 1),
        ("review-INC-78", "decode_history", "codec", 1),
        (REVIEW, "view_review", "codec", 1),
        (REVIEW, "view_review", "page", 1),
    }


def test_decodes_that_name_no_review_are_one_row_per_person_and_minute(
    archive: DecisionArchive,
) -> None:
    for second in range(5):
        archive.record_access(decode(NOW + timedelta(seconds=second), review_id=None))
    archive.record_access(decode(NOW + timedelta(minutes=1), review_id=None))

    assert rows(archive) == [
        ("luis", None, NOW, 5),
        ("luis", None, NOW + timedelta(minutes=1), 1),
    ]


def test_concurrent_accesses_in_one_minute_make_one_row(archive: DecisionArchive) -> None:
    threads, each = 8, 5
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def look(index: int) -> None:
        start.wait()
        try:
            for n in range(each):
                archive.record_access(decode(NOW + timedelta(seconds=index, milliseconds=n)))
        except BaseException as err:
            failures.append(err)

    running = [threading.Thread(target=look, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=60)

    assert failures == []
    assert [(e.person_id, e.count) for e in archive.access_log()] == [("luis", threads * each)]


def test_a_database_without_on_conflict_still_counts_on_the_minutes_row(
    archive: DecisionArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a database the archive has no INSERT ... ON CONFLICT for.
    monkeypatch.setattr(store, "_insert_or_count", lambda dialect, row: None)

    for second in range(3):
        archive.record_access(decode(NOW + timedelta(seconds=second)))

    assert rows(archive) == [("luis", REVIEW, NOW, 3)]


# --- an archive made at revision 0001 ----------------------------------------------------------

OLD_LOG = sa.table(
    "access_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("person_id", sa.String),
    sa.column("role", sa.String),
    sa.column("action", sa.String),
    sa.column("review_id", sa.String),
    sa.column("channel", sa.String),
    sa.column("client_address", sa.String),
    sa.column("detail", sa.String),
)


def at_revision_0001(url: str, *entries: AccessEntry) -> None:
    """Build the archive's schema as revision 0001 made it and append ``entries`` to its access
    log, a row each, in this order, as the code of 0001 did."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        command.upgrade(schema_version.alembic_config(connection), "0001")
        for entry in entries:
            connection.execute(OLD_LOG.insert().values(**entry.model_dump(exclude={"count"})))
    assert schema_version.current(engine) == "0001"
    engine.dispose()


def test_a_database_at_revision_0001_keeps_its_access_log_rows_through_the_upgrade(
    database_url: str,
) -> None:
    at_revision_0001(
        database_url,
        decode(NOW + timedelta(seconds=7, microseconds=5)),
        decode(NOW + timedelta(minutes=1)),
        decode(NOW + timedelta(seconds=8), person_id="olga"),
        decode(NOW + timedelta(seconds=9), review_id=None),
    )

    archive = DecisionArchive(database_url, TEST_KEYS)

    assert schema_version.current(archive.engine) == schema_version.head()
    assert rows(archive) == [
        ("luis", REVIEW, NOW + timedelta(seconds=7, microseconds=5), 1),
        ("olga", REVIEW, NOW + timedelta(seconds=8), 1),
        ("luis", None, NOW + timedelta(seconds=9), 1),
        ("luis", REVIEW, NOW + timedelta(minutes=1), 1),
    ]
    archive.close()


def test_old_rows_sharing_a_minute_are_merged_into_the_earliest_with_their_count(
    database_url: str,
) -> None:
    # Written out of time order: the earliest access is not the first row.
    earliest = decode(NOW + timedelta(seconds=3)).model_copy(update={"detail": "2 payload(s)"})
    at_revision_0001(
        database_url,
        decode(NOW + timedelta(seconds=30)),
        earliest,
        decode(NOW + timedelta(seconds=50)),
        decode(NOW + timedelta(seconds=3)),
    )

    archive = DecisionArchive(database_url, TEST_KEYS)

    assert archive.access_log() == [earliest.model_copy(update={"count": 4})]
    archive.close()


def test_an_access_after_the_upgrade_counts_on_an_old_row_of_its_minute(
    database_url: str,
) -> None:
    at_revision_0001(database_url, decode(NOW + timedelta(seconds=1)), decode(NOW, review_id=None))
    archive = DecisionArchive(database_url, TEST_KEYS)

    archive.record_access(decode(NOW + timedelta(seconds=59, microseconds=999999)))
    archive.record_access(decode(NOW + timedelta(seconds=2), review_id=None))

    assert rows(archive) == [
        ("luis", None, NOW, 2),
        ("luis", REVIEW, NOW + timedelta(seconds=1), 2),
    ]
    archive.close()


# --- through the codec endpoint ----------------------------------------------------------------


async def test_twenty_codec_decodes_by_a_lead_within_a_minute_are_one_access_log_row(
    api: httpx.AsyncClient,
) -> None:
    body: dict[str, Any] = {"payloads": [await encrypted_person()]}
    referer = f"http://localhost:8233/namespaces/default/workflows/{REVIEW}/run-1/history"
    left = 60 - datetime.now(UTC).second
    if left < 15:  # twenty requests take well under a second; don't start at a minute's end
        await asyncio.sleep(left + 0.1)

    for _ in range(20):
        answer = await api.post("/codec/decode", json=body, headers={**LUIS, "Referer": referer})
        assert answer.status_code == 200, answer.text

    log = await api.get("/api/v1/access-log", params={"person_id": "luis"}, headers=LUIS)
    assert [
        (e["action"], e["review_id"], e["channel"], e["count"]) for e in log.json()["entries"]
    ] == [("decode_history", REVIEW, "codec", 20)]
