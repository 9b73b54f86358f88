"""persons.age_band: the age band a person gave (12-17, 18-26, 27+), never an exact age

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("age_band", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("age_band")
