"""Notes added to a closed review's case record, kept beside it in ``record_notes``.

The archived record stays as the workflow wrote it: QA and leads annotate it in a table of its
own. Each row is one note: its id, the review it belongs to, who wrote it (person and role) and
when, in plain columns; its text sealed with the payload key ring like a record
(``key_id``, ``sealed_text``). ``idempotency_key`` is the key the author sent with the request,
unique per review and author (``uq_record_notes_idempotency``), so a retried request finds the
note it added instead of adding another; NULL when none was sent.

Nothing existing changes. Downgrading drops the table and its notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the notes table and its index."""
    op.create_table(
        "record_notes",
        sa.Column("note_id", sa.String(64), primary_key=True),
        sa.Column("review_id", sa.String(160), nullable=False),
        sa.Column("author_id", sa.String(128), nullable=False),
        sa.Column("author_role", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("sealed_text", sa.LargeBinary, nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=True),
        sa.UniqueConstraint(
            "review_id", "author_id", "idempotency_key", name="uq_record_notes_idempotency"
        ),
    )
    op.create_index("ix_record_notes_review_id", "record_notes", ["review_id"])


def downgrade() -> None:
    """Drop the notes table (and the notes in it)."""
    op.drop_table("record_notes")
