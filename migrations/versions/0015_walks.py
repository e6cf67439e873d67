"""Safe places of a public digital trygghetsvandring (``digital_walk_safe_place``).

Unsafe pins are ``report`` rows (source ``digital_vandring``); a safe pin is not otrygghet and
is kept in its own table so nothing counts it as a report.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digital_walk_safe_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digital_walk_id", sa.Integer(), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.String(length=32)), server_default="{}",
                  nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["digital_walk_id"], ["digital_walk.id"],
                                name=op.f("fk_digital_walk_safe_place_digital_walk_id_digital_walk"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_walk_safe_place")),
    )
    op.create_index(op.f("ix_digital_walk_safe_place_digital_walk_id"),
                    "digital_walk_safe_place", ["digital_walk_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_digital_walk_safe_place_digital_walk_id"),
                  table_name="digital_walk_safe_place")
    op.drop_table("digital_walk_safe_place")
