"""Calibration rounds: a lead's golden set of past cases and every specialist's blind answers.

``calibration_rounds`` holds each round (its name, who made it and when, and the specialists
asked to answer); ``calibration_cases`` its cases with their category, golden answer, the id
specialists see instead of the review's, and who took part in the decision (not asked it);
``calibration_answers`` one answer per specialist and case. Nothing here copies the cases'
records: a round's page reads them from ``case_records``.

Downgrading drops the three tables.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the calibration tables."""
    op.create_table(
        "calibration_rounds",
        sa.Column("round_id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raters", sa.String(4000), nullable=False),
    )
    op.create_table(
        "calibration_cases",
        sa.Column("round_id", sa.String(40), primary_key=True),
        sa.Column("review_id", sa.String(160), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("golden_action", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("took_part", sa.String(400), nullable=False),
    )
    op.create_table(
        "calibration_answers",
        sa.Column("round_id", sa.String(40), primary_key=True),
        sa.Column("review_id", sa.String(160), primary_key=True),
        sa.Column("person_id", sa.String(128), primary_key=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the calibration tables."""
    op.drop_table("calibration_answers")
    op.drop_table("calibration_cases")
    op.drop_table("calibration_rounds")
