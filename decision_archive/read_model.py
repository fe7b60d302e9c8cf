"""The read model of open and closed reviews: one summary per review in the archive's database,
and the review's latest full view beside it, written by the workflow as the review changes and
read by the queues and the review pages.

A publication carries the review's ``version`` (one more for each change): writing is an upsert
that keeps the row with the higher version, so publications retried or delivered out of order
never roll a review back. Queue pages are keyset pages in the queue's order (most urgent tier,
soonest deadline, review id), so a page costs the same at row 10 or row 100,000.

A review whose code publishes nothing (it started on a build from before the read model) is
mirrored from Temporal visibility instead (``mirror``): its row says ``source = visibility``, a
publication by a workflow always replaces such a row, and the mirror never replaces a published
one.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field, ValidationError
from sqlalchemy.engine import Engine

from decision_archive.store import DecisionArchive, review_summaries, review_views, upsert_row
from review import lifecycle
from review.models import (
    IncidentCategory,
    ReviewState,
    ReviewStatus,
    Severity,
    Skills,
    SlaTier,
    StrictModel,
)
from temporal_runtime.encryption import KeyRing, KeyRingError

TIER_RANK = {SlaTier.CRITICAL: 0, SlaTier.HIGH: 1, SlaTier.STANDARD: 2}
"""The queue's order of tiers: the most urgent first."""

_TIER_OF_RANK = {rank: tier for tier, rank in TIER_RANK.items()}

OPEN_STATUSES: list[ReviewStatus] = [s for s in ReviewStatus if s is not ReviewStatus.CLOSED]

Source = Literal["workflow", "visibility"]

# Model fields whose column has another name (the API's names predate the table).
_COLUMN_OF = {"sla_tier": "tier", "assignee": "assignee_id"}
_FIELD_OF = {column: field for field, column in _COLUMN_OF.items()}


class ReviewSummary(StrictModel):
    """A review as a queue row: what its workflow last published (or, for a review whose code
    publishes nothing, what Temporal visibility says)."""

    review_id: str
    version: int = Field(ge=0, description="One more for each change of the review.")
    status: ReviewStatus
    category: IncidentCategory
    severity: Severity
    sla_tier: SlaTier
    sla_deadline: datetime = Field(description="The deadline people work to now.")
    sla_state: str = Field(description="on_track, at_risk, breached; met or missed once decided.")
    assignee: str | None = None
    lease_until: datetime | None = None
    account_id: str
    market: str
    locale: str | None = Field(default=None, description="The account's (None where unknown).")
    escalated: bool = False
    appeal_state: str | None = None
    started_at: datetime | None = None
    updated_at: datetime


def queue_order(summary: ReviewSummary) -> tuple[int, datetime, str]:
    """Where a review stands in a queue: most urgent tier, soonest deadline, then id (the order
    ``ReviewReadModel.page`` sorts by, for lists merged in memory)."""
    return TIER_RANK[summary.sla_tier], summary.sla_deadline, summary.review_id


def summary_of(state: ReviewState, now: datetime) -> ReviewSummary:
    """The summary of a review's state, as published at ``now``."""
    return ReviewSummary(
        review_id=state.review_id,
        version=state.version,
        status=state.status,
        category=state.request.category,
        severity=state.request.severity,
        sla_tier=state.sla.tier,
        sla_deadline=lifecycle.sla_deadline(state),
        sla_state=lifecycle.sla_state(state),
        assignee=state.assignee.id if state.assignee else None,
        lease_until=state.lease_until,
        account_id=state.request.account.id,
        market=state.request.account.market,
        locale=state.request.account.locale,
        escalated=state.escalated,
        started_at=state.received_at,
        updated_at=now,
    )


class QueueCursor(StrictModel):
    """Where a queue page ended: the next page starts after this review."""

    tier_rank: int
    sla_deadline: datetime
    review_id: str

    def token(self) -> str:
        """The cursor as an opaque, URL-safe string (the API's ``after``)."""
        raw = f"{self.tier_rank}|{_utc(self.sla_deadline).isoformat()}|{self.review_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str) -> QueueCursor:
        """The cursor a ``token`` stands for; ValueError saying why when it stands for none."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            rank, deadline, review_id = raw.split("|", 2)
            return cls.model_validate(
                {"tier_rank": int(rank), "sla_deadline": deadline, "review_id": review_id}
            )
        except (binascii.Error, UnicodeDecodeError, ValueError, ValidationError):
            raise ValueError("not a cursor this queue gave out") from None


class QueueQuery(StrictModel):
    """Which reviews a queue shows; empty means any."""

    statuses: list[ReviewStatus] = Field(default_factory=list)
    open_only: bool = Field(default=False, description="With no statuses: every open one.")
    tier: SlaTier | None = None
    category: IncidentCategory | None = None
    market: str | None = None
    account_id: str | None = None
    assignee: str | None = None
    escalated: bool | None = None
    unassigned: bool = Field(default=False, description="Only reviews nobody holds.")
    skills: Skills | None = Field(
        default=None,
        description="Only reviews a person with these skills can work (an account whose "
        "language is unknown matches any).",
    )

    def shown_statuses(self) -> list[ReviewStatus]:
        """The statuses this query shows."""
        if self.statuses:
            return list(self.statuses)
        return OPEN_STATUSES if self.open_only else list(ReviewStatus)


class QueuePage(StrictModel):
    """One page of a queue, where the next one starts, and counts per status and tier."""

    reviews: list[ReviewSummary]
    next: QueueCursor | None
    counts: dict[str, dict[str, int]] = Field(
        description="Reviews matching the query's other filters, by status, then by tier."
    )
    total: int = Field(description="Reviews matching the whole query, on every page.")


class ReviewReadModel:
    """Review summaries and sealed views in the archive's database (SQLite or PostgreSQL).

    Without ``keys`` it reads and writes summaries only, not views."""

    def __init__(self, engine: Engine, keys: KeyRing | None = None) -> None:
        self.engine = engine
        self.keys = keys

    @classmethod
    def of(cls, archive: DecisionArchive) -> ReviewReadModel:
        """The read model in the archive's database, sealed with the archive's keys."""
        return cls(archive.engine, archive.keys)

    def publish(
        self, summary: ReviewSummary, view: ReviewState | None = None, force: bool = False
    ) -> bool:
        """Write ``summary`` (and the full ``view`` it summarises, sealed) unless the row already
        holds this version or a newer one; whether it was written. ``force``: write it whatever
        the row holds (a rebuild, from the workflow's state as it answers now)."""
        table = review_summaries
        sealed = self._sealed(view) if view is not None else None
        replaces: sa.ColumnElement[bool] = sa.or_(
            table.c.version < sa.literal(summary.version), table.c.source == "visibility"
        )
        if force:
            replaces = sa.true()
        with self.engine.begin() as db:
            if not upsert_row(db, review_summaries, _row(summary, "workflow"), replaces):
                return False
            if sealed is not None:
                key_id, blob = sealed
                view_row = {
                    "review_id": summary.review_id,
                    "version": summary.version,
                    "key_id": key_id,
                    "sealed_view": blob,
                }
                newer_view = review_views.c.version < sa.literal(summary.version)
                upsert_row(db, review_views, view_row, sa.true() if force else newer_view)
        return True

    def mirror(self, summary: ReviewSummary) -> bool:
        """Write a summary read from Temporal visibility, for a review whose code publishes
        nothing; a row its workflow published stays. Whether it was written."""
        table = review_summaries
        with self.engine.begin() as db:
            return upsert_row(
                db, table, _row(summary, "visibility"), table.c.source == "visibility"
            )

    def summary(self, review_id: str) -> ReviewSummary | None:
        """The latest summary of one review."""
        found = self.summaries([review_id])
        return found.get(review_id)

    def summaries(self, review_ids: Iterable[str]) -> dict[str, ReviewSummary]:
        """The latest summaries of these reviews, by id (absent ones left out)."""
        table = review_summaries
        found: dict[str, ReviewSummary] = {}
        with self.engine.connect() as db:
            for ids in _chunks(review_ids):
                rows = db.execute(sa.select(table).where(table.c.review_id.in_(ids)))
                found.update({s.review_id: s for s in (_summary(r._mapping) for r in rows)})
        return found

    def sources(self, review_ids: Iterable[str]) -> dict[str, Source]:
        """Who wrote each row (its workflow, or the mirror), by review id."""
        table = review_summaries
        found: dict[str, Source] = {}
        with self.engine.connect() as db:
            for ids in _chunks(review_ids):
                rows = db.execute(
                    sa.select(table.c.review_id, table.c.source).where(table.c.review_id.in_(ids))
                )
                found.update({r.review_id: r.source for r in rows})
        return found

    def lags(self, review_ids: Collection[str] | None = None) -> list[float]:
        """Seconds from each review's last change to its row being written, for the rows its
        workflow published (what the benchmarks report as the read model's lag), of these
        reviews only if given."""
        table = review_summaries
        query = sa.select(table.c.review_id, table.c.updated_at, table.c.published_at).where(
            table.c.source == "workflow", table.c.published_at.is_not(None)
        )
        with self.engine.connect() as db:
            rows = list(db.execute(query))
        return [
            (_utc_read(written) - _utc_read(changed)).total_seconds()
            for review_id, changed, written in rows
            if review_ids is None or review_id in review_ids
        ]

    def mirrored_open(self) -> list[str]:
        """Reviews the mirror wrote whose row is not closed yet."""
        table = review_summaries
        query = sa.select(table.c.review_id).where(
            table.c.source == "visibility", table.c.status != str(ReviewStatus.CLOSED)
        )
        with self.engine.connect() as db:
            return list(db.execute(query).scalars())

    def view(self, review_id: str) -> ReviewState | None:
        """The latest published view of one review (None when none was published)."""
        return self.views([review_id]).get(review_id)

    def views(self, review_ids: Iterable[str]) -> dict[str, ReviewState]:
        """The latest published views of these reviews, by id (absent ones left out)."""
        ids = list(review_ids)
        if not ids:
            return {}
        keys = self._keys()
        query = sa.select(review_views).where(review_views.c.review_id.in_(ids))
        with self.engine.connect() as db:
            rows = list(db.execute(query))
        return {
            row.review_id: ReviewState.model_validate_json(
                keys.decrypt(row.key_id, row.sealed_view, bound_to=_view_binding(row.review_id))
            )
            for row in rows
        }

    def page(
        self,
        query: QueueQuery,
        after: QueueCursor | None = None,
        limit: int = 50,
        offset: int = 0,
        counted: bool = True,
    ) -> QueuePage:
        """A page of the queue in its order, after ``after`` (keyset: no scan of the rows
        before it; ``offset`` skips rows, for callers that still count pages). ``counted``
        False leaves the counts (and total) out, for callers that show none."""
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
            .offset(offset)
        )
        # The open queue counts open reviews only: closed ones pile up until retention ends.
        others = query.model_copy(update={"statuses": [], "tier": None})
        # By rank, not tier name: the queue index holds (status, tier_rank), so counting the
        # whole queue reads the index alone.
        counting = (
            sa.select(table.c.status, table.c.tier_rank, sa.func.count())
            .where(*_conditions(others))
            .group_by(table.c.status, table.c.tier_rank)
        )
        with self.engine.connect() as db:
            rows = list(db.execute(statement))
            counts: dict[str, Counter[str]] = {}
            for status, rank, n in db.execute(counting) if counted else []:
                counts.setdefault(status, Counter())[str(_TIER_OF_RANK[rank])] += n
        reviews = [_summary(r._mapping) for r in rows[:limit]]
        last = reviews[-1] if len(rows) > limit else None
        cursor = (
            QueueCursor(
                tier_rank=TIER_RANK[last.sla_tier],
                sla_deadline=last.sla_deadline,
                review_id=last.review_id,
            )
            if last
            else None
        )
        shown = {str(s) for s in query.shown_statuses()}
        total = sum(
            n
            for status, tiers in counts.items()
            if status in shown
            for tier, n in tiers.items()
            if query.tier is None or tier == str(query.tier)
        )
        return QueuePage(
            reviews=reviews,
            next=cursor,
            counts={s: dict(c) for s, c in counts.items()},
            total=total,
        )

    def _sealed(self, view: ReviewState) -> tuple[str, bytes]:
        return self._keys().encrypt(
            view.model_dump_json().encode(), bound_to=_view_binding(view.review_id)
        )

    def _keys(self) -> KeyRing:
        if self.keys is None:
            raise KeyRingError("the read model was opened without encryption keys")
        return self.keys


def _chunks(review_ids: Iterable[str], size: int = 1000) -> Iterator[list[str]]:
    """Ids in lists short enough for one ``IN (...)`` on any database."""
    ids = list(review_ids)
    for first in range(0, len(ids), size):
        yield ids[first : first + size]


def _view_binding(review_id: str) -> bytes:
    """What a sealed view is bound to: its review, and being a view (never a case record)."""
    return b"view:" + review_id.encode()


def _row(summary: ReviewSummary, source: Source) -> dict[str, Any]:
    # SQLite keeps no zone: every moment is written in UTC and read back as UTC.
    row = {_COLUMN_OF.get(k, k): _utc(v) for k, v in summary.model_dump().items()}
    row["tier_rank"] = TIER_RANK[summary.sla_tier]
    row["source"] = source
    row["published_at"] = datetime.now(UTC)
    return row


def _conditions(query: QueueQuery) -> list[sa.ColumnElement[bool]]:
    table = review_summaries
    found: list[sa.ColumnElement[bool]] = []
    if query.statuses:
        found.append(table.c.status.in_([str(s) for s in query.statuses]))
    elif query.open_only:
        found.append(table.c.status != str(ReviewStatus.CLOSED))
    if query.tier is not None:
        found.append(table.c.tier == str(query.tier))
    for column, value in (
        (table.c.category, query.category),
        (table.c.market, query.market),
        (table.c.account_id, query.account_id),
        (table.c.assignee_id, query.assignee),
        (table.c.escalated, query.escalated),
    ):
        if value is not None:
            found.append(column == (str(value) if isinstance(value, str) else value))
    if query.unassigned:
        found.append(table.c.assignee_id.is_(None))
    skills = query.skills
    if skills is not None:
        if skills.languages:
            found.append(sa.or_(table.c.locale.in_(skills.languages), table.c.locale.is_(None)))
        if skills.markets:
            found.append(table.c.market.in_(skills.markets))
        if skills.categories:
            found.append(table.c.category.in_([str(c) for c in skills.categories]))
    return found


def _utc(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _utc_read(value: datetime) -> datetime:
    """A moment as read back: SQLite returns it without its zone, always UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _summary(row: object) -> ReviewSummary:
    values = {_FIELD_OF.get(k, k): v for k, v in dict(row).items()}  # type: ignore[call-overload]
    for internal in ("tier_rank", "source", "published_at"):
        values.pop(internal, None)
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = _utc_read(value)
    return ReviewSummary.model_validate(values)
