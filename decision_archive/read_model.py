"""The read model of open and closed reviews: one summary per review in the archive's database,
written by the workflow as the review changes and read by the queues.

A publication carries the review's ``version`` (one more for each change): writing is an upsert
that keeps the row with the higher version, so publications retried or delivered out of order
never roll a review back. Queue pages are keyset pages in the queue's order (most urgent tier,
soonest deadline, review id), so a page costs the same at row 10 or row 100,000.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from decision_archive.store import review_summaries
from review.models import ReviewStatus, Severity, SlaTier, StrictModel

TIER_RANK = {SlaTier.CRITICAL: 0, SlaTier.HIGH: 1, SlaTier.STANDARD: 2}
"""The queue's order of tiers: the most urgent first."""


class ReviewSummary(StrictModel):
    """What the queues know about a review, as its workflow last published it."""

    review_id: str
    version: int = Field(ge=0, description="One more for each change of the review.")
    status: ReviewStatus
    tier: SlaTier
    sla_deadline: datetime
    category: str
    severity: Severity
    market: str
    account_id: str
    assignee_id: str | None = None
    lease_until: datetime | None = None
    escalated: bool = False
    appeal_state: str | None = None
    updated_at: datetime


class QueueCursor(StrictModel):
    """Where a queue page ended: the next page starts after this review."""

    tier_rank: int
    sla_deadline: datetime
    review_id: str


class QueueQuery(StrictModel):
    """Which reviews a queue shows; empty means any."""

    statuses: list[ReviewStatus] = Field(default_factory=list)
    tier: SlaTier | None = None
    category: str | None = None
    market: str | None = None
    account_id: str | None = None
    assignee_id: str | None = None


class QueuePage(StrictModel):
    """One page of a queue, where the next one starts, and counts per status and tier."""

    reviews: list[ReviewSummary]
    next: QueueCursor | None
    counts: dict[str, dict[str, int]] = Field(
        description="Reviews matching the query's other filters, by status, then by tier."
    )


class ReviewReadModel:
    """Review summaries in the archive's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def publish(self, summary: ReviewSummary) -> bool:
        """Write ``summary`` unless the row already holds this version or a newer one; whether
        it was written."""
        # SQLite keeps no zone: every moment is written in UTC and read back as UTC.
        row = {k: _utc(v) for k, v in summary.model_dump().items()}
        row["tier_rank"] = TIER_RANK[summary.tier]
        table = review_summaries
        newer = table.c.version < sa.literal(summary.version)
        with self.engine.begin() as db:
            if db.dialect.name in ("sqlite", "postgresql"):
                insert = (sqlite if db.dialect.name == "sqlite" else postgresql).insert(table)
                statement = insert.values(**row).on_conflict_do_update(
                    index_elements=[table.c.review_id],
                    set_={k: insert.excluded[k] for k in row if k != "review_id"},
                    where=newer,
                )
                # A row comes back only when it was inserted or updated (rowcount is not
                # reliable for ON CONFLICT on every driver).
                return db.execute(statement.returning(table.c.review_id)).first() is not None
            # Any other database: update a newer version, else insert if there is none.
            updated = db.execute(
                table.update().where(table.c.review_id == summary.review_id, newer).values(**row)
            )
            if updated.rowcount:
                return True
            exists = db.execute(
                sa.select(table.c.review_id).where(table.c.review_id == summary.review_id)
            ).first()
            if exists:
                return False
            db.execute(table.insert().values(**row))
            return True

    def summary(self, review_id: str) -> ReviewSummary | None:
        """The latest published summary of one review."""
        with self.engine.connect() as db:
            row = db.execute(
                sa.select(review_summaries).where(review_summaries.c.review_id == review_id)
            ).first()
        return _summary(row._mapping) if row else None

    def page(
        self, query: QueueQuery, after: QueueCursor | None = None, limit: int = 50
    ) -> QueuePage:
        """A page of the queue in its order, after ``after`` (keyset: no offset scans)."""
        table = review_summaries
        conditions = _conditions(query)
        if after is not None:
            key = sa.tuple_(table.c.tier_rank, table.c.sla_deadline, table.c.review_id)
            conditions.append(
                key
                > sa.tuple_(
                    sa.literal(after.tier_rank),
                    sa.literal(_utc(after.sla_deadline)),
                    sa.literal(after.review_id),
                )
            )
        statement = (
            sa.select(table)
            .where(*conditions)
            .order_by(table.c.tier_rank, table.c.sla_deadline, table.c.review_id)
            .limit(limit + 1)
        )
        counted = (
            sa.select(table.c.status, table.c.tier, sa.func.count())
            .where(*_conditions(query.model_copy(update={"statuses": [], "tier": None})))
            .group_by(table.c.status, table.c.tier)
        )
        with self.engine.connect() as db:
            rows = list(db.execute(statement))
            counts: dict[str, Counter[str]] = {}
            for status, tier, n in db.execute(counted):
                counts.setdefault(status, Counter())[tier] += n
        reviews = [_summary(r._mapping) for r in rows[:limit]]
        last = reviews[-1] if len(rows) > limit else None
        cursor = (
            QueueCursor(
                tier_rank=TIER_RANK[last.tier],
                sla_deadline=last.sla_deadline,
                review_id=last.review_id,
            )
            if last
            else None
        )
        return QueuePage(
            reviews=reviews, next=cursor, counts={s: dict(c) for s, c in counts.items()}
        )


def _conditions(query: QueueQuery) -> list[sa.ColumnElement[bool]]:
    table = review_summaries
    found: list[sa.ColumnElement[bool]] = []
    if query.statuses:
        found.append(table.c.status.in_([str(s) for s in query.statuses]))
    if query.tier is not None:
        found.append(table.c.tier == str(query.tier))
    for column, value in (
        (table.c.category, query.category),
        (table.c.market, query.market),
        (table.c.account_id, query.account_id),
        (table.c.assignee_id, query.assignee_id),
    ):
        if value is not None:
            found.append(column == value)
    return found


def _utc(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _summary(row: object) -> ReviewSummary:
    values = dict(row)  # type: ignore[call-overload]
    values.pop("tier_rank", None)
    for name, value in values.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            values[name] = value.replace(tzinfo=UTC)
    return ReviewSummary.model_validate(values)
