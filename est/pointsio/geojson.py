"""Read Point features from a GeoJSON file in WGS84."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from est.pointsio.table import (
    PointsFileError,
    PointsTable,
    build_table,
    open_text,
    parse_columns,
    resolve_columns,
)
from geo.validation import is_wgs84_crs_name


def read_points_geojson(
    path: str | Path,
    columns: dict[str, str] | str | None = None,
    *,
    tz: str = "Europe/Stockholm",
    collect_errors: bool = False,
) -> PointsTable:
    """Read Point features from a GeoJSON file in WGS84 (``.gz`` read directly).

    Parameters
    ----------
    path : str or Path
        A FeatureCollection (or a single Feature) of Points, coordinates in WGS84 degrees.
    columns : dict or str, optional
        Explicit mapping of ``time``, ``category``, ``kind`` and ``org`` to property names;
        coordinates always come from the geometry.
    tz : str
        Time zone of times without an offset.
    collect_errors : bool
        Return bad features as ``PointsTable.errors`` instead of raising.

    Returns
    -------
    PointsTable
        Row ``i`` is feature ``i + 1`` (``PointsTable.unit`` is "feature").

    Raises
    ------
    PointsFileError
        Missing or unreadable file, another CRS than WGS84, no features, a ``--columns``
        entry for lon/lat or a missing property, or (unless ``collect_errors``) features that
        are not Points with valid coordinates and times.
    """
    path = Path(path)
    if not path.is_file():
        raise PointsFileError(f"file {path} does not exist")
    mapping = parse_columns(columns) if isinstance(columns, str) else dict(columns or {})
    if "lon" in mapping or "lat" in mapping:
        raise PointsFileError("GeoJSON coordinates come from the geometry; "
                              "map only time, category, kind and org with --columns")
    try:
        with open_text(path) as fh:
            data = json.load(fh)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise PointsFileError(f"cannot read {path} as GeoJSON: {exc}") from None
    if not isinstance(data, dict):
        raise PointsFileError(f"{path} is not a GeoJSON object")
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if not is_wgs84_crs_name(crs_name):
        raise PointsFileError(f"{path} is in {crs_name}; convert it to WGS84 (EPSG:4326) "
                              "longitude/latitude first")
    if data.get("type") == "FeatureCollection":
        features = data.get("features") or []
    elif data.get("type") == "Feature":
        features = [data]
    else:
        raise PointsFileError(f"{path} is not a GeoJSON FeatureCollection or Feature")
    if not features:
        raise PointsFileError(f"{path} has no features")
    props = [_properties(f) for f in features]
    names = list(dict.fromkeys(k for p in props for k in p))
    cols = resolve_columns(names, mapping, path, required=())
    cols.pop("lon", None)
    cols.pop("lat", None)
    lon = np.full(len(features), np.nan)
    lat = np.full(len(features), np.nan)
    errors = []
    for i, feat in enumerate(features):
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        kind = geom.get("type") if isinstance(geom, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if kind != "Point":
            errors.append((i, f"geometry is {kind or 'missing'}, not a Point"))
        elif (not isinstance(coords, list) or len(coords) < 2
              or not all(isinstance(c, int | float) and not isinstance(c, bool)
                         for c in coords[:2])
              or not np.isfinite(coords[:2]).all()):
            errors.append((i, f"coordinates {coords!r} are not two numbers"))
        else:
            lon[i], lat[i] = float(coords[0]), float(coords[1])

    def column(key: str) -> np.ndarray | None:
        if key not in cols:
            return None
        return np.array(["" if p.get(cols[key]) is None else str(p.get(cols[key]))
                         for p in props], dtype=object)

    return build_table(path, lon, lat, errors, column("time"), column("category"),
                       column("kind"), column("org"), cols, np.arange(1, len(features) + 1),
                       "feature", tz, collect_errors)


def _properties(feature) -> dict:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def is_geojson(path: Path) -> bool:
    """Tell a GeoJSON file by its suffix or by content starting with ``{``."""
    suffixes = [s.lower() for s in path.suffixes]
    if ".geojson" in suffixes or suffixes[-1:] == [".json"] or suffixes[-2:] == [".json", ".gz"]:
        return True
    if not path.is_file():
        return False
    try:
        with open_text(path) as fh:
            return fh.read(256).lstrip().startswith("{")
    except (OSError, EOFError, UnicodeDecodeError):
        return False


