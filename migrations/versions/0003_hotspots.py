"""Hot spot runs and hot spots.

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLASSES = "('new', 'persistent', 'intensifying', 'diminishing', 'sporadic')"


def upgrade() -> None:
    op.create_table(
        "hotspot_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("baseline_weeks", sa.SmallInteger(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("params_hash", sa.String(length=64), nullable=False),
        sa.Column("data_version", sa.String(length=64), nullable=False),
        sa.Column("n_reports", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("window_end > window_start", name=op.f("ck_hotspot_run_window")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_hotspot_run_area_id_area"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_run")),
    )
    op.create_index(
        "ix_hotspot_run_lookup", "hotspot_run",
        ["area_id", "method", "window_start", "window_end"], unique=False,
    )
    op.create_geospatial_table(
        "hotspot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("lineage_id", sa.UUID(), nullable=False),
        sa.Column("class", sa.String(length=16), nullable=True),
        sa.Column(
            "polygon",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.Column(
            "centroid",
            Geometry(geometry_type="POINT", srid=4326, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("z", sa.Float(), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("profile", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"class IS NULL OR class IN {CLASSES}", name=op.f("ck_hotspot_class")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["hotspot_run.id"], name=op.f("fk_hotspot_run_id_hotspot_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot")),
    )
    op.create_geospatial_index(
        "idx_hotspot_polygon", "hotspot", ["polygon"], unique=False, postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_hotspot_run_id_rank", "hotspot", ["run_id", "rank"], unique=False)
    op.create_index("ix_hotspot_lineage_id", "hotspot", ["lineage_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hotspot_lineage_id", table_name="hotspot")
    op.drop_index("ix_hotspot_run_id_rank", table_name="hotspot")
    op.drop_geospatial_index(
        "idx_hotspot_polygon", table_name="hotspot", postgresql_using="gist",
        column_name="polygon",
    )
    op.drop_geospatial_table("hotspot")
    op.drop_index("ix_hotspot_run_lookup", table_name="hotspot_run")
    op.drop_table("hotspot_run")
