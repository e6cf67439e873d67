"""Medborgarlöften: promise, parties, commitments, focus, indicators, follow-ups, actions.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _geom() -> Geometry:
    return Geometry(geometry_type="MULTIPOLYGON", srid=4326, dimension=2, spatial_index=False,
                    from_text="ST_GeomFromEWKT", name="geometry")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "promise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("basis_start", sa.Date(), nullable=True),
        sa.Column("basis_end", sa.Date(), nullable=True),
        sa.Column("sections", postgresql.JSONB(astext_type=sa.Text()), server_default="{}",
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("status IN ('draft', 'adopted', 'closed')",
                           name=op.f("ck_promise_status")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_promise_period")),
        _fk("promise", "area_id", "area", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise")),
    )
    op.create_index("ix_promise_area_id", "promise", ["area_id"])
    op.create_table(
        "promise_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("kind IN ('kommun', 'polis', 'annan')",
                           name=op.f("ck_promise_party_kind")),
        _fk("promise_party", "promise_id", "promise", "CASCADE"),
        _fk("promise_party", "organisation_id", "organisation", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_party")),
    )
    op.create_index("ix_promise_party_promise_id", "promise_party", ["promise_id"])
    op.create_table(
        "promise_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        _fk("promise_item", "promise_id", "promise", "CASCADE"),
        _fk("promise_item", "party_id", "promise_party", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_item")),
    )
    op.create_index("ix_promise_item_promise_id", "promise_item", ["promise_id"])
    op.create_geospatial_table(
        "promise_focus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("lineage_id", sa.UUID(), nullable=True),
        sa.Column("geom", _geom(), nullable=True),
        _fk("promise_focus", "promise_id", "promise", "CASCADE"),
        _fk("promise_focus", "category_id", "category", "RESTRICT"),
        _fk("promise_focus", "area_id", "area", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_focus")),
    )
    op.create_index("ix_promise_focus_promise_id", "promise_focus", ["promise_id"])
    op.create_geospatial_table(
        "promise_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("category_ids", postgresql.JSONB(astext_type=sa.Text()), server_default="[]",
                  nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("lineage_id", sa.UUID(), nullable=True),
        sa.Column("geom", _geom(), nullable=True),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}",
                  nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("kind IN ('count_per_month', 'share_public_moderated')",
                           name=op.f("ck_promise_indicator_kind")),
        _fk("promise_indicator", "promise_id", "promise", "CASCADE"),
        _fk("promise_indicator", "area_id", "area", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_indicator")),
    )
    op.create_index("ix_promise_indicator_promise_id", "promise_indicator", ["promise_id"])
    op.create_table(
        "promise_followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        _fk("promise_followup", "promise_id", "promise", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_followup")),
    )
    op.create_index("ix_promise_followup_promise_id", "promise_followup", ["promise_id"])
    op.create_table(
        "promise_action",
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        _fk("promise_action", "promise_id", "promise", "CASCADE"),
        _fk("promise_action", "action_id", "action", "CASCADE"),
        sa.PrimaryKeyConstraint("promise_id", "action_id", name=op.f("pk_promise_action")),
    )


def downgrade() -> None:
    op.drop_table("promise_action")
    op.drop_index("ix_promise_followup_promise_id", table_name="promise_followup")
    op.drop_table("promise_followup")
    op.drop_index("ix_promise_indicator_promise_id", table_name="promise_indicator")
    op.drop_geospatial_table("promise_indicator")
    op.drop_index("ix_promise_focus_promise_id", table_name="promise_focus")
    op.drop_geospatial_table("promise_focus")
    op.drop_index("ix_promise_item_promise_id", table_name="promise_item")
    op.drop_table("promise_item")
    op.drop_index("ix_promise_party_promise_id", table_name="promise_party")
    op.drop_table("promise_party")
    op.drop_index("ix_promise_area_id", table_name="promise")
    op.drop_table("promise")
