"""Reads of stored hot spot runs: runs, their hot spots, lineages and GeoJSON features."""

from __future__ import annotations

import uuid

import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from est.errors import NotFound
from est.models import Area
from est.models.hotspots import Hotspot, HotspotRun
from geo.hotspots import resolve_method


def get_run(session: Session, run_id: int) -> HotspotRun:
    """Return a stored run or raise NotFound."""
    run = session.get(HotspotRun, run_id)
    if run is None:
        raise NotFound(f"no hot spot run {run_id}")
    return run


def list_hotspots(session: Session, run_id: int) -> list[Hotspot]:
    """Return the hot spots of a run in rank order."""
    return list(session.scalars(select(Hotspot).where(Hotspot.run_id == run_id)
                                .order_by(Hotspot.rank)))


def latest_run(session: Session, *, area_code: str | None = None,
               method: str = "default") -> HotspotRun | None:
    """Return the stored run with the latest window for an area and method."""
    name = resolve_method(method)
    stmt = select(HotspotRun).where(HotspotRun.method == name)
    if area_code is None:
        stmt = stmt.where(HotspotRun.area_id.is_(None))
    else:
        stmt = stmt.join(Area, Area.id == HotspotRun.area_id).where(Area.code == area_code)
    return session.scalar(stmt.order_by(HotspotRun.window_end.desc(), HotspotRun.id.desc())
                          .limit(1))


def lineage_history(session: Session, lineage_id: uuid.UUID | str) -> list[Hotspot]:
    """Return every stored hot spot of one lineage, oldest window first (``run`` loaded)."""
    lin = lineage_id if isinstance(lineage_id, uuid.UUID) else uuid.UUID(str(lineage_id))
    stmt = (
        select(Hotspot).join(HotspotRun, HotspotRun.id == Hotspot.run_id)
        .where(Hotspot.lineage_id == lin)
        .order_by(HotspotRun.window_end, HotspotRun.id)
    )
    return list(session.scalars(stmt))


def hotspot_feature(h: Hotspot) -> dict:
    """Return one hot spot as a GeoJSON Feature (WGS84) with its properties."""
    c = to_shape(h.centroid)
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(to_shape(h.polygon)),
        "properties": {
            "rank": h.rank,
            "lineage_id": str(h.lineage_id) if h.lineage_id else None,
            "class": h.klass,
            "count": h.count,
            "area_m2": h.area_m2,
            "score": h.score,
            "z": h.z,
            "centroid": [round(c.x, 6), round(c.y, 6)],
            "by_category": h.counts.get("by_category", {}),
            "by_kind": h.counts.get("by_kind", {}),
            "weekly": h.counts.get("weekly", []),
            "busiest_weekdays": h.profile.get("busiest_weekdays", []),
            "busiest_hours": h.profile.get("busiest_hours", []),
            "weekdays": h.profile.get("weekdays", {}),
            "hours": h.profile.get("hours", {}),
            "first": h.first_at.isoformat() if h.first_at else None,
            "last": h.last_at.isoformat() if h.last_at else None,
        },
    }
