"""Stored hot spot runs and their hot spots (WGS84 polygons, classes, lineages)."""

from __future__ import annotations

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from est.models.base import Base

HOTSPOT_CLASSES = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
                   "oscillating", "historical")
# One wording and one colour per class on every page, map, chart and export.
CLASS_LABELS = {
    "new": "Ny",
    "consecutive": "Återkommande",
    "intensifying": "Ökande",
    "persistent": "Ihållande",
    "diminishing": "Avtagande",
    "sporadic": "Sporadisk",
    "oscillating": "Växlande",
    "historical": "Historisk",
    None: "Oklassad",
}
CLASS_COLOURS = {
    "new": "#c0392b",
    "consecutive": "#d35400",
    "intensifying": "#e67e22",
    "persistent": "#6c3483",
    "diminishing": "#2471a3",
    "sporadic": "#7f8c8d",
    "oscillating": "#16a085",
    "historical": "#95a5a6",
    None: "#7f8c8d",
}


class HotspotRun(Base):
    """One detection over a review window of one area (or all reports when area is None)."""

    __tablename__ = "hotspot_run"
    __table_args__ = (
        CheckConstraint("window_end > window_start", name="window"),
        Index("ix_hotspot_run_lookup", "area_id", "method", "window_start", "window_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    baseline_weeks: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict] = mapped_column(JSONB)
    params_hash: Mapped[str] = mapped_column(String(64))
    data_version: Mapped[str] = mapped_column(String(64))
    n_reports: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    hotspots: Mapped[list[Hotspot]] = relationship(
        back_populates="run", order_by="Hotspot.rank", cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Hotspot(Base):
    """One hot spot of a run: outline, counts, time profile, class and lineage."""

    __tablename__ = "hotspot"
    __table_args__ = (
        CheckConstraint(
            "class IS NULL OR class IN ({})".format(", ".join(repr(c) for c in HOTSPOT_CLASSES)),
            name="class",
        ),
        Index("ix_hotspot_run_id_rank", "run_id", "rank"),
        Index("ix_hotspot_lineage_id", "lineage_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("hotspot_run.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    lineage_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    klass: Mapped[str | None] = mapped_column("class", String(16))
    polygon: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    centroid: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326,
                                                          spatial_index=False))
    count: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[float] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    z: Mapped[float | None] = mapped_column(Float)
    counts: Mapped[dict] = mapped_column(JSONB)
    profile: Mapped[dict] = mapped_column(JSONB)
    first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    run: Mapped[HotspotRun] = relationship(back_populates="hotspots")


class LineageName(Base):
    """A staff-given name of a place (a hot spot lineage), kept as the lineage goes on."""

    __tablename__ = "lineage_name"

    lineage_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    renamed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id",
                                                              ondelete="SET NULL"))
    renamed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
