"""Validation of WGS84 coordinates and polygons before they reach analysis or storage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "CRS84",
}


class CoordinateError(ValueError):
    """Coordinates are not valid WGS84 longitude/latitude in degrees."""


def check_lonlat(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Return ``lon``, ``lat`` as float arrays after checking they are WGS84 degrees.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees (EPSG:4326, x = longitude).

    Returns
    -------
    tuple of numpy.ndarray
        The coordinates as ``float64`` arrays of equal length.

    Raises
    ------
    CoordinateError
        If lengths differ, a value is not a finite number, or a value lies outside
        -180..180 (longitude) or -90..90 (latitude); the message names the first bad row.
    """
    try:
        x = np.asarray(lon, dtype="float64").ravel()
        y = np.asarray(lat, dtype="float64").ravel()
    except (TypeError, ValueError):
        raise CoordinateError("coordinates must be numbers") from None
    if x.shape != y.shape:
        raise CoordinateError(f"{x.size} longitudes but {y.size} latitudes")
    bad = ~np.isfinite(x) | ~np.isfinite(y)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CoordinateError(f"row {i}: coordinate is not a finite number ({x[i]}, {y[i]})")
    bad = (np.abs(x) > 180) | (np.abs(y) > 90)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CoordinateError(
            f"row {i}: ({x[i]}, {y[i]}) is outside WGS84 longitude -180..180 / latitude -90..90; "
            "are these projected coordinates (metres) rather than degrees?"
        )
    return x, y


def is_wgs84_crs_name(name: str | None) -> bool:
    """Return True if a GeoJSON ``crs`` name denotes WGS84 longitude/latitude (or is absent)."""
    if name is None:
        return True
    return name.strip() in WGS84_NAMES or name.strip().upper() in {"EPSG:4326", "CRS84"}


@dataclass(frozen=True)
class PolygonRepair:
    """The outcome of repairing one polygon: the valid multipolygon and what was wrong."""

    geometry: MultiPolygon
    problem: str | None


def to_valid_multipolygon(geom: BaseGeometry) -> PolygonRepair:
    """Return ``geom`` as a valid MultiPolygon, repairing it with ``make_valid`` if needed.

    Parameters
    ----------
    geom : shapely geometry
        A Polygon or MultiPolygon in WGS84 degrees.

    Returns
    -------
    PolygonRepair
        The valid multipolygon and a short description of the defect that was repaired
        (``None`` if the input was already valid).

    Raises
    ------
    ValueError
        If ``geom`` is not polygonal, or nothing polygonal is left after repair.
    """
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValueError(f"expected a Polygon or MultiPolygon, got {geom.geom_type}")
    problem = None
    if not geom.is_valid:
        problem = shapely.is_valid_reason(geom)
        geom = shapely.make_valid(geom)
    polys = _polygon_parts(geom)
    if not polys:
        raise ValueError(f"no polygon area left after repair ({problem or 'empty geometry'})")
    return PolygonRepair(MultiPolygon(polys), problem)


def _polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty and geom.area > 0 else []
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygon_parts(g)]
    return []
