"""Core tables: area, organisation, user_account, category, report, report_reason.

Revision ID: 0001
Revises: -
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["area.id"], name=op.f("fk_area_parent_id_area"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("kind", "code", name="uq_area_kind_code"),
    )
    op.create_geospatial_index(
        "idx_area_geom", "area", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label_sv", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("kind IN ('incident', 'otrygghet')", name=op.f("ck_category_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_category_code")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('kommun', 'polis', 'bostadsbolag', 'skola', 'socialtjanst', 'vaktare', "
            "'fritid', 'annan')",
            name=op.f("ck_organisation_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_organisation_area_id_area"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'coordinator', 'reporter', 'viewer')",
            name=op.f("ck_user_account_role"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_user_account_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_geospatial_table(
        "report",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_precision", sa.String(length=16), server_default="exact", nullable=False),
        sa.Column(
            "reported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=254), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("internal_note", sa.Text(), nullable=True),
        sa.Column("severity", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), server_default="staff", nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("duplicate_of", sa.UUID(), nullable=True),
        sa.CheckConstraint("kind IN ('incident', 'otrygghet')", name=op.f("ck_report_kind")),
        sa.CheckConstraint(
            "source IN ('public', 'organisation', 'import', 'api')", name=op.f("ck_report_source")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'published', 'rejected', 'new', 'reviewed', 'closed')",
            name=op.f("ck_report_status"),
        ),
        sa.CheckConstraint(
            "time_precision IN ('exact', 'window', 'recurring', 'unknown')",
            name=op.f("ck_report_time_precision"),
        ),
        sa.CheckConstraint(
            "occurred_until IS NULL OR occurred_until >= occurred_at",
            name=op.f("ck_report_time_window"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_report_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_report_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["report.id"],
            name=op.f("fk_report_duplicate_of_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_report_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user_account.id"],
            name=op.f("fk_report_reporter_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_report_idempotency_key")),
    )
    op.create_geospatial_index(
        "idx_report_geom",
        "report",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_report_area_id_occurred_at", "report", ["area_id", "occurred_at"], unique=False
    )
    op.create_index("ix_report_occurred_at", "report", ["occurred_at"], unique=False)
    op.create_index("ix_report_status", "report", ["status"], unique=False)
    op.create_table(
        "report_reason",
        sa.Column("report_id", sa.UUID(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_report_reason_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_reason_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "category_id", name=op.f("pk_report_reason")),
    )


def downgrade() -> None:
    op.drop_table("report_reason")
    op.drop_index("ix_report_status", table_name="report")
    op.drop_index("ix_report_occurred_at", table_name="report")
    op.drop_index("ix_report_area_id_occurred_at", table_name="report")
    op.drop_geospatial_index(
        "idx_report_geom", table_name="report", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("report")
    op.drop_table("user_account")
    op.drop_table("organisation")
    op.drop_table("category")
    op.drop_geospatial_index(
        "idx_area_geom", table_name="area", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("area")
