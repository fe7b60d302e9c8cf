"""Case records and the access log, as the archive first created them.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables and their indexes."""
    op.create_table(
        "case_records",
        sa.Column("review_id", sa.String(160), primary_key=True),
        sa.Column("incident_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("market", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("sealed_record", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_case_records_account_id", "case_records", ["account_id"])
    op.create_index("ix_case_records_market", "case_records", ["market"])
    op.create_index("ix_case_records_closed_at", "case_records", ["closed_at"])
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("review_id", sa.String(160), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_person_id", "access_log", ["person_id"])
    op.create_index("ix_access_log_review_id", "access_log", ["review_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("access_log")
    op.drop_table("case_records")
