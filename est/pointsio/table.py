"""The points table, its errors and the column mapping shared by the CSV and GeoJSON readers."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from est.pointsio import values as _values

FIELDS = ("lon", "lat", "time", "category", "kind", "org")
ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "long", "longitude", "x", "longitud"),
    "lat": ("lat", "latitude", "y", "latitud"),
    "time": ("occurred_at", "date", "time", "datetime", "timestamp", "datum", "tidpunkt"),
    "category": ("category", "loc_cat", "type", "kategori", "category_code"),
    "kind": ("kind", "typ_av_rapport"),
    "org": ("org", "organisation", "organization", "organisation_name"),
}
MAX_ERRORS_SHOWN = 3


class PointsFileError(ValueError):
    """The file cannot be read as points; the message says where and why."""


@dataclass
class PointsTable:
    """Points read from a file: WGS84 degrees, UTC times (or None), optional labels.

    ``lines`` holds each row's line number in a CSV (``unit`` "line") or its 1-based feature
    number in GeoJSON (``unit`` "feature"); ``date_only`` marks times given as a date without a
    time of day (local midnight); ``month_only`` those given as ``YYYY-MM`` (the 1st at local
    midnight, also ``date_only``). ``errors`` lists ``(row index, message)`` of bad rows when
    the file was read with ``collect_errors``; those rows hold NaN coordinates or NaT times.
    """

    lon: np.ndarray
    lat: np.ndarray
    t: np.ndarray | None
    category: np.ndarray | None
    kind: np.ndarray | None
    columns: dict[str, str]
    org: np.ndarray | None = None
    date_only: np.ndarray | None = None
    lines: np.ndarray | None = None
    month_only: np.ndarray | None = None
    unit: str = "line"
    errors: list[tuple[int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.lon.size)

    def where(self, i: int) -> str:
        """Return ``line N`` or ``feature N`` for row index ``i``."""
        n = int(self.lines[i]) if self.lines is not None else i + 2
        return f"{self.unit} {n}"


def parse_columns(spec: str | None) -> dict[str, str]:
    """Parse ``lon=X,lat=Y,time=T,category=C`` into ``{"lon": "X", …}``."""
    if not spec:
        return {}
    out: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not value:
            raise PointsFileError(f"--columns entry {part!r} is not NAME=COLUMN")
        if key not in FIELDS:
            raise PointsFileError(
                f"--columns name {key!r} is not one of {', '.join(FIELDS)}"
            )
        out[key] = value
    return out


def open_text(path: Path):
    """Open a text file (UTF-8, a BOM skipped; gzip detected by its magic bytes)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def format_errors(table: PointsTable, errors: list[tuple[int, str]],
                  limit: int = MAX_ERRORS_SHOWN, sep: str = "; ") -> str:
    """Return the first ``limit`` errors as ``line N: message`` joined by ``sep``."""
    errors = sorted(errors)
    shown = sep.join(f"{table.where(i)}: {msg}" for i, msg in errors[:limit])
    more = len(errors) - limit
    return shown + (f"{sep}and {more} more" if more > 0 else "")


def resolve_columns(header: list[str], mapping: dict[str, str], path: Path,
                    required: tuple[str, ...] = ("lon", "lat")) -> dict[str, str]:
    lower = {h.strip().lower(): h for h in header}
    cols: dict[str, str] = {}
    for key in FIELDS:
        if key in mapping:
            name = mapping[key]
            if name not in header:
                found = lower.get(name.strip().lower())
                if found is None:
                    raise PointsFileError(
                        f"--columns {key}={name}: {path} has no column {name!r} "
                        f"(columns: {', '.join(header)})"
                    )
                name = found
            cols[key] = name
            continue
        for alias in ALIASES[key]:
            if alias in lower:
                cols[key] = lower[alias]
                break
    missing = [k for k in required if k not in cols]
    if missing:
        raise PointsFileError(
            f"{path}: no {' or '.join(missing)} column found among {', '.join(header)}; "
            "name them e.g. longitude/latitude or map them with --columns lon=X,lat=Y"
        )
    return cols


def build_table(path: Path, lon: np.ndarray, lat: np.ndarray, errors: list[tuple[int, str]],
                times: np.ndarray | None, category: np.ndarray | None, kind: np.ndarray | None,
                org: np.ndarray | None, cols: dict[str, str], lines: np.ndarray, unit: str,
                tz: str, collect_errors: bool) -> PointsTable:
    """Check ranges and times of parsed columns (text cells), raise or collect the errors."""
    ok = ~(np.isnan(lon) | np.isnan(lat))
    out_of_range = np.flatnonzero(ok & ((np.abs(lon) > 180) | (np.abs(lat) > 90)))
    errors += [(int(i), f"coordinates ({lon[i]}, {lat[i]}) are out of range "
                f"(longitude -180..180, latitude -90..90 degrees)") for i in out_of_range]
    t = date_only = month_only = None
    if times is not None:
        t, bad_t, date_only, month_only = _values.times(times, tz)
        for i in bad_t:
            raw = _values.as_text(times[i])
            errors.append((i, f"time {raw!r} is not a date/time" if raw.strip()
                           else "time is empty"))
    table = PointsTable(lon, lat, t, _values.labels(category), _values.labels(kind), cols,
                        org=_values.labels(org), date_only=date_only, lines=lines, unit=unit,
                        errors=sorted(errors), month_only=month_only)
    if errors and not collect_errors:
        raise PointsFileError(
            f"{path}: {len(errors)} bad value(s) ({format_errors(table, errors)})"
            f". Columns used: {', '.join(f'{k}={v}' for k, v in cols.items())}"
        )
    return table
