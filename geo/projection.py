"""WGS84 ↔ projected CRS conversions with cached, vectorised pyproj transformers."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

WGS84 = 4326
DEFAULT_PROJECTED_CRS = 3006  # SWEREF 99 TM, metres


def parse_epsg(crs: int | str) -> int:
    """Return the EPSG code of ``crs`` given as ``3006``, ``"3006"`` or ``"EPSG:3006"``.

    Parameters
    ----------
    crs : int or str
        An EPSG code, optionally prefixed with ``EPSG:`` (case-insensitive).

    Returns
    -------
    int
        The EPSG code.

    Raises
    ------
    ValueError
        If the text is not an EPSG code.
    """
    if isinstance(crs, bool):
        raise ValueError(f"CRS must be an EPSG code such as 3006 or EPSG:3006, not {crs!r}")
    if isinstance(crs, int | np.integer):
        return int(crs)
    text = str(crs).strip().upper().removeprefix("EPSG:")
    if not text.isdigit():
        raise ValueError(f"CRS must be an EPSG code such as 3006 or EPSG:3006, not {crs!r}")
    return int(text)


@lru_cache(maxsize=64)
def validate_projected_crs(crs: int | str) -> int:
    """Check that ``crs`` is a projected CRS measured in metres and return its EPSG code.

    Parameters
    ----------
    crs : int or str
        EPSG code (``3006``, ``"EPSG:26916"``).

    Returns
    -------
    int
        The EPSG code.

    Raises
    ------
    ValueError
        If the code is unknown, geographic (degrees) or uses units other than metres.
    """
    code = parse_epsg(crs)
    try:
        obj = CRS.from_epsg(code)
    except CRSError:
        raise ValueError(f"EPSG:{code} is not a known coordinate reference system") from None
    if not obj.is_projected:
        raise ValueError(
            f"EPSG:{code} ({obj.name}) is not a projected CRS; distances need metres, "
            "use e.g. EPSG:3006 (SWEREF 99 TM) or a UTM zone"
        )
    units = {axis.unit_name.lower() for axis in obj.axis_info}
    if units != {"metre"}:
        raise ValueError(
            f"EPSG:{code} ({obj.name}) is measured in {', '.join(sorted(units))}, not metres"
        )
    return code


@lru_cache(maxsize=64)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _as_float_arrays(a, b) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"coordinate arrays differ in length: {a.size} and {b.size}")
    return a, b


def check_lonlat(lon, lat) -> None:
    """Raise ValueError when WGS84 coordinates are not finite or out of range.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees (EPSG:4326).

    Raises
    ------
    ValueError
        Naming the first offending index and value.
    """
    lon, lat = _as_float_arrays(lon, lat)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{int(bad.sum())} coordinate(s) out of range; first at index {i}: "
            f"lon={lon[i]!r}, lat={lat[i]!r} (expected -180..180, -90..90 degrees)"
        )


def to_projected(lon, lat, crs: int | str = DEFAULT_PROJECTED_CRS) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitudes/latitudes to ``crs``.

    Parameters
    ----------
    lon, lat : array_like
        Longitudes and latitudes in degrees, EPSG:4326.
    crs : int or str, default 3006
        Projected target CRS with metre units.

    Returns
    -------
    x, y : numpy.ndarray
        Easting and northing in metres (float64).

    Raises
    ------
    ValueError
        If ``crs`` is not projected in metres, coordinates are out of range, or the
        projection yields non-finite values (points far outside the CRS's area of use).
    """
    code = validate_projected_crs(crs)
    lon, lat = _as_float_arrays(lon, lat)
    check_lonlat(lon, lat)
    if lon.size == 0:
        return lon.copy(), lat.copy()
    x, y = _transformer(WGS84, code).transform(lon, lat)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{int(bad.sum())} point(s) cannot be projected to EPSG:{code}; first at index {i}: "
            f"lon={lon[i]}, lat={lat[i]}"
        )
    return x, y


def to_wgs84(x, y, crs: int | str = DEFAULT_PROJECTED_CRS) -> tuple[np.ndarray, np.ndarray]:
    """Convert projected coordinates in metres back to WGS84 degrees.

    Parameters
    ----------
    x, y : array_like
        Easting and northing in metres in ``crs``.
    crs : int or str, default 3006
        Projected source CRS with metre units.

    Returns
    -------
    lon, lat : numpy.ndarray
        Longitudes and latitudes in degrees, EPSG:4326.
    """
    code = validate_projected_crs(crs)
    x, y = _as_float_arrays(x, y)
    if x.size == 0:
        return x.copy(), y.copy()
    lon, lat = _transformer(code, WGS84).transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def geometry_to_wgs84(geom: shapely.Geometry, crs: int | str = DEFAULT_PROJECTED_CRS):
    """Return ``geom`` (coordinates in metres in ``crs``) with WGS84 degree coordinates.

    Parameters
    ----------
    geom : shapely.Geometry
        Geometry in the projected CRS ``crs`` (metres).
    crs : int or str, default 3006
        Projected source CRS.

    Returns
    -------
    shapely.Geometry
        The same geometry in EPSG:4326 (x = longitude, y = latitude).
    """
    code = validate_projected_crs(crs)
    transformer = _transformer(code, WGS84)

    def _apply(coords: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, _apply)


def geometry_to_projected(geom: shapely.Geometry, crs: int | str = DEFAULT_PROJECTED_CRS):
    """Return a WGS84 ``geom`` (degrees) projected to ``crs`` (metres).

    Parameters
    ----------
    geom : shapely.Geometry
        Geometry in EPSG:4326 (x = longitude, y = latitude).
    crs : int or str, default 3006
        Projected target CRS with metre units.

    Returns
    -------
    shapely.Geometry
        The same geometry in ``crs``, coordinates in metres.
    """
    code = validate_projected_crs(crs)
    transformer = _transformer(WGS84, code)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, _apply)
