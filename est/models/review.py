"""Weekly EST review: the meeting record of a week, its decisions, and actions (åtgärder)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from est.models.base import Base
from est.models.core import Category, Organisation

ACTION_STATUSES = ("planned", "in_progress", "done", "not_done", "no_longer_needed")


class Review(Base):
    """The EST group's meeting record for one ISO week in one municipality."""

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("area_id", "iso_year", "iso_week", name="uq_review_area_week"),
        CheckConstraint("iso_week BETWEEN 1 AND 53", name="iso_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    iso_year: Mapped[int] = mapped_column(SmallInteger)
    iso_week: Mapped[int] = mapped_column(SmallInteger)
    participants: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    decisions: Mapped[list[Decision]] = relationship(
        back_populates="review", order_by="Decision.id", cascade="all, delete-orphan")


class Action(Base):
    """An åtgärd decided by the EST group, at a hot spot (by lineage) or for a category.

    ``geom`` keeps the place the action targets (the hot spot outline when it was decided),
    so its effect can be followed up on the reports inside it before and after ``starts_on``.
    """

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint("status IN ({})".format(", ".join(repr(s) for s in ACTION_STATUSES)),
                        name="status"),
        CheckConstraint("lineage_id IS NOT NULL OR category_id IS NOT NULL", name="target"),
        CheckConstraint("starts_on IS NULL OR starts_on >= '2000-01-01'::date",
                        name="starts_on_min"),
        CheckConstraint("due_on IS NULL OR due_on >= '2000-01-01'::date", name="due_on_min"),
        Index("ix_action_area_id_status", "area_id", "status"),
        Index("ix_action_lineage_id", "lineage_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id", ondelete="SET NULL"))
    lineage_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    hotspot_id: Mapped[int | None] = mapped_column(ForeignKey("hotspot.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id",
                                                               ondelete="RESTRICT"))
    place_name: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id",
                                                            ondelete="RESTRICT"))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned", server_default="planned")
    outcome_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id",
                                                             ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    organisation: Mapped[Organisation] = relationship()
    category: Mapped[Category | None] = relationship()


class Decision(Base):
    """A decision in a week's meeting record, optionally linked to the action it created."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id", ondelete="SET NULL"))

    review: Mapped[Review] = relationship(back_populates="decisions")
    action: Mapped[Action | None] = relationship()
