"""topic_tombstones, key_fingerprints: topic deletion retried, the pseudonym key checked

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No personal data: where a topic is that Telegram has not deleted yet.
    op.create_table(
        "topic_tombstones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("message_thread_id", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.UniqueConstraint("chat_id", "message_thread_id", name="uq_topic_tombstone"),
    )
    # An HMAC of a fixed text under the key, never the key itself.
    op.create_table(
        "key_fingerprints",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_fingerprints")
    op.drop_table("topic_tombstones")
