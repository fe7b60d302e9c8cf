"""The read model grows what the pages read: each review's SLA state, when it started and who
wrote its row; and ``review_views``, the latest full view of each review, sealed.

``review_summaries`` gains ``sla_state`` (the running clock: on_track, at_risk, breached, met,
missed), ``started_at``, ``locale`` (the account's, for routing to people who speak it; NULL
where unknown), ``published_at`` (when the row was written, so its lag behind the change it
carries is ``published_at - updated_at``) and ``source``: ``workflow`` for a row the review's
own workflow published, ``visibility`` for one mirrored from Temporal visibility for a review
whose code publishes nothing (it started on a build from before the read model). A publication
by the workflow always replaces a mirrored row; the mirror never replaces a published one.

``review_views`` holds one row per review: its ``version`` and the review as the specialist
sees it, sealed with the payload key ring (``key_id``, ``sealed_view``, bound to the review id),
so the review's page reads while its worker is down.

Indexes: by assignee ("only mine"), and by market and category (the queue's filters).

Rows already in the table (none outside a test) get ``on_track`` and ``workflow``. Downgrading
drops the views and the five columns; both can be rebuilt from Temporal.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the summary columns and create the views table."""
    with op.batch_alter_table("review_summaries") as table:
        table.add_column(
            sa.Column("sla_state", sa.String(16), nullable=False, server_default="on_track")
        )
        table.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("locale", sa.String(16), nullable=True))
        table.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="workflow")
        )
        table.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        table.create_index("ix_review_summaries_assignee", ["assignee_id"])
        table.create_index("ix_review_summaries_market", ["market", "category"])
    op.create_table(
        "review_views",
        sa.Column("review_id", sa.String(160), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("sealed_view", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    """Drop the views and the added columns."""
    op.drop_table("review_views")
    with op.batch_alter_table("review_summaries") as table:
        table.drop_index("ix_review_summaries_market")
        table.drop_index("ix_review_summaries_assignee")
        table.drop_column("published_at")
        table.drop_column("source")
        table.drop_column("locale")
        table.drop_column("started_at")
        table.drop_column("sla_state")
