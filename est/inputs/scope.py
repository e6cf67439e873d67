"""Which rows belong to an area: the area itself, its sub-areas and its municipality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est.errors import NotFound
from est.models import Area

DEFAULT_TZ = "Europe/Stockholm"


@dataclass(frozen=True)
class Scope:
    """An area, the ids of it and everything below it, and its municipality (if any)."""

    area: Area
    ids: tuple[int, ...]          # the area and all its descendants
    municipality: Area | None     # the area itself or its nearest municipality ancestor
    ancestors: tuple[int, ...]    # ids above the area (municipality, county …)
    zone: ZoneInfo

    def window(self, start: date, end: date) -> tuple[datetime, datetime]:
        """Return ``[start 00:00, end + 1 day 00:00)`` in local time."""
        return (datetime.combine(start, time(0), self.zone),
                datetime.combine(end + timedelta(days=1), time(0), self.zone))


def scope_of(session: Session, area_id: int, tz: str = DEFAULT_TZ) -> Scope:
    """Return the scope of area ``area_id``; NotFound if there is no such area."""
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"Området {area_id} finns inte.")
    ids = tuple(session.scalars(text(
        """
        WITH RECURSIVE down(id) AS (
            SELECT CAST(:id AS integer)
            UNION SELECT a.id FROM area a JOIN down d ON a.parent_id = d.id
        ) SELECT id FROM down
        """), {"id": area_id}))
    ancestors: list[int] = []
    municipality = area if area.kind == "municipality" else None
    parent_id = area.parent_id
    while parent_id is not None and parent_id not in ancestors and len(ancestors) < 10:
        ancestors.append(parent_id)
        parent = session.get(Area, parent_id)
        if parent is None:
            break
        if municipality is None and parent.kind == "municipality":
            municipality = parent
        parent_id = parent.parent_id
    return Scope(area=area, ids=ids, municipality=municipality, ancestors=tuple(ancestors),
                 zone=ZoneInfo(tz))


def municipality_by_code(session: Session, code: str) -> Area | None:
    """Return the municipality with kommunkod ``code`` or None."""
    return session.scalar(select(Area).where(Area.kind == "municipality", Area.code == code))
