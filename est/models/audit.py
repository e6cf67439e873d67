"""Reporting tables: the audit trail of report changes and each municipality's place list."""

from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
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
from sqlalchemy.orm import Mapped, mapped_column

from est.models.base import Base

AUDIT_ACTIONS = ("created", "status_changed", "location_edited", "category_edited", "retention",
                 "duplicate_marked")


class AuditEvent(Base):
    """Who did what to a report and when, with old and new values (JSONB)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_report_id_at", "report_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    report_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("report.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(32))
    old: Mapped[dict | None] = mapped_column(JSONB)
    new: Mapped[dict | None] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(Text)


class Place(Base):
    """A named place in a municipality, for reporting without a map (WGS84 point)."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("area_id", "name", name="uq_place_area_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    sort_order: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
