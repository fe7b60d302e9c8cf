"""The decision archive's database: case records, the notes added to them once closed, and the
access log, through SQLAlchemy.

SQLite under ``var/`` by default; any SQLAlchemy URL (``DR_ARCHIVE_URL``, e.g.
``postgresql+psycopg://...``) in production. A record is stored encrypted with the payload key
ring (bound to its review id); only what retention, prior-violation lookups and audits need
stays in plaintext columns: ids, market, category, action and times. A record never changes
once written: notes QA and leads add to a closed review live beside it (``record_notes``),
their text sealed the same way (bound to the review id and the note id), only ids, the
author, their role and the time in plaintext.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from decision_archive import schema_version
from decision_archive.facts import DecisionFacts, facts_of
from review.case_record import ArchivedRecord, CaseRecord
from review.models import NoteBody, Person, PersonRole, PriorViolation, StrictModel
from temporal_runtime.encryption import KeyRing, KeyRingError

DEFAULT_ARCHIVE_FILE = Path(__file__).resolve().parent.parent / "var" / "decision_archive.db"

metadata = sa.MetaData()

case_records = sa.Table(
    "case_records",
    metadata,
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("incident_id", sa.String(128), nullable=False),
    sa.Column("account_id", sa.String(128), nullable=False, index=True),
    sa.Column("market", sa.String(64), nullable=False, index=True),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("sealed_record", sa.LargeBinary, nullable=False),
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("person_id", sa.String(128), nullable=False, index=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("review_id", sa.String(160), nullable=True, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("client_address", sa.String(64), nullable=True),
    sa.Column("detail", sa.String(200), nullable=True),
    # One row per person, review, action, channel and UTC minute (revision 0002): the Web UI
    # decodes payload by payload, and a row each drowned the log. ``review_key`` is review_id
    # or '' because a unique constraint treats NULLs as all different.
    sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
    sa.Column("review_key", sa.String(160), nullable=False),
    sa.Column("count", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint(
        "person_id", "review_key", "action", "channel", "minute", name="uq_access_log_bucket"
    ),
)

record_notes = sa.Table(
    "record_notes",
    metadata,
    sa.Column("note_id", sa.String(64), primary_key=True),
    sa.Column("review_id", sa.String(160), nullable=False, index=True),
    sa.Column("author_id", sa.String(128), nullable=False),
    sa.Column("author_role", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("sealed_text", sa.LargeBinary, nullable=False),
    # The author's Idempotency-Key (revision 0003): a retried request finds its note. NULL when
    # none was sent, and a unique constraint treats NULLs as all different, so those never clash.
    sa.Column("idempotency_key", sa.String(100), nullable=True),
    sa.UniqueConstraint(
        "review_id", "author_id", "idempotency_key", name="uq_record_notes_idempotency"
    ),
)

review_summaries = sa.Table(
    "review_summaries",
    metadata,
    # The read model (revision 0004): one row per review, the latest summary the workflow
    # published. ``version`` orders publications: a stale write never overwrites a newer one.
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("tier_rank", sa.Integer, nullable=False),
    sa.Column("sla_deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("market", sa.String(64), nullable=False),
    sa.Column("account_id", sa.String(128), nullable=False, index=True),
    sa.Column("assignee_id", sa.String(128), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("appeal_state", sa.String(32), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # Revision 0005: the running clock's state, when the review started, and who wrote the row
    # ("workflow", or "visibility" for a review whose code publishes nothing).
    sa.Column("sla_state", sa.String(16), nullable=False, server_default="on_track"),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("locale", sa.String(16), nullable=True),
    sa.Column("source", sa.String(16), nullable=False, server_default="workflow"),
    # When the row was written: its lag behind the change is published_at - updated_at.
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_review_summaries_assignee", "assignee_id"),
    sa.Index("ix_review_summaries_market", "market", "category"),
    # The queue: a status, most urgent tier first, soonest deadline, then id (keyset pages).
    sa.Index("ix_review_summaries_queue", "status", "tier_rank", "sla_deadline", "review_id"),
    sa.Index("ix_review_summaries_deadline", "sla_deadline", "review_id"),
)

review_views = sa.Table(
    "review_views",
    metadata,
    # Revision 0005: the latest full view of each review, sealed like a record and bound to the
    # review id, so a review's page reads while its worker is down.
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("sealed_view", sa.LargeBinary, nullable=False),
)

appeals = sa.Table(
    "appeals",
    metadata,
    # Revision 0006: one row per appeal, written by its workflow at each change (``version``
    # orders them); what the queues and records read in plaintext, the appeal itself sealed.
    sa.Column("appeal_id", sa.String(180), primary_key=True),
    sa.Column("review_id", sa.String(160), nullable=False, index=True),
    sa.Column("account_id", sa.String(128), nullable=False, index=True),
    sa.Column("market", sa.String(64), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("new_information", sa.Boolean, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sla_deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sla_state", sa.String(16), nullable=False),
    sa.Column("assignee_id", sa.String(128), nullable=True),
    sa.Column("decided_by", sa.String(128), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("sealed_view", sa.LargeBinary, nullable=False),
    sa.Column("origin", sa.String(16), nullable=False, server_default="person"),
    sa.Index("ix_appeals_queue", "status", "sla_deadline", "appeal_id"),
)

decision_facts = sa.Table(
    # A closed review's facts in plaintext for metrics and QA sampling (decision_archive/
    # facts.py), written with its record; nothing here names the account or the reporter.
    "decision_facts",
    metadata,
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("market", sa.String(64), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("account_role", sa.String(16), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("rule_id", sa.String(160), nullable=True, index=True),
    sa.Column("matrix_version", sa.String(40), nullable=True),
    sa.Column("recommended_action", sa.String(64), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("deviated", sa.Boolean, nullable=False),
    sa.Column("decided_by", sa.String(128), nullable=False, index=True),
    sa.Column("second_reviewer", sa.String(128), nullable=True),
    sa.Column("second_reviewed", sa.Boolean, nullable=False),
    sa.Column("second_review_returned", sa.Boolean, nullable=False),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("first_decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("decision_seconds", sa.Float, nullable=False),
    sa.Column("sla_deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sla_met", sa.Boolean, nullable=False),
    sa.Column("sla_breached", sa.Boolean, nullable=False),
    sa.Index("ix_decision_facts_slice", "market", "category", "closed_at"),
)

qa_samples = sa.Table(
    # Each closed review's QA sampling draw (decision_archive/quality.py).
    "qa_samples",
    metadata,
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("policy_version", sa.String(40), nullable=False),
    sa.Column("rate", sa.Float, nullable=False),
    sa.Column("reasons", sa.String(200), nullable=False),
    sa.Column("draw", sa.Float, nullable=False),
    sa.Column("sampled", sa.Boolean, nullable=False),
    sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
)

qa_scores = sa.Table(
    # QA's score of a sampled decision; the comment sealed, bound to "<review_id>/qa".
    "qa_scores",
    metadata,
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("auditor_id", sa.String(128), nullable=False),
    sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("decided_by", sa.String(128), nullable=False, index=True),
    sa.Column("action_correct", sa.Boolean, nullable=False),
    sa.Column("guidelines_correct", sa.Boolean, nullable=False),
    sa.Column("rationale_adequate", sa.Boolean, nullable=False),
    sa.Column("message_appropriate", sa.Boolean, nullable=False),
    sa.Column("error_type", sa.String(32), nullable=True),
    sa.Column("agrees", sa.Boolean, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("sealed_comment", sa.LargeBinary, nullable=False),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("correction_id", sa.String(180), nullable=True),
    # pending (to open), opened, or refused (correction_note says why); null: none needed
    sa.Column("correction_state", sa.String(16), nullable=True),
    sa.Column("correction_note", sa.String(200), nullable=True),
)

calibration_rounds = sa.Table(
    # A lead's calibration round (decision_archive/calibration.py); raters comma-separated.
    "calibration_rounds",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("raters", sa.String(4000), nullable=False),
)

calibration_cases = sa.Table(
    "calibration_cases",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("golden_action", sa.String(64), nullable=False),
    sa.Column("case_id", sa.String(40), nullable=False),
    sa.Column("took_part", sa.String(400), nullable=False),
)

calibration_answers = sa.Table(
    "calibration_answers",
    metadata,
    sa.Column("round_id", sa.String(40), primary_key=True),
    sa.Column("review_id", sa.String(160), primary_key=True),
    sa.Column("person_id", sa.String(128), primary_key=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
)

ACCESS_BUCKET = [
    access_log.c.person_id,
    access_log.c.review_key,
    access_log.c.action,
    access_log.c.channel,
    access_log.c.minute,
]
"""What one access log row stands for: accesses alike in these fall into one row."""


class ArchiveSettings(BaseSettings):
    """Where the decision archive lives."""

    model_config = SettingsConfigDict(env_prefix="DR_", extra="ignore")

    archive_url: str = f"sqlite:///{DEFAULT_ARCHIVE_FILE}"


AccessAction = Literal[
    "view_review",
    "view_report",
    "decode_history",
    "add_record_note",
    "give_person_records",
    "view_appeal",
]


class AccessEntry(StrictModel):
    """A person's look at a review, its report or decoded history, or a note they added to a
    closed review's record; as read back from the log, the first of ``count`` such accesses
    (same person, review, action, channel) in its UTC minute, with that first one's time, role,
    client address and detail."""

    at: datetime
    person_id: str
    role: str
    action: AccessAction
    review_id: str | None
    channel: Literal["page", "api", "codec"]
    client_address: str | None
    detail: str | None = None
    count: int = Field(default=1, ge=1)


class RecordNote(StrictModel):
    """A note QA or a lead added to a closed review's case record, as the archive keeps it."""

    id: str = Field(description="The note's id in the archive.")
    review_id: str
    author: Person
    at: datetime = Field(description="When the note was added.")
    text: str


class NoCaseRecord(LookupError):
    """A note for a review the archive holds no case record of."""

    def __init__(self, review_id: str) -> None:
        super().__init__(
            f"no case record for review {review_id}: it is not closed yet, or its record "
            "was purged after its market's retention period"
        )
        self.review_id = review_id


class RecordIndex(StrictModel):
    """A record's plaintext columns: enough to find records and plan retention without
    decrypting anything."""

    review_id: str
    account_id: str
    market: str
    category: str
    action: str
    closed_at: datetime


def upsert_row(
    db: Connection, table: sa.Table, row: dict[str, Any], replaces: sa.ColumnElement[bool]
) -> bool:
    """Insert ``row`` into ``table``, or update the row with its key where ``replaces`` holds;
    whether a row was written."""
    [key_column] = table.primary_key.columns
    if db.dialect.name in ("sqlite", "postgresql"):
        insert = (sqlite if db.dialect.name == "sqlite" else postgresql).insert(table)
        statement = insert.values(**row).on_conflict_do_update(
            index_elements=[key_column],
            set_={k: insert.excluded[k] for k in row if k != key_column.name},
            where=replaces,
        )
        # A row comes back only when it was inserted or updated (rowcount is not reliable for
        # ON CONFLICT on every driver).
        return db.execute(statement.returning(key_column)).first() is not None
    # Any other database: update where it replaces, else insert if there is none.
    key = key_column == row[key_column.name]
    if db.execute(table.update().where(key, replaces).values(**row)).rowcount:
        return True
    if db.execute(sa.select(key_column).where(key)).first():
        return False
    db.execute(table.insert().values(**row))
    return True


def facts_row(facts: DecisionFacts) -> dict[str, Any]:
    """A decision_facts row."""
    row = facts.model_dump(mode="python")
    for name in ("category", "severity", "tier", "recommended_action", "action"):
        row[name] = str(row[name]) if row[name] is not None else None
    for name in ("received_at", "first_decided_at", "decided_at", "closed_at", "sla_deadline"):
        row[name] = _utc(row[name])
    row["decision_seconds"] = facts.decision_seconds
    return row


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _note_binding(review_id: str, note_id: str) -> bytes:
    """What a note's sealed text is bound to: its review and itself, so it decrypts neither as
    another note nor as a record (records are bound to the review id alone)."""
    return f"{review_id}/notes/{note_id}".encode()


def access_minute(at: datetime) -> datetime:
    """The UTC minute an access falls in: its access log row's bucket."""
    return _utc(at).replace(second=0, microsecond=0)


class DecisionArchive:
    """Case records and the access log in one SQL database."""

    def __init__(self, url: str, keys: KeyRing | None) -> None:
        """Open the archive at ``url``, creating or migrating its schema to the newest
        revision. Without ``keys`` it can plan and purge retention and keep the access log, but
        not write or read records."""
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.keys = keys
        schema_version.upgrade(self.engine)

    @classmethod
    def from_settings(
        cls, keys: KeyRing | None, settings: ArchiveSettings | None = None
    ) -> DecisionArchive:
        """The archive configured in the environment (``DR_ARCHIVE_URL``)."""
        return cls((settings or ArchiveSettings()).archive_url, keys)

    def write(self, record: CaseRecord, now: datetime) -> ArchivedRecord:
        """Store a closed review's record, and its decision facts; a second write for the same
        review keeps the first."""
        row = self.record_row(record, now)
        try:
            with self.engine.begin() as db:
                db.execute(case_records.insert().values(**row))
                db.execute(decision_facts.insert().values(**facts_row(facts_of(record))))
        except IntegrityError:
            if self.has_record(record.review_id):
                return ArchivedRecord(review_id=record.review_id, written_now=False)
            raise
        return ArchivedRecord(review_id=record.review_id, written_now=True)

    def record_row(self, record: CaseRecord, now: datetime) -> dict[str, Any]:
        """The case_records row of a record archived at ``now``, sealed."""
        key_id, sealed = self._keys().encrypt(
            record.model_dump_json().encode(), bound_to=record.review_id.encode()
        )
        return {
            "review_id": record.review_id,
            "incident_id": record.request.incident_id,
            "account_id": record.request.account.id,
            "market": record.request.account.market,
            "category": str(record.request.category),
            "action": str(record.decision.action),
            "decided_at": _utc(record.decision.decided_at),
            "closed_at": _utc(record.closed_at),
            "archived_at": _utc(now),
            "key_id": key_id,
            "sealed_record": sealed,
        }

    def _keys(self) -> KeyRing:
        if self.keys is None:
            raise KeyRingError("the decision archive was opened without encryption keys")
        return self.keys

    def has_record(self, review_id: str) -> bool:
        """Whether the archive holds this review's record (without reading it)."""
        query = sa.select(case_records.c.review_id).where(case_records.c.review_id == review_id)
        with self.engine.connect() as db:
            return db.execute(query).first() is not None

    def read(self, review_id: str) -> CaseRecord | None:
        """The record of a closed review, or None when the archive has none."""
        query = sa.select(case_records.c.key_id, case_records.c.sealed_record).where(
            case_records.c.review_id == review_id
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        if row is None:
            return None
        plain = self._keys().decrypt(row.key_id, row.sealed_record, bound_to=review_id.encode())
        return CaseRecord.model_validate_json(plain)

    def prior_violations(self, account_id: str, excluding_review: str) -> list[PriorViolation]:
        """Confirmed violations (any action but no_action) from the account's closed reviews;
        retracted where an appeal overturned the decision."""
        overturned = (
            sa.select(appeals.c.review_id)
            .where(appeals.c.review_id == case_records.c.review_id)
            .where(appeals.c.outcome == "overturn")
            .where(appeals.c.status == "closed")
            .exists()
        )
        query = (
            sa.select(
                case_records.c.incident_id,
                case_records.c.category,
                case_records.c.action,
                case_records.c.decided_at,
                overturned.label("retracted"),
            )
            .where(case_records.c.account_id == account_id)
            .where(case_records.c.action != "no_action")
            .where(case_records.c.review_id != excluding_review)
            .order_by(case_records.c.decided_at)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            PriorViolation(
                incident_id=r.incident_id,
                category=r.category,
                action=r.action,
                decided_at=_utc(r.decided_at),
                retracted=bool(r.retracted),
            )
            for r in rows
        ]

    def index(self) -> list[RecordIndex]:
        """Every record's plaintext columns, oldest closed first."""
        return self._find(sa.true(), case_records.c.closed_at.asc(), limit=None)

    def search(
        self,
        review_id: str | None = None,
        account_id: str | None = None,
        market: str | None = None,
        limit: int | None = 200,
    ) -> list[RecordIndex]:
        """Records matching every filter given, most recently closed first (all, with
        ``limit`` None)."""
        where = sa.and_(
            sa.true(),
            *(
                column == value
                for column, value in (
                    (case_records.c.review_id, review_id),
                    (case_records.c.account_id, account_id),
                    (case_records.c.market, market),
                )
                if value is not None
            ),
        )
        return self._find(where, case_records.c.closed_at.desc(), limit)

    def markets(self, review_ids: set[str]) -> dict[str, str]:
        """The market of each of these reviews the archive holds a record of, in one query."""
        if not review_ids:
            return {}
        query = sa.select(case_records.c.review_id, case_records.c.market).where(
            case_records.c.review_id.in_(sorted(review_ids))
        )
        with self.engine.connect() as db:
            return {review_id: market for review_id, market in db.execute(query)}

    def _find(
        self, where: sa.ColumnElement[bool], order: sa.UnaryExpression[object], limit: int | None
    ) -> list[RecordIndex]:
        query = (
            sa.select(
                case_records.c.review_id,
                case_records.c.account_id,
                case_records.c.market,
                case_records.c.category,
                case_records.c.action,
                case_records.c.closed_at,
            )
            .where(where)
            .order_by(order)
            .limit(limit)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            RecordIndex(
                review_id=r.review_id,
                account_id=r.account_id,
                market=r.market,
                category=r.category,
                action=r.action,
                closed_at=_utc(r.closed_at),
            )
            for r in rows
        ]

    def delete(self, review_ids: list[str]) -> int:
        """Delete these records, the notes added to them, their appeals, their reviews'
        read-model rows, decision facts, QA audits and calibration cases; returns how many
        records were deleted."""
        if not review_ids:
            return 0
        with self.engine.begin() as db:
            for table in (
                record_notes,
                appeals,
                review_summaries,
                review_views,
                decision_facts,
                qa_samples,
                qa_scores,
                calibration_cases,
                calibration_answers,
            ):
                db.execute(table.delete().where(table.c.review_id.in_(review_ids)))
            result = db.execute(
                case_records.delete().where(case_records.c.review_id.in_(review_ids))
            )
        return int(result.rowcount)

    def add_note(
        self,
        review_id: str,
        author: Person,
        note: NoteBody,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> RecordNote:
        """Add a note to a closed review's case record, leaving the record itself as archived.

        Raises NoCaseRecord when the archive has no record of the review. With an
        ``idempotency_key``, the same author sending the same key for the same review again gets
        the note the first request added (as it was then), and no second note.
        """
        if idempotency_key is not None:
            found = self._note_by_key(review_id, author.id, idempotency_key)
            if found is not None:
                return found
        added = RecordNote(
            id=uuid.uuid4().hex, review_id=review_id, author=author, at=_utc(now), text=note.text
        )
        key_id, sealed = self._keys().encrypt(
            added.text.encode(), bound_to=_note_binding(review_id, added.id)
        )
        row = {
            "note_id": added.id,
            "review_id": review_id,
            "author_id": author.id,
            "author_role": str(author.role),
            "at": added.at,
            "key_id": key_id,
            "sealed_text": sealed,
            "idempotency_key": idempotency_key,
        }
        try:
            with self.engine.begin() as db:
                # Checked in the transaction that inserts, so a note never lands without its
                # record on a retention purge's heels.
                has_record = sa.select(case_records.c.review_id).where(
                    case_records.c.review_id == review_id
                )
                if db.execute(has_record).first() is None:
                    raise NoCaseRecord(review_id)
                db.execute(record_notes.insert().values(**row))
        except IntegrityError:
            # The same key sent twice at once: the other request's insert won.
            if idempotency_key is not None:
                found = self._note_by_key(review_id, author.id, idempotency_key)
                if found is not None:
                    return found
            raise
        return added

    def notes(self, review_id: str) -> list[RecordNote]:
        """The notes added to a closed review's case record, oldest first."""
        query = (
            sa.select(record_notes)
            .where(record_notes.c.review_id == review_id)
            .order_by(record_notes.c.at, record_notes.c.note_id)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [self._note(row) for row in rows]

    def _note_by_key(self, review_id: str, author_id: str, key: str) -> RecordNote | None:
        query = sa.select(record_notes).where(
            record_notes.c.review_id == review_id,
            record_notes.c.author_id == author_id,
            record_notes.c.idempotency_key == key,
        )
        with self.engine.connect() as db:
            row = db.execute(query).mappings().first()
        return None if row is None else self._note(row)

    def _note(self, row: sa.RowMapping) -> RecordNote:
        text = self._keys().decrypt(
            row["key_id"],
            row["sealed_text"],
            bound_to=_note_binding(row["review_id"], row["note_id"]),
        )
        return RecordNote(
            id=row["note_id"],
            review_id=row["review_id"],
            author=Person(id=row["author_id"], role=PersonRole(row["author_role"])),
            at=_utc(row["at"]),
            text=text.decode(),
        )

    def record_access(self, entry: AccessEntry) -> None:
        """Note an access in the access log: the first access by a person to a review with an
        action and channel in a UTC minute adds a row; the next ones in that minute add their
        ``count`` to it. Safe when requests record the same minute at once: the unique bucket
        decides, in one statement, never by reading first."""
        row = {
            **entry.model_dump(),
            "at": _utc(entry.at),
            "minute": access_minute(entry.at),
            "review_key": entry.review_id or "",
        }
        upsert = _insert_or_count(self.engine.dialect.name, row)
        if upsert is not None:
            with self.engine.begin() as db:
                db.execute(upsert)
            return
        # Another database: insert, and when the minute's row is there, count on it instead.
        try:
            with self.engine.begin() as db:
                db.execute(access_log.insert().values(**row))
        except IntegrityError:
            with self.engine.begin() as db:
                db.execute(
                    access_log.update()
                    .where(*(column == row[column.name] for column in ACCESS_BUCKET))
                    .values(count=access_log.c["count"] + entry.count)
                )

    def access_log(
        self, review_id: str | None = None, person_id: str | None = None, limit: int = 500
    ) -> list[AccessEntry]:
        """The newest access log entries, optionally for one review or one person."""
        query = sa.select(access_log).order_by(access_log.c.id.desc()).limit(limit)
        if review_id is not None:
            query = query.where(access_log.c.review_id == review_id)
        if person_id is not None:
            query = query.where(access_log.c.person_id == person_id)
        with self.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [
            AccessEntry.model_validate(
                {**{k: v for k, v in r.items() if k not in _NOT_IN_ENTRY}, "at": _utc(r["at"])}
            )
            for r in rows
        ]

    def backfill_facts(self) -> int:
        """Write the decision facts of records archived before facts existed (it reads the
        sealed records, so it needs the keys); how many were written."""
        missing = sa.select(case_records.c.review_id).where(
            ~sa.exists().where(decision_facts.c.review_id == case_records.c.review_id)
        )
        with self.engine.connect() as db:
            review_ids = list(db.execute(missing).scalars())
        written = 0
        for review_id in review_ids:
            record = self.read(review_id)
            if record is None:
                continue  # purged meanwhile
            try:
                with self.engine.begin() as db:
                    db.execute(decision_facts.insert().values(**facts_row(facts_of(record))))
                written += 1
            except IntegrityError:
                pass  # written meanwhile, by a second backfill
        return written

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


_NOT_IN_ENTRY = frozenset({"id", "minute", "review_key"})


def _insert_or_count(dialect: str, row: dict[str, object]) -> sa.Insert | None:
    """INSERT ... ON CONFLICT (bucket) DO UPDATE count = count + new count, on SQLite and
    PostgreSQL; None on a database without that statement."""
    if dialect == "sqlite":
        lite = sqlite.insert(access_log).values(**row)
        return lite.on_conflict_do_update(
            index_elements=ACCESS_BUCKET,
            set_={"count": access_log.c["count"] + lite.excluded["count"]},
        )
    if dialect == "postgresql":
        pg = postgresql.insert(access_log).values(**row)
        return pg.on_conflict_do_update(
            index_elements=ACCESS_BUCKET,
            set_={"count": access_log.c["count"] + pg.excluded["count"]},
        )
    return None


def _sqlite_pragmas(connection: object, _record: object) -> None:
    # The worker and the web app write to the same file: wait for each other, don't fail.
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
