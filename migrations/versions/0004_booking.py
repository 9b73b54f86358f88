"""offices, counselors, slots, bookings: counselling appointments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("area", sa.String(120), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
    )
    op.create_table(
        "counselors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("office_id", sa.String(32), sa.ForeignKey("offices.id"), nullable=False),
        sa.Column("languages", sa.String(64), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger, nullable=True, unique=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False),
        sa.UniqueConstraint("name", "office_id", name="uq_counselor_name_office"),
    )
    op.create_table(
        "slots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(12), nullable=False, unique=True),
        sa.Column("counselor_id", sa.Integer, sa.ForeignKey("counselors.id"), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(120), nullable=True),
        sa.UniqueConstraint("counselor_id", "starts_at", name="uq_slot_counselor_start"),
    )
    op.create_index("ix_slots_counselor_id", "slots", ["counselor_id"])
    op.create_index("ix_slots_starts_at", "slots", ["starts_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(12), nullable=False, unique=True),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(16), nullable=True),
        sa.Column("reminder_day_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_hours_sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_bookings_slot_id", "bookings", ["slot_id"])
    op.create_index("ix_bookings_person_key", "bookings", ["person_key"])
    # The guarantee against double booking: one active booking per slot, enforced by
    # the database itself (partial unique index; SQLite and PostgreSQL both have them).
    op.create_index(
        "uq_bookings_active_slot",
        "bookings",
        ["slot_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("uq_bookings_active_slot", "bookings")
    op.drop_index("ix_bookings_person_key", "bookings")
    op.drop_index("ix_bookings_slot_id", "bookings")
    op.drop_table("bookings")
    op.drop_index("ix_slots_starts_at", "slots")
    op.drop_index("ix_slots_counselor_id", "slots")
    op.drop_table("slots")
    op.drop_table("counselors")
    op.drop_table("offices")
