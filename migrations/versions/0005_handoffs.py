"""handoffs, counselor_topics: handing a chat over to a counselor

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("office_id", sa.String(32), nullable=True),
        sa.Column("counselor_telegram_id", sa.BigInteger, nullable=True),
        sa.Column("counselor_name", sa.String(120), nullable=True),
        sa.Column("card_message_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timeout_notified_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_handoffs_person_key", "handoffs", ["person_key"])
    op.create_index("ix_handoffs_status", "handoffs", ["status"])
    # One handoff per person that is not closed (a second /human reuses it).
    op.create_index(
        "uq_handoffs_active_person",
        "handoffs",
        ["person_key"],
        unique=True,
        sqlite_where=sa.text("status <> 'closed'"),
        postgresql_where=sa.text("status <> 'closed'"),
    )
    op.create_table(
        "counselor_topics",
        sa.Column("person_key", sa.String(64), primary_key=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("message_thread_id", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_counselor_topics_message_thread_id", "counselor_topics", ["message_thread_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_counselor_topics_message_thread_id", "counselor_topics")
    op.drop_table("counselor_topics")
    op.drop_index("uq_handoffs_active_person", "handoffs")
    op.drop_index("ix_handoffs_status", "handoffs")
    op.drop_index("ix_handoffs_person_key", "handoffs")
    op.drop_table("handoffs")
