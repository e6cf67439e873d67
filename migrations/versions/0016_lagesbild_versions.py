"""The EST group's lägesbild drafts: texts and planned changes per area and period.

``lagesbild_draft`` holds what the group writes before a version is saved (the versions
themselves are ``lagesbild_version`` from 0011).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lagesbild_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("texts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}",
                  nullable=False),
        sa.Column("planned_changes", postgresql.JSONB(astext_type=sa.Text()),
                  server_default="[]", nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_lagesbild_draft_period")),
        sa.CheckConstraint("period_start >= '2000-01-01'::date",
                           name=op.f("ck_lagesbild_draft_period_start_min")),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"],
                                name=op.f("fk_lagesbild_draft_area_id_area"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["user_account.id"],
                                name=op.f("fk_lagesbild_draft_updated_by_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lagesbild_draft")),
        sa.UniqueConstraint("area_id", "period_start", "period_end",
                            name="uq_lagesbild_draft_period"),
    )
    op.create_index(op.f("ix_lagesbild_draft_area_id"), "lagesbild_draft", ["area_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lagesbild_draft_area_id"), table_name="lagesbild_draft")
    op.drop_table("lagesbild_draft")
