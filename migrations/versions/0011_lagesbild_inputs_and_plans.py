"""Lägesbild inputs (issue 11) and the law's lägesbild versions and åtgärdsplan (issue 12).

- safety walks: ``walk``, ``walk_observation``, ``walk_proposal``, ``digital_walk``, ``photo``;
  ``report.source`` widened to 32 characters and admits ``trygghetsvandring`` and
  ``digital_vandring``; ``report.campaign_id`` links a digital-walk pin to its campaign;
- dialogues (``dialogue`` with ``dialogue_theme``, ``dialogue_quote``, ``dialogue_place``),
  surveys (``survey``, ``survey_result``) and official statistics (``police_event``,
  ``crime_statistic``, ``kpi_value``, ``population``);
- ``lagesbild_version``, ``action_plan``, ``plan_cause``, ``plan_row``, ``plan_row_action``
  and ``activity_pattern``.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SOURCES_OLD = "source IN ('public', 'organisation', 'import', 'api')"
_SOURCES_NEW = (
    "source IN ('public', 'organisation', 'import', 'api', 'trygghetsvandring', 'digital_vandring')"
)


def upgrade() -> None:
    op.create_table(
        "activity_pattern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "parties", postgresql.ARRAY(sa.String(length=32)), server_default="{}", nullable=False
        ),
        sa.Column("indicator", sa.String(length=300), nullable=False),
        sa.Column(
            "fits", postgresql.ARRAY(sa.String(length=64)), server_default="{}", nullable=False
        ),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("builtin", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_pattern")),
        sa.UniqueConstraint("code", name=op.f("uq_activity_pattern_code")),
    )
    op.create_table(
        "crime_statistic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.Column("region_name", sa.String(length=200), nullable=False),
        sa.Column("crime_type", sa.String(length=300), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("per_100k", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=100), server_default="Brå", nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "period_kind IN ('month', 'year')", name=op.f("ck_crime_statistic_period_kind")
        ),
        sa.CheckConstraint(
            "period_start >= '2000-01-01'::date", name=op.f("ck_crime_statistic_period_start_min")
        ),
        sa.CheckConstraint("count >= 0", name=op.f("ck_crime_statistic_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crime_statistic")),
        sa.UniqueConstraint(
            "region_code",
            "crime_type",
            "period_kind",
            "period_start",
            name="uq_crime_statistic_key",
        ),
    )
    op.create_table(
        "kpi_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=16), nullable=False),
        sa.Column("kpi_title", sa.String(length=300), nullable=True),
        sa.Column("region_code", sa.String(length=8), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("gender", sa.String(length=1), server_default="T", nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("gender IN ('T', 'K', 'M')", name=op.f("ck_kpi_value_gender")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_kpi_value_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_value")),
        sa.UniqueConstraint("kpi", "region_code", "year", "gender", name="uq_kpi_value_key"),
    )
    op.create_table(
        "population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_kind", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("count >= 0", name=op.f("ck_population_count")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_population_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population")),
        sa.UniqueConstraint("region_kind", "region_code", "year", name="uq_population_key"),
    )
    op.create_geospatial_table(
        "police_event",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("location_name", sa.String(length=200), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "occurred_at >= '2000-01-01'::timestamptz", name=op.f("ck_police_event_occurred_at_min")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_police_event_category_id_category"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_event")),
    )
    op.create_index("ix_police_event_occurred_at", "police_event", ["occurred_at"], unique=False)
    op.create_table(
        "dialogue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "participants",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("held_on >= '2000-01-01'::date", name=op.f("ck_dialogue_held_on_min")),
        sa.CheckConstraint(
            "kind IN ('medborgardialog', 'medarbetardialog')", name=op.f("ck_dialogue_kind")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_dialogue_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_dialogue_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisation.id"],
            name=op.f("fk_dialogue_organiser_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue")),
    )
    op.create_index(op.f("ix_dialogue_area_id"), "dialogue", ["area_id"], unique=False)
    op.create_table(
        "lagesbild_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column(
            "figures", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "texts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("status", sa.String(length=16), server_default="saved", nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "period_start >= '2000-01-01'::date", name=op.f("ck_lagesbild_version_period_start_min")
        ),
        sa.CheckConstraint(
            "status IN ('saved', 'decided')", name=op.f("ck_lagesbild_version_status")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_lagesbild_version_period")),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
            name=op.f("fk_lagesbild_version_area_id_area"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_lagesbild_version_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lagesbild_version")),
        sa.UniqueConstraint("area_id", "number", name="uq_lagesbild_version_number"),
    )
    op.create_index(
        op.f("ix_lagesbild_version_area_id"), "lagesbild_version", ["area_id"], unique=False
    )
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("source_file", sa.String(length=300), nullable=True),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('polisens_trygghetsmatning', 'ntu', 'kommun')", name=op.f("ck_survey_kind")
        ),
        sa.CheckConstraint(
            "period_start >= '2000-01-01'::date", name=op.f("ck_survey_period_start_min")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_survey_period")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_survey_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["imported_by"],
            ["user_account.id"],
            name=op.f("fk_survey_imported_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
    )
    op.create_index(op.f("ix_survey_area_id"), "survey", ["area_id"], unique=False)
    op.create_geospatial_table(
        "walk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column(
            "route",
            Geometry(
                geometry_type="LINESTRING",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("light", sa.String(length=16), server_default="dagsljus", nullable=False),
        sa.Column("weather", sa.String(length=200), nullable=True),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column(
            "organisation_ids", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False
        ),
        sa.Column(
            "participants",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("accessibility_notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="planned", nullable=False),
        sa.Column("feedback_sent_on", sa.Date(), nullable=True),
        sa.Column("rewalk_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "light IN ('dagsljus', 'skymning', 'morker')", name=op.f("ck_walk_light")
        ),
        sa.CheckConstraint(
            "starts_at >= '2000-01-01'::timestamptz", name=op.f("ck_walk_starts_at_min")
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'finished')", name=op.f("ck_walk_status")
        ),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at >= starts_at", name=op.f("ck_walk_time_window")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_walk_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_walk_created_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisation.id"],
            name=op.f("fk_walk_organiser_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk")),
    )
    op.create_index(op.f("ix_walk_area_id"), "walk", ["area_id"], unique=False)
    op.create_table(
        "action_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("lagesbild_version_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "period_start >= '2000-01-01'::date", name=op.f("ck_action_plan_period_start_min")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'decided', 'closed')", name=op.f("ck_action_plan_status")
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_action_plan_period")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_action_plan_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["lagesbild_version_id"],
            ["lagesbild_version.id"],
            name=op.f("fk_action_plan_lagesbild_version_id_lagesbild_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plan")),
    )
    op.create_index(op.f("ix_action_plan_area_id"), "action_plan", ["area_id"], unique=False)
    op.create_geospatial_table(
        "dialogue_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_dialogue_place_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["place.id"],
            name=op.f("fk_dialogue_place_place_id_place"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_place")),
    )
    op.create_index(
        op.f("ix_dialogue_place_dialogue_id"), "dialogue_place", ["dialogue_id"], unique=False
    )
    op.create_table(
        "dialogue_quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_dialogue_quote_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_quote")),
    )
    op.create_index(
        op.f("ix_dialogue_quote_dialogue_id"), "dialogue_quote", ["dialogue_id"], unique=False
    )
    op.create_table(
        "dialogue_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dialogue_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("free_theme", sa.String(length=200), nullable=True),
        sa.Column("mentions", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "category_id IS NOT NULL OR free_theme IS NOT NULL",
            name=op.f("ck_dialogue_theme_theme"),
        ),
        sa.CheckConstraint("mentions >= 1", name=op.f("ck_dialogue_theme_mentions")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_dialogue_theme_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["dialogue_id"],
            ["dialogue.id"],
            name=op.f("fk_dialogue_theme_dialogue_id_dialogue"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_theme")),
    )
    op.create_index(
        op.f("ix_dialogue_theme_dialogue_id"), "dialogue_theme", ["dialogue_id"], unique=False
    )
    op.create_table(
        "digital_walk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "opens_at >= '2000-01-01'::timestamptz", name=op.f("ck_digital_walk_opens_at_min")
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_digital_walk_period")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_digital_walk_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"], ["walk.id"], name=op.f("fk_digital_walk_walk_id_walk"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_walk")),
    )
    op.create_index(op.f("ix_digital_walk_area_id"), "digital_walk", ["area_id"], unique=False)
    op.create_table(
        "survey_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("area_label", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("response_rate", sa.Float(), nullable=True),
        sa.Column("margin_of_error", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "measure IN ('problem_index', 'share_agree', 'share', 'index')",
            name=op.f("ck_survey_result_measure"),
        ),
        sa.CheckConstraint("n IS NULL OR n >= 0", name=op.f("ck_survey_result_n")),
        sa.CheckConstraint(
            "response_rate IS NULL OR response_rate BETWEEN 0 AND 1",
            name=op.f("ck_survey_result_response_rate"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
            name=op.f("fk_survey_result_area_id_area"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_result_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_result")),
    )
    op.create_index(
        op.f("ix_survey_result_survey_id"), "survey_result", ["survey_id"], unique=False
    )
    op.create_table(
        "plan_cause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link_kind", sa.String(length=20), server_default="other", nullable=False),
        sa.Column("link_ref", sa.String(length=100), nullable=True),
        sa.Column("link_label", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "link_kind IN ('lineage', 'category_trend', 'survey_result', 'walk_observation', "
            "'dialogue', 'statistic', 'other')",
            name=op.f("ck_plan_cause_link_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["action_plan.id"],
            name=op.f("fk_plan_cause_plan_id_action_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_cause")),
        sa.UniqueConstraint("plan_id", "number", name="uq_plan_cause_number"),
    )
    op.create_index(op.f("ix_plan_cause_plan_id"), "plan_cause", ["plan_id"], unique=False)
    op.create_table(
        "photo",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("report_id", sa.UUID(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png')", name=op.f("ck_photo_content_type")
        ),
        sa.CheckConstraint("bytes > 0", name=op.f("ck_photo_bytes")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_photo_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_photo_storage_key")),
    )
    op.create_index(op.f("ix_photo_report_id"), "photo", ["report_id"], unique=False)
    op.create_table(
        "plan_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cause_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("indicator", sa.String(length=300), nullable=False),
        sa.Column("indicator_kind", sa.String(length=32), nullable=True),
        sa.Column("indicator_ref", sa.String(length=100), nullable=True),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("contact_role", sa.String(length=200), nullable=True),
        sa.Column("regular_work", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=True),
        sa.Column("activity_pattern_id", sa.Integer(), nullable=True),
        sa.Column("judgement", sa.String(length=8), nullable=True),
        sa.Column("judgement_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "judgement IS NULL OR judgement IN ('green', 'yellow', 'red')",
            name=op.f("ck_plan_row_judgement"),
        ),
        sa.CheckConstraint(
            "due_on IS NULL OR starts_on IS NULL OR due_on >= starts_on",
            name=op.f("ck_plan_row_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_pattern_id"],
            ["activity_pattern.id"],
            name=op.f("fk_plan_row_activity_pattern_id_activity_pattern"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cause_id"],
            ["plan_cause.id"],
            name=op.f("fk_plan_row_cause_id_plan_cause"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_plan_row_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"],
            ["promise.id"],
            name=op.f("fk_plan_row_promise_id_promise"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_row")),
    )
    op.create_index(op.f("ix_plan_row_cause_id"), "plan_row", ["cause_id"], unique=False)
    op.create_table(
        "plan_row_action",
        sa.Column("plan_row_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_plan_row_action_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_row_id"],
            ["plan_row.id"],
            name=op.f("fk_plan_row_action_plan_row_id_plan_row"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_row_id", "action_id", name=op.f("pk_plan_row_action")),
    )
    op.create_geospatial_table(
        "walk_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.UUID(), nullable=True),
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
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("safety", sa.SmallInteger(), nullable=True),
        sa.Column(
            "ratings", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("safe_place", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column(
            "reason_ids", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_id", sa.UUID(), nullable=True),
        sa.CheckConstraint(
            "safety IS NULL OR safety BETWEEN 1 AND 5", name=op.f("ck_walk_observation_safety")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_walk_observation_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photo.id"],
            name=op.f("fk_walk_observation_photo_id_photo"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_walk_observation_report_id_report"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"],
            ["walk.id"],
            name=op.f("fk_walk_observation_walk_id_walk"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_observation")),
        sa.UniqueConstraint("report_id", name=op.f("uq_walk_observation_report_id")),
    )
    op.create_index(
        op.f("ix_walk_observation_walk_id"), "walk_observation", ["walk_id"], unique=False
    )
    op.create_table(
        "walk_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("horizon", sa.String(length=8), server_default="quick", nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("horizon IN ('quick', 'long')", name=op.f("ck_walk_proposal_horizon")),
        sa.CheckConstraint(
            "status IN ('new', 'accepted', 'rejected', 'in_progress', 'done')",
            name=op.f("ck_walk_proposal_status"),
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_walk_proposal_priority")),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_walk_proposal_action_id_action"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["walk_observation.id"],
            name=op.f("fk_walk_proposal_observation_id_walk_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_walk_proposal_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_proposal")),
        sa.UniqueConstraint("action_id", name=op.f("uq_walk_proposal_action_id")),
    )
    op.create_index(
        op.f("ix_walk_proposal_observation_id"), "walk_proposal", ["observation_id"], unique=False
    )
    op.add_column("report", sa.Column("campaign_id", sa.Integer(), nullable=True))
    op.alter_column(
        "report",
        "source",
        existing_type=sa.VARCHAR(length=16),
        type_=sa.String(length=32),
        existing_nullable=False,
    )
    op.create_foreign_key(
        op.f("fk_report_campaign_id_digital_walk"),
        "report",
        "digital_walk",
        ["campaign_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.drop_constraint(op.f("ck_report_source"), "report", type_="check")
    op.create_check_constraint(op.f("ck_report_source"), "report", _SOURCES_NEW)


def downgrade() -> None:
    op.execute("DELETE FROM report WHERE source IN ('trygghetsvandring', 'digital_vandring')")
    op.drop_constraint(op.f("ck_report_source"), "report", type_="check")
    op.create_check_constraint(op.f("ck_report_source"), "report", _SOURCES_OLD)
    op.drop_constraint(op.f("fk_report_campaign_id_digital_walk"), "report", type_="foreignkey")
    op.alter_column(
        "report",
        "source",
        existing_type=sa.String(length=32),
        type_=sa.VARCHAR(length=16),
        existing_nullable=False,
    )
    op.drop_column("report", "campaign_id")
    op.drop_index(op.f("ix_walk_proposal_observation_id"), table_name="walk_proposal")
    op.drop_table("walk_proposal")
    op.drop_index(op.f("ix_walk_observation_walk_id"), table_name="walk_observation")
    op.drop_geospatial_table("walk_observation")
    op.drop_table("plan_row_action")
    op.drop_index(op.f("ix_plan_row_cause_id"), table_name="plan_row")
    op.drop_table("plan_row")
    op.drop_index(op.f("ix_photo_report_id"), table_name="photo")
    op.drop_table("photo")
    op.drop_index(op.f("ix_plan_cause_plan_id"), table_name="plan_cause")
    op.drop_table("plan_cause")
    op.drop_index(op.f("ix_survey_result_survey_id"), table_name="survey_result")
    op.drop_table("survey_result")
    op.drop_index(op.f("ix_digital_walk_area_id"), table_name="digital_walk")
    op.drop_table("digital_walk")
    op.drop_index(op.f("ix_dialogue_theme_dialogue_id"), table_name="dialogue_theme")
    op.drop_table("dialogue_theme")
    op.drop_index(op.f("ix_dialogue_quote_dialogue_id"), table_name="dialogue_quote")
    op.drop_table("dialogue_quote")
    op.drop_index(op.f("ix_dialogue_place_dialogue_id"), table_name="dialogue_place")
    op.drop_geospatial_table("dialogue_place")
    op.drop_index(op.f("ix_action_plan_area_id"), table_name="action_plan")
    op.drop_table("action_plan")
    op.drop_index(op.f("ix_walk_area_id"), table_name="walk")
    op.drop_geospatial_table("walk")
    op.drop_index(op.f("ix_survey_area_id"), table_name="survey")
    op.drop_table("survey")
    op.drop_index(op.f("ix_lagesbild_version_area_id"), table_name="lagesbild_version")
    op.drop_table("lagesbild_version")
    op.drop_index(op.f("ix_dialogue_area_id"), table_name="dialogue")
    op.drop_table("dialogue")
    op.drop_index("ix_police_event_occurred_at", table_name="police_event")
    op.drop_geospatial_table("police_event")
    op.drop_table("population")
    op.drop_table("kpi_value")
    op.drop_table("crime_statistic")
    op.drop_table("activity_pattern")
