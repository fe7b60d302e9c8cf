"""The read model: ``review_summaries``, one row per review, as its workflow last published it.

The queues read it instead of Temporal visibility: ordering, filters and paging are SQL on
indexes. ``version`` orders a review's publications, so a stale write never overwrites a newer
one; ``tier_rank`` sorts the most urgent tier first (critical 0, high 1, standard 2).

Nothing existing changes. Downgrading drops the table; it can be rebuilt from Temporal.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the review summaries table and its queue indexes."""
    op.create_table(
        "review_summaries",
        sa.Column("review_id", sa.String(160), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("tier_rank", sa.Integer, nullable=False),
        sa.Column("sla_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("market", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("assignee_id", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("appeal_state", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_summaries_account_id", "review_summaries", ["account_id"])
    op.create_index(
        "ix_review_summaries_queue",
        "review_summaries",
        ["status", "tier_rank", "sla_deadline", "review_id"],
    )
    op.create_index(
        "ix_review_summaries_deadline", "review_summaries", ["sla_deadline", "review_id"]
    )


def downgrade() -> None:
    """Drop the read model (Temporal still holds every review)."""
    op.drop_table("review_summaries")
