"""Map data read for several pages: the municipality's districts as GeoJSON features."""

from __future__ import annotations

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from est.review import districts
from web.db import get_session


def district_features(area_id: int) -> list[dict]:
    """Return the districts of municipality ``area_id`` as GeoJSON features (WGS84) with
    their ``name`` (public place names: shown on public and staff maps alike)."""
    return [{"type": "Feature", "geometry": mapping(to_shape(d.geom)),
             "properties": {"name": d.name}} for d in districts(get_session(), area_id)]
