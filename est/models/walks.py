"""Safe places marked by residents in a public digital trygghetsvandring (migration 0015).

Unsafe pins of a digital walk are ``report`` rows (source ``digital_vandring``, pending until
moderated). A *safe* pin is not otrygghet and must never be counted as such, so it is kept
here instead: staff-only, shown to the coordinator planning the walk, never public.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from est.models.base import Base

# Why a place feels safe (codes stored in ``digital_walk_safe_place.reasons``).
SAFE_REASONS = {
    "belysning": "God belysning",
    "folkliv": "Folk i rörelse",
    "overblick": "Bra överblick",
    "valskott": "Välskött och städat",
    "annat": "Annat",
}


class DigitalWalkSafePlace(Base):
    """A place a resident marked as safe during a digital walk (WGS84 point)."""

    __tablename__ = "digital_walk_safe_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    digital_walk_id: Mapped[int] = mapped_column(
        ForeignKey("digital_walk.id", ondelete="CASCADE"), index=True)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list,
                                               server_default="{}")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
