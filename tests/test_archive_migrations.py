"""The decision archive's schema evolves by Alembic migrations, on SQLite and PostgreSQL: the
migrations build exactly the schema the code uses, a database made before migrations existed is
adopted without losing a record, and the notes added to closed reviews come (and go) beside the
records without touching them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from decision_archive import schema_version
from decision_archive.__main__ import main as archive_command
from decision_archive.store import AccessEntry, DecisionArchive, case_records, metadata
from review.case_record import ArchivedRecord, CaseRecord
from review.matrix import ReviewPolicy
from review.models import NoteBody, Person, PersonRole
from tests.conftest import TEST_KEYS, fresh_database
from tests.test_decision_archive import NOW, decided_record

OLD_ACCESS_LOG_COLUMNS = (
    "at",
    "person_id",
    "role",
    "action",
    "review_id",
    "channel",
    "client_address",
    "detail",
)


def archived_before_facts(archive: DecisionArchive, record: CaseRecord) -> ArchivedRecord:
    """Write a record as the archive did before revision 0007: no decision facts."""
    with archive.engine.begin() as db:
        db.execute(case_records.insert().values(**archive.record_row(record, NOW)))
    return ArchivedRecord(review_id=record.review_id, written_now=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with nothing in it, on SQLite and on PostgreSQL."""
    return fresh_database(request, tmp_path, request.param)


def test_the_migrations_build_exactly_the_schema_the_code_uses(empty_database: str) -> None:
    DecisionArchive(empty_database, TEST_KEYS).close()

    engine = sa.create_engine(empty_database)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert schema_version.current(engine) == schema_version.head()
    engine.dispose()
    assert differences == []


def test_an_archive_made_before_migrations_is_adopted_without_losing_a_record(
    empty_database: str,
    shipped_policy: tuple[ReviewPolicy, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The archive as it was before migrations: revision 0001's tables, made directly, no
    # migration history, holding a record and an access-log row.
    def as_it_was(engine: Engine) -> None:
        with engine.begin() as connection:
            command.upgrade(
                schema_version.alembic_config(connection), schema_version.FIRST_REVISION
            )
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE alembic_version"))

    entry = AccessEntry(
        at=NOW,
        person_id="luis",
        role="lead",
        action="view_report",
        review_id=None,
        channel="page",
        client_address="127.0.0.1",
    )
    with monkeypatch.context() as before:
        before.setattr(schema_version, "upgrade", as_it_was)
        old = DecisionArchive(empty_database, TEST_KEYS)
        record = decided_record(shipped_policy[0])
        written = archived_before_facts(old, record)
        entry = entry.model_copy(update={"review_id": written.review_id})
        old_log = sa.table("access_log", *(sa.column(c) for c in OLD_ACCESS_LOG_COLUMNS))
        with old.engine.begin() as connection:
            connection.execute(old_log.insert().values(entry.model_dump(exclude={"count"})))
        old.close()
    assert schema_version.current(sa.create_engine(empty_database)) is None

    archive = DecisionArchive(empty_database, TEST_KEYS)

    assert schema_version.current(archive.engine) == schema_version.head()
    assert written.written_now and archive.read(written.review_id) == record
    assert archive.access_log(written.review_id, None, 10) == [entry]
    archive.close()


def test_the_schema_command_says_where_a_database_stands(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DR_ARCHIVE_URL", empty_database)

    assert archive_command(["schema"]) == 0
    assert capsys.readouterr().out == f"schema revision None, newest {schema_version.head()}\n"
    assert archive_command(["migrate"]) == 0
    assert capsys.readouterr().out.endswith(f"schema at revision {schema_version.head()}\n")
    assert archive_command(["schema"]) == 0
    newest = schema_version.head()
    assert capsys.readouterr().out == f"schema revision {newest}, newest {newest}\n"


def test_revision_0003_adds_notes_beside_the_records_an_archive_at_0002_holds(
    empty_database: str,
    shipped_policy: tuple[ReviewPolicy, object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An archive as revision 0002 left it, holding a record.
    def at_0002(engine: Engine) -> None:
        with engine.begin() as connection:
            command.upgrade(schema_version.alembic_config(connection), "0002")

    with monkeypatch.context() as before:
        before.setattr(schema_version, "upgrade", at_0002)
        old = DecisionArchive(empty_database, TEST_KEYS)
        record = decided_record(shipped_policy[0])
        archived_before_facts(old, record)
        assert not sa.inspect(old.engine).has_table("record_notes")
        old.close()

    archive = DecisionArchive(empty_database, TEST_KEYS)

    assert archive.read(record.review_id) == record
    assert archive.notes(record.review_id) == []
    qa = Person(id="sofia", role=PersonRole.QA)
    added = archive.add_note(record.review_id, qa, NoteBody(text="Sampled."), NOW)
    assert archive.notes(record.review_id) == [added]
    archive.close()


def test_downgrading_0003_drops_the_notes_and_keeps_the_records(
    empty_database: str, shipped_policy: tuple[ReviewPolicy, object]
) -> None:
    archive = DecisionArchive(empty_database, TEST_KEYS)
    record = decided_record(shipped_policy[0])
    archive.write(record, NOW)
    qa = Person(id="sofia", role=PersonRole.QA)
    archive.add_note(record.review_id, qa, NoteBody(text="Sampled."), NOW)

    with archive.engine.begin() as connection:
        command.downgrade(schema_version.alembic_config(connection), "0002")

    assert schema_version.current(archive.engine) == "0002"
    assert not sa.inspect(archive.engine).has_table("record_notes")
    assert archive.read(record.review_id) == record
    archive.close()
