"""feedback: unanswered questions and rated FAQ answers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("person_key", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_feedback_person_key", "feedback", ["person_key"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_created_at", "feedback")
    op.drop_index("ix_feedback_person_key", "feedback")
    op.drop_table("feedback")
