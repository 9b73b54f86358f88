"""inbound_updates: Telegram updates received but not yet finished (crash-safe inbound)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("person_key", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_index("ix_inbound_updates_person_key", "inbound_updates", ["person_key"])
    op.create_index("ix_inbound_updates_received_at", "inbound_updates", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_updates_received_at", "inbound_updates")
    op.drop_index("ix_inbound_updates_person_key", "inbound_updates")
    op.drop_table("inbound_updates")
