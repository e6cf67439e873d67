"""Lägesbild inputs beyond single reports (issue 11, migration 0011).

- Trygghetsvandringar: a ``walk`` with its route, participants (counts only), its
  ``walk_observation`` rows (each also a ``report`` of source ``trygghetsvandring`` so it
  counts on the review map, in hot spots and in the lägesbild) and the ``walk_proposal``
  rows that may become actions; ``digital_walk`` is a public campaign whose pins are
  reports of source ``digital_vandring`` (``report.campaign_id``).
- ``photo``: an uploaded image, re-encoded without metadata and stored on disk
  (``EST_PHOTO_DIR``); the row keeps only its description.
- Dialogues (``dialogue`` with themes, quotes and places) and surveys (``survey`` with
  ``survey_result`` rows); the official statistics are in :mod:`est.models.statistics`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from est.models.base import Base
from est.models.statistics import (  # noqa: F401  (importers read them from here too)
    PERIOD_KINDS,
    CrimeStatistic,
    KpiValue,
    PoliceEvent,
    Population,
)

WALK_STATUSES = ("planned", "in_progress", "finished")
WALK_LIGHT = ("dagsljus", "skymning", "morker")
# The Safetipin / CPTED audit parameters, each rated 0–3 on an observation.
WALK_RATINGS = (
    "lighting", "openness", "visibility", "people", "mix", "guardianship",
    "walkpath", "transport", "maintenance",
)
PROPOSAL_HORIZONS = ("quick", "long")
PROPOSAL_STATUSES = ("new", "accepted", "rejected", "in_progress", "done")
DIALOGUE_KINDS = ("medborgardialog", "medarbetardialog")
SURVEY_KINDS = ("polisens_trygghetsmatning", "ntu", "kommun")
SURVEY_MEASURES = ("problem_index", "share_agree", "share", "index")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Photo(Base):
    """An image re-encoded without EXIF; the bytes live on disk under ``storage_key``."""

    __tablename__ = "photo"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="content_type"),
        CheckConstraint("bytes > 0", name="bytes"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True,
                                          default=uuid.uuid4)
    report_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("report.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Walk(Base):
    """A trygghetsvandring: purpose, area, route, time, light, participants (counts only)."""

    __tablename__ = "walk"
    __table_args__ = (
        CheckConstraint(_in("status", WALK_STATUSES), name="status"),
        CheckConstraint(_in("light", WALK_LIGHT), name="light"),
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="time_window"),
        CheckConstraint("starts_at >= '2000-01-01'::timestamptz", name="starts_at_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(Text)
    route: Mapped[WKBElement | None] = mapped_column(
        Geometry("LINESTRING", srid=4326, spatial_index=False))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    light: Mapped[str] = mapped_column(String(16), default="dagsljus", server_default="dagsljus")
    weather: Mapped[str | None] = mapped_column(String(200))
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    organisation_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list,
                                                        server_default="{}")
    # Counts only, e.g. {"total": 12, "age": {"16-25": 3}, "gender": {"kvinna": 7},
    # "residents": 9}; never names.
    participants: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    accessibility_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned")
    feedback_sent_on: Mapped[date | None] = mapped_column(Date)
    rewalk_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    observations: Mapped[list[WalkObservation]] = relationship(
        back_populates="walk", cascade="all, delete-orphan", order_by="WalkObservation.id")


class WalkObservation(Base):
    """One stop on a walk: position, perceived safety 1–5, CPTED ratings 0–3, a note."""

    __tablename__ = "walk_observation"
    __table_args__ = (
        CheckConstraint("safety IS NULL OR safety BETWEEN 1 AND 5", name="safety"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walk.id", ondelete="CASCADE"), index=True)
    # The otrygghet report (source ``trygghetsvandring``) this observation counts as.
    report_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("report.id", ondelete="SET NULL"), unique=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    safety: Mapped[int | None] = mapped_column(SmallInteger)
    # {"lighting": 0..3, ...} for the keys of WALK_RATINGS that were rated.
    ratings: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    safe_place: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"))
    reason_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list,
                                                  server_default="{}")
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("photo.id", ondelete="SET NULL"))

    walk: Mapped[Walk] = relationship(back_populates="observations")
    proposals: Mapped[list[WalkProposal]] = relationship(
        back_populates="observation", cascade="all, delete-orphan", order_by="WalkProposal.id")


class WalkProposal(Base):
    """A measure proposed for an observation; ``action_id`` links it to the åtgärd made of it."""

    __tablename__ = "walk_proposal"
    __table_args__ = (
        CheckConstraint(_in("horizon", PROPOSAL_HORIZONS), name="horizon"),
        CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("walk_observation.id", ondelete="CASCADE"), index=True)
    measure: Mapped[str] = mapped_column(Text)
    horizon: Mapped[str] = mapped_column(String(8), default="quick", server_default="quick")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    priority: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    reject_reason: Mapped[str | None] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("action.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    observation: Mapped[WalkObservation] = relationship(back_populates="proposals")


class DigitalWalk(Base):
    """A public digital trygghetsvandring: for a period residents pin safe and unsafe places."""

    __tablename__ = "digital_walk"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="period"),
        CheckConstraint("opens_at >= '2000-01-01'::timestamptz", name="opens_at_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    walk_id: Mapped[int | None] = mapped_column(ForeignKey("walk.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Dialogue(Base):
    """A medborgar- or medarbetardialog: who took part (groups and counts), themes, quotes."""

    __tablename__ = "dialogue"
    __table_args__ = (
        CheckConstraint(_in("kind", DIALOGUE_KINDS), name="kind"),
        CheckConstraint("held_on >= '2000-01-01'::date", name="held_on_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    # [{"group": "Elever åk 8", "count": 24}, ...]; never names.
    participants: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    themes: Mapped[list[DialogueTheme]] = relationship(
        cascade="all, delete-orphan", order_by="DialogueTheme.id")
    quotes: Mapped[list[DialogueQuote]] = relationship(
        cascade="all, delete-orphan", order_by="DialogueQuote.id")
    places: Mapped[list[DialoguePlace]] = relationship(
        cascade="all, delete-orphan", order_by="DialoguePlace.id")


class DialogueTheme(Base):
    """A theme raised: a taxonomy category or a free theme, with how often it came up."""

    __tablename__ = "dialogue_theme"
    __table_args__ = (
        CheckConstraint("category_id IS NOT NULL OR free_theme IS NOT NULL", name="theme"),
        CheckConstraint("mentions >= 1", name="mentions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"),
                                             index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"))
    free_theme: Mapped[str | None] = mapped_column(String(200))
    mentions: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class DialogueQuote(Base):
    """A quote the group chose to keep (no personal data)."""

    __tablename__ = "dialogue_quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"),
                                             index=True)
    text: Mapped[str] = mapped_column(Text)


class DialoguePlace(Base):
    """A place mentioned in a dialogue: a point or an area, optionally a named place."""

    __tablename__ = "dialogue_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogue.id", ondelete="CASCADE"),
                                             index=True)
    label: Mapped[str] = mapped_column(String(200))
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=False))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"))


class Survey(Base):
    """One imported survey (a file): kind, period, where it came from."""

    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint(_in("kind", SURVEY_KINDS), name="kind"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("period_start >= '2000-01-01'::date", name="period_start_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    source_file: Mapped[str | None] = mapped_column(String(300))
    imported_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())

    results: Mapped[list[SurveyResult]] = relationship(
        cascade="all, delete-orphan", order_by="SurveyResult.id")


class SurveyResult(Base):
    """One figure: an area × question with its value, n, response rate and margin of error."""

    __tablename__ = "survey_result"
    __table_args__ = (
        CheckConstraint(_in("measure", SURVEY_MEASURES), name="measure"),
        CheckConstraint("n IS NULL OR n >= 0", name="n"),
        CheckConstraint("response_rate IS NULL OR response_rate BETWEEN 0 AND 1",
                        name="response_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"),
                                           index=True)
    area_label: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(500))
    measure: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer)
    response_rate: Mapped[float | None] = mapped_column(Float)
    margin_of_error: Mapped[float | None] = mapped_column(Float)
