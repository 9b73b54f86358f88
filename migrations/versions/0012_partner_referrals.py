"""referrals and joint_appointments: warm referral between partners, counselling together

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_key", sa.String(64), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("from_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("from_counselor_id", sa.Integer(), sa.ForeignKey("counselors.id"),
                  nullable=True),
        sa.Column("from_name", sa.String(120), nullable=True),
        sa.Column("from_organisation_id", sa.String(32), sa.ForeignKey("organisations.id"),
                  nullable=True),
        sa.Column("to_organisation_id", sa.String(32), sa.ForeignKey("organisations.id"),
                  nullable=False),
        sa.Column("to_counselor_id", sa.Integer(), sa.ForeignKey("counselors.id"),
                  nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("age_band", sa.String(8), nullable=True),
        sa.Column("consent", sa.String(8), nullable=True),
        sa.Column("share_chat", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card_thread_id", sa.BigInteger(), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("taken_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("taken_by_name", sa.String(120), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_referrals_person_key", "referrals", ["person_key"])
    op.create_index("ix_referrals_created_at", "referrals", ["created_at"])
    op.create_table(
        "joint_appointments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(12), nullable=False, unique=True),
        sa.Column("person_key", sa.String(64), nullable=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id"), nullable=True),
        sa.Column("partner_slot_id", sa.Integer(), sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("organisation_id", sa.String(32), sa.ForeignKey("organisations.id"),
                  nullable=True),
        sa.Column("partner_organisation_id", sa.String(32), sa.ForeignKey("organisations.id"),
                  nullable=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_joint_appointments_person_key", "joint_appointments", ["person_key"])
    op.create_index("ix_joint_appointments_booking_id", "joint_appointments", ["booking_id"])
    op.create_index("ix_joint_appointments_partner_slot_id", "joint_appointments",
                    ["partner_slot_id"])


def downgrade() -> None:
    op.drop_table("joint_appointments")
    op.drop_table("referrals")
