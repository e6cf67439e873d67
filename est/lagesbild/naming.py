"""Names of the places a lägesbild talks about (hot spots, otrygga platser): one spot.

A place is named by :mod:`est.places`: a staff-given lineage name, else the nearest named
place, a gazetteer street, the district, the municipality.
"""

from __future__ import annotations

from collections.abc import Sequence

from shapely.geometry.base import BaseGeometry

from est.lagesbild.context import Context
from est.places import names_for_hotspots


def place_names(ctx: Context, items: Sequence[tuple[object, BaseGeometry]]) -> list[str]:
    """Return one name per ``(lineage_id or None, WGS84 geometry)``."""
    if not items:
        return []
    return names_for_hotspots(ctx.s, ctx.municipality_id(), list(items))
