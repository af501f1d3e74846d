"""the enrollment season's documents, applications, entry sets and 统筹 draws (spec Part S)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("enrolment", AutoString(length=64), nullable=False, server_default="")
        )
    op.create_table(
        "season_document",
        sa.Column("digest", AutoString(length=64), nullable=False),
        sa.Column("season", AutoString(length=128), nullable=False),
        sa.Column("type", AutoString(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("season_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_season_document_season"), ["season"], unique=False)

    op.create_table(
        "season_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season", AutoString(length=128), nullable=False),
        sa.Column("number", AutoString(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("id_number", AutoString(length=18), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("season", "number", "revision"),
    )
    with op.batch_alter_table("season_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_season_application_season"), ["season"], unique=False)
        batch_op.create_index(batch_op.f("ix_season_application_number"), ["number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_season_application_id_number"), ["id_number"], unique=False
        )

    op.create_table(
        "season_entry_set",
        sa.Column("digest", AutoString(length=64), nullable=False),
        sa.Column("season", AutoString(length=128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("season_entry_set", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_season_entry_set_season"), ["season"], unique=False)

    op.create_table(
        "season_allocation",
        sa.Column("digest", AutoString(length=64), nullable=False),
        sa.Column("season", AutoString(length=128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("season_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_season_allocation_season"), ["season"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("season_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_season_allocation_season"))
    op.drop_table("season_allocation")
    with op.batch_alter_table("season_entry_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_season_entry_set_season"))
    op.drop_table("season_entry_set")
    with op.batch_alter_table("season_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_season_application_id_number"))
        batch_op.drop_index(batch_op.f("ix_season_application_number"))
        batch_op.drop_index(batch_op.f("ix_season_application_season"))
    op.drop_table("season_application")
    with op.batch_alter_table("season_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_season_document_season"))
    op.drop_table("season_document")
    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.drop_column("enrolment")
