"""GeoJSON as RFC 7946 wants it: the one place every GeoJSON output is shaped.

Coordinates are WGS84 longitude/latitude in degrees (the only CRS of RFC 7946, so no
``crs`` member), rounded to 6 decimals (about 0.1 m). Polygon exterior rings run
counter-clockwise and holes clockwise (RFC 7946 §3.1.6, the right-hand rule). A collection
holds one geometry type, so GDAL/QGIS read it as one typed layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

PRECISION = 6  # decimals of a degree: about 0.1 m
MEDIA_TYPE = "application/geo+json"


def orient_and_round(geometry: Mapping[str, Any] | BaseGeometry, *, multi: bool = False,
                     precision: int = PRECISION) -> dict:
    """Return a GeoJSON geometry (WGS84 degrees) rounded to ``precision`` decimals and oriented.

    Exterior rings become counter-clockwise and holes clockwise; rounding comes first so the
    orientation holds for the published coordinates. ``multi`` turns a Polygon into a
    MultiPolygon (one geometry type per layer).
    """
    if isinstance(geometry, Mapping):
        if geometry.get("type") == "Point":  # the common case, without shapely
            x, y = geometry["coordinates"][:2]
            return {"type": "Point", "coordinates": [round(float(x), precision),
                                                      round(float(y), precision)]}
        geom = shape(geometry)
    else:
        geom = geometry
    geom = shapely.transform(geom, lambda xy: np.round(xy, precision))
    if isinstance(geom, Polygon):
        geom = orient(geom, 1.0)
        if multi:
            geom = MultiPolygon([geom])
    elif isinstance(geom, MultiPolygon):
        geom = MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    out = mapping(geom)
    return {"type": out["type"], "coordinates": _lists(out["coordinates"], precision)}


def feature(geometry: Mapping[str, Any] | BaseGeometry | None, properties: Mapping[str, Any],
            *, id: str | int | None = None, multi: bool = False) -> dict:  # noqa: A002
    """Return a GeoJSON Feature with an oriented, rounded geometry (WGS84 degrees)."""
    out: dict[str, Any] = {"type": "Feature"}
    if id is not None:
        out["id"] = id
    out["geometry"] = (None if geometry is None
                       else orient_and_round(geometry, multi=multi))
    out["properties"] = dict(properties)
    return out


def collection(features: Iterable[Mapping[str, Any]], **members: Any) -> dict:
    """Return a FeatureCollection of ``features`` (from :func:`feature`) plus foreign members.

    Raises ValueError if the features mix geometry types (a layer has one type) or a
    ``crs`` member is given (RFC 7946 has none).
    """
    if "crs" in members:
        raise ValueError("RFC 7946 GeoJSON has no crs member (it is always WGS84)")
    items = [dict(f) for f in features]
    kinds = {f["geometry"]["type"] for f in items if f.get("geometry")}
    if len(kinds) > 1:
        raise ValueError(f"one geometry type per collection, got {sorted(kinds)}")
    return {"type": "FeatureCollection", **members, "features": items}


def normalise(body: Mapping[str, Any], *, multi: bool = False) -> dict:
    """Return a FeatureCollection with every feature's geometry oriented and rounded."""
    members = {k: v for k, v in body.items() if k not in ("type", "features", "crs")}
    features = [{**f, "geometry": (orient_and_round(f["geometry"], multi=multi)
                                   if f.get("geometry") else None)}
                for f in body.get("features", [])]
    return collection(features, **members)


def _lists(coords: Any, precision: int) -> Any:
    """Turn shapely's nested tuples into lists of correctly rounded floats (JSON arrays)."""
    if coords and isinstance(coords[0], tuple | list):
        return [_lists(c, precision) for c in coords]
    return [round(float(c), precision) for c in coords]
