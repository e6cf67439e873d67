"""Names of the places a lägesbild talks about (hot spots, otrygga platser): one spot.

A place is named by :mod:`est.places` (a staff-given lineage name, else the nearest named
place, a gazetteer street, the district, the municipality). Until that module is present
the district the place lies in is used, else the area's name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from est.lagesbild.context import Context


def place_names(ctx: Context, items: Sequence[tuple[object, BaseGeometry]]) -> list[str]:
    """Return one name per ``(lineage_id or None, WGS84 geometry)``."""
    if not items:
        return []
    try:
        from est.places import names_for_hotspots
    except ImportError:
        return [_district_name(ctx.districts(), g, ctx.area.name) for _lin, g in items]
    return names_for_hotspots(ctx.s, ctx.municipality_id(), list(items))


def _district_name(districts: list[tuple[str, str]], geometry: BaseGeometry,
                   fallback: str) -> str:
    point = geometry.representative_point()
    for name, geojson in districts:
        if shape(json.loads(geojson)).contains(point):
            return name
    return fallback
