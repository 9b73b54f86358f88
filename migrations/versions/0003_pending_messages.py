"""pending_messages: messages kept while Rasa is down, until answered

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("telegram_language_code", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pending_messages_person_key", "pending_messages", ["person_key"])
    op.create_index("ix_pending_messages_created_at", "pending_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_messages_created_at", "pending_messages")
    op.drop_index("ix_pending_messages_person_key", "pending_messages")
    op.drop_table("pending_messages")
