"""The access log keeps one row per person, review, action, channel and UTC minute.

Adds ``minute`` (``at`` cut to the UTC minute), ``review_key`` (the review id, ``''`` for a
decode that names no review: a unique constraint treats NULLs as all different, so the bucket
needs a non-null column) and ``count`` (how many accesses the row stands for), with the unique
constraint ``uq_access_log_bucket`` that the archive's insert-or-count relies on.

Existing rows get their bucket computed. Rows that already share a bucket (the Web UI wrote one
per codec request) are merged into the earliest of them (earliest ``at``, then lowest id), whose
``at``, role, detail and client address stay, with ``count`` the number of rows merged.
Downgrading drops the three columns and the constraint; merged rows stay merged.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BUCKET = ["person_id", "review_key", "action", "channel", "minute"]

# The table as this revision sees it (not decision_archive.store's, which later revisions move).
log = sa.table(
    "access_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("person_id", sa.String),
    sa.column("action", sa.String),
    sa.column("review_id", sa.String),
    sa.column("channel", sa.String),
    sa.column("minute", sa.DateTime(timezone=True)),
    sa.column("review_key", sa.String),
    sa.column("count", sa.Integer),
)


def upgrade() -> None:
    """Add the bucket columns, fill them, merge rows sharing a bucket, then make it unique."""
    bind = op.get_bind()
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("minute", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_key", sa.String(160), nullable=True))
        batch.add_column(sa.Column("count", sa.Integer, nullable=False, server_default="1"))
    _fill_buckets(bind)
    # Without an index on the bucket, merging compares every row with every other.
    op.create_index("ix_access_log_bucket_merge", "access_log", BUCKET)
    _merge_rows_sharing_a_bucket()
    op.drop_index("ix_access_log_bucket_merge", "access_log")
    with op.batch_alter_table("access_log") as batch:
        batch.alter_column("minute", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("review_key", existing_type=sa.String(160), nullable=False)
        batch.create_unique_constraint("uq_access_log_bucket", BUCKET)


def _fill_buckets(bind: sa.Connection) -> None:
    review_key = sa.func.coalesce(log.c.review_id, "")
    dialect = bind.dialect.name
    if dialect == "sqlite":
        # The text SQLAlchemy stores a UTC datetime as, seconds and microseconds zeroed.
        minute: sa.ColumnElement[object] = sa.func.strftime("%Y-%m-%d %H:%M:00.000000", log.c.at)
    elif dialect == "postgresql":
        # Cut in UTC, not in the session's time zone.
        minute = sa.func.timezone(
            "UTC", sa.func.date_trunc("minute", sa.func.timezone("UTC", log.c.at))
        )
    else:
        # Any other database: compute each row's minute here, as the archive does.
        rows = bind.execute(sa.select(log.c.id, log.c.at)).all()
        for row_id, at in rows:
            bind.execute(
                log.update()
                .where(log.c.id == row_id)
                .values(minute=_minute_of(at), review_key=review_key)
            )
        return
    op.execute(log.update().values(minute=minute, review_key=review_key))


def _minute_of(at: datetime) -> datetime:
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return utc.replace(second=0, microsecond=0)


def _merge_rows_sharing_a_bucket() -> None:
    def same_bucket(other: sa.FromClause) -> sa.ColumnElement[bool]:
        return sa.and_(*(other.c[name] == log.c[name] for name in BUCKET))

    same = log.alias("same")
    op.execute(
        log.update().values(
            count=sa.select(sa.func.count()).where(same_bucket(same)).scalar_subquery()
        )
    )
    earlier = log.alias("earlier")
    op.execute(
        log.delete().where(
            sa.exists().where(
                same_bucket(earlier),
                sa.or_(
                    earlier.c.at < log.c.at,
                    sa.and_(earlier.c.at == log.c.at, earlier.c.id < log.c.id),
                ),
            )
        )
    )


def downgrade() -> None:
    """Drop the bucket columns and constraint (rows merged on upgrade stay merged)."""
    with op.batch_alter_table("access_log") as batch:
        batch.drop_constraint("uq_access_log_bucket", type_="unique")
        batch.drop_column("count")
        batch.drop_column("review_key")
        batch.drop_column("minute")
