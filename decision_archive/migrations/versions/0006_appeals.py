"""Appeals: one row per appeal of a decision, written by the appeal's workflow at each change.

``appeals`` holds what the appeals queue, the review's page and the person's records read in
plaintext (ids, the account and its market, status, outcome, the SLA deadline, who heard it,
when), and the appeal as its page shows it, sealed with the payload key ring (``key_id``,
``sealed_view``, bound to the appeal id): the person's statement is theirs alone. ``version``
orders the writes, so a late one never rolls an appeal back. An overturned appeal's review no
longer counts as a strike.

Downgrading drops the table; the appeals' workflows still hold every appeal.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the appeals table."""
    op.create_table(
        "appeals",
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
        sa.Index("ix_appeals_queue", "status", "sla_deadline", "appeal_id"),
    )


def downgrade() -> None:
    """Drop the appeals table."""
    op.drop_table("appeals")
