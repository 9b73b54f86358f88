"""interpreters, interpreter_assignments, interpreter_offers: volunteer interpreters

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OPEN = "status IN ('asked','searching','active')"


def upgrade() -> None:
    op.create_table(
        "interpreters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("languages", sa.String(64), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger, nullable=False, unique=True),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("pledge_signed_on", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_interpreters_person_key", "interpreters", ["person_key"])
    op.create_table(
        "interpreter_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("handoff_id", sa.Integer, nullable=True),
        sa.Column("booking_ref", sa.String(12), nullable=True),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(120), nullable=True),
        sa.Column("interpreter_id", sa.Integer,
                  sa.ForeignKey("interpreters.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_interpreter_assignments_person_key", "interpreter_assignments",
                    ["person_key"])
    op.create_index("ix_interpreter_assignments_status", "interpreter_assignments", ["status"])
    # First accept wins, one request per chat and per appointment: the database decides.
    chat = f"kind = 'chat' AND {_OPEN}"
    op.create_index("uq_interpreter_chat_person", "interpreter_assignments", ["person_key"],
                    unique=True, sqlite_where=sa.text(chat), postgresql_where=sa.text(chat))
    op.create_index("uq_interpreter_booking", "interpreter_assignments", ["booking_ref"],
                    unique=True, sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    one = "kind = 'chat' AND status = 'active'"
    op.create_index("uq_interpreter_one_chat", "interpreter_assignments", ["interpreter_id"],
                    unique=True, sqlite_where=sa.text(one), postgresql_where=sa.text(one))
    op.create_table(
        "interpreter_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assignment_id", sa.Integer,
                  sa.ForeignKey("interpreter_assignments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("interpreter_id", sa.Integer,
                  sa.ForeignKey("interpreters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("assignment_id", "interpreter_id", name="uq_interpreter_offer"),
    )
    op.create_index("ix_interpreter_offers_assignment_id", "interpreter_offers",
                    ["assignment_id"])


def downgrade() -> None:
    op.drop_index("ix_interpreter_offers_assignment_id", "interpreter_offers")
    op.drop_table("interpreter_offers")
    for name in ("uq_interpreter_one_chat", "uq_interpreter_booking",
                 "uq_interpreter_chat_person", "ix_interpreter_assignments_status",
                 "ix_interpreter_assignments_person_key"):
        op.drop_index(name, "interpreter_assignments")
    op.drop_table("interpreter_assignments")
    op.drop_index("ix_interpreters_person_key", "interpreters")
    op.drop_table("interpreters")
