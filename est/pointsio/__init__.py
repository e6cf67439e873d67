"""Read report points from CSV, CSV.gz or GeoJSON exports of other systems, with clear errors.

Columns (GeoJSON: properties) are recognised by common names (``lon``/``lng``/``longitude``/
``x``, ``lat``/``latitude``/``y``, ``occurred_at``/``date``/``time``/``datetime``,
``category``/``loc_cat``/``type``, ``kind``, ``org``/``organisation``) or mapped explicitly
(``lon=X,lat=Y,time=T,category=C,kind=K,org=O``). Coordinates are WGS84 degrees; naive times
are wall-clock times in the given time zone.
"""

from __future__ import annotations

from pathlib import Path

from est.pointsio.csvfile import read_points_csv
from est.pointsio.geojson import is_geojson, read_points_geojson
from est.pointsio.table import (
    ALIASES,
    FIELDS,
    MAX_ERRORS_SHOWN,
    PointsFileError,
    PointsTable,
    format_errors,
    parse_columns,
)

__all__ = ["ALIASES", "FIELDS", "MAX_ERRORS_SHOWN", "PointsFileError", "PointsTable",
           "format_errors", "parse_columns", "read_points", "read_points_csv",
           "read_points_geojson"]


def read_points(
    path: str | Path,
    columns: dict[str, str] | str | None = None,
    *,
    tz: str = "Europe/Stockholm",
    collect_errors: bool = False,
) -> PointsTable:
    """Read points from a CSV or a GeoJSON file (``.geojson``/``.json`` or content ``{``).

    Parameters and errors as :func:`read_points_csv` and :func:`read_points_geojson`.
    """
    path = Path(path)
    if is_geojson(path):
        return read_points_geojson(path, columns, tz=tz, collect_errors=collect_errors)
    return read_points_csv(path, columns, tz=tz, collect_errors=collect_errors)
