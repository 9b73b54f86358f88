"""organisations: the cooperation's partners; offices and counselors belong to one

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
    )
    # rows written before organisations existed were all JMD offices and counselors
    op.execute("INSERT INTO organisations (id, kind, name) VALUES "
               "('jmd', 'jmd', 'Jugendmigrationsdienst (JMD)')")
    with op.batch_alter_table("offices") as batch:
        batch.add_column(sa.Column("organisation_id", sa.String(32), nullable=True))
        batch.create_foreign_key("fk_offices_organisation", "organisations",
                                 ["organisation_id"], ["id"])
    with op.batch_alter_table("counselors") as batch:
        batch.add_column(sa.Column("organisation_id", sa.String(32), nullable=True))
        batch.create_foreign_key("fk_counselors_organisation", "organisations",
                                 ["organisation_id"], ["id"])
    op.execute("UPDATE offices SET organisation_id = 'jmd'")


def downgrade() -> None:
    with op.batch_alter_table("counselors") as batch:
        batch.drop_constraint("fk_counselors_organisation", type_="foreignkey")
        batch.drop_column("organisation_id")
    with op.batch_alter_table("offices") as batch:
        batch.drop_constraint("fk_offices_organisation", type_="foreignkey")
        batch.drop_column("organisation_id")
    op.drop_table("organisations")
