"""Decision facts and QA audits.

``decision_facts`` holds each closed review's facts in plaintext columns (market, category,
tier, matrix rule, recommended and decided action, who decided and second-reviewed, the SLA
outcome, when), written with its case record, for metrics and QA sampling; nothing in it names
the account or the reporter. Records archived before this revision get their facts with
``python -m decision_archive facts`` (it reads the sealed records, so it needs the key ring).

``appeals.origin`` says who opened an appeal: the person (``person``), or a QA audit that found
the restriction wrongful (``quality_audit``: a correction, heard as an appeal is).

``qa_samples`` holds each closed review's sampling draw (policy version, rate, the rules behind
it, the number drawn, whether it was sampled); ``qa_scores`` the QA reviewer's score of a
sampled decision, the comment sealed with the payload key ring, and the specialist's
acknowledgement of the feedback.

Downgrading drops the three tables and the origin column; the case records keep everything the
facts came from.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create decision_facts, qa_samples and qa_scores; add appeals.origin."""
    with op.batch_alter_table("appeals") as appeals:
        appeals.add_column(
            sa.Column("origin", sa.String(16), nullable=False, server_default="person")
        )
    op.create_table(
        "decision_facts",
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
    op.create_table(
        "qa_samples",
        sa.Column("review_id", sa.String(160), primary_key=True),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("rate", sa.Float, nullable=False),
        sa.Column("reasons", sa.String(200), nullable=False),
        sa.Column("draw", sa.Float, nullable=False),
        sa.Column("sampled", sa.Boolean, nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "qa_scores",
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
        sa.Column("correction_state", sa.String(16), nullable=True),
        sa.Column("correction_note", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    """Drop the QA tables and the decision facts."""
    op.drop_table("qa_scores")
    op.drop_table("qa_samples")
    op.drop_table("decision_facts")
    with op.batch_alter_table("appeals") as appeals:
        appeals.drop_column("origin")
