"""Medborgarlöften: promises with parties, commitments, focus, indicators and follow-ups."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from est.models.base import Base
from est.models.core import Category
from est.models.review import Action

PROMISE_STATUSES = ("draft", "adopted", "closed")
PARTY_KINDS = ("kommun", "polis", "annan")
INDICATOR_KINDS = ("count_per_month", "share_public_moderated")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


promise_action = Table(
    "promise_action",
    Base.metadata,
    Column("promise_id", Integer, ForeignKey("promise.id", ondelete="CASCADE"), primary_key=True),
    Column("action_id", Integer, ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
)


class Promise(Base):
    """A medborgarlöfte of one municipality for a period, with its document sections."""

    __tablename__ = "promise"
    __table_args__ = (
        CheckConstraint(_in("status", PROMISE_STATUSES), name="status"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("period_start IS NULL OR period_start >= '2000-01-01'::date",
                        name="period_start_min"),
        CheckConstraint("period_end IS NULL OR period_end >= '2000-01-01'::date",
                        name="period_end_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    basis_start: Mapped[date | None] = mapped_column(Date)
    basis_end: Mapped[date | None] = mapped_column(Date)
    sections: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    parties: Mapped[list[PromiseParty]] = relationship(
        order_by="PromiseParty.position", cascade="all, delete-orphan", passive_deletes=True)
    items: Mapped[list[PromiseItem]] = relationship(
        order_by="PromiseItem.position", cascade="all, delete-orphan", passive_deletes=True)
    focus: Mapped[list[PromiseFocus]] = relationship(
        order_by="PromiseFocus.id", cascade="all, delete-orphan", passive_deletes=True)
    indicators: Mapped[list[PromiseIndicator]] = relationship(
        order_by="PromiseIndicator.position", cascade="all, delete-orphan", passive_deletes=True)
    actions: Mapped[list[Action]] = relationship(secondary=promise_action,
                                                 order_by="Action.starts_on")


class PromiseParty(Base):
    """A party that promises: the municipality, the local police area, or another actor."""

    __tablename__ = "promise_party"
    __table_args__ = (CheckConstraint(_in("kind", PARTY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promise.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class PromiseItem(Base):
    """One commitment ("Polisen lovar att …") of a party."""

    __tablename__ = "promise_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promise.id", ondelete="CASCADE"),
                                            index=True)
    party_id: Mapped[int | None] = mapped_column(
        ForeignKey("promise_party.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    party: Mapped[PromiseParty | None] = relationship()


class PromiseFocus(Base):
    """What a promise focuses on: a category, a district, a hot spot (outline), or a place."""

    __tablename__ = "promise_focus"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promise.id", ondelete="CASCADE"),
                                            index=True)
    label: Mapped[str] = mapped_column(String(300))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    lineage_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))

    category: Mapped[Category | None] = relationship()


class PromiseIndicator(Base):
    """A measurable indicator of a promise, computed from the reports.

    ``count_per_month``: counted reports per month of ``category_ids`` (all when empty)
    inside ``area_id`` or ``geom`` (else the promise's area). ``share_public_moderated``:
    share of public reports no longer pending ``params["days"]`` days after reporting.
    """

    __tablename__ = "promise_indicator"
    __table_args__ = (CheckConstraint(_in("kind", INDICATOR_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promise.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(300))
    category_ids: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    lineage_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    params: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    target: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class PromiseFollowup(Base):
    """A stored follow-up: every indicator's values as of a day (JSONB snapshot)."""

    __tablename__ = "promise_followup"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promise.id", ondelete="CASCADE"),
                                            index=True)
    as_of: Mapped[date] = mapped_column(Date)
    results: Mapped[list] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
