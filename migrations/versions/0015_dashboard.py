"""question_counts (the dashboard's questions per day, language and outcome; counts only)
and bookings.no_show_at (a counselor marks that the person did not come)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "question_counts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("outcome", sa.String(16), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("no_show_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("no_show_at")
    op.drop_table("question_counts")
