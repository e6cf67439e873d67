"""Read report points from CSV or CSV.gz exports of other systems, with clear errors.

Columns are recognised by common names (``lon``/``lng``/``longitude``/``x``,
``lat``/``latitude``/``y``, ``occurred_at``/``date``/``time``/``datetime``,
``category``/``loc_cat``/``type``, ``kind``) or mapped explicitly
(``lon=X,lat=Y,time=T,category=C,kind=K``). Coordinates are WGS84 degrees; naive times are
wall-clock times in the given time zone.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

FIELDS = ("lon", "lat", "time", "category", "kind")
ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "long", "longitude", "x", "longitud"),
    "lat": ("lat", "latitude", "y", "latitud"),
    "time": ("occurred_at", "date", "time", "datetime", "timestamp", "datum", "tidpunkt"),
    "category": ("category", "loc_cat", "type", "kategori", "category_code"),
    "kind": ("kind", "typ_av_rapport"),
}
MAX_ERRORS_SHOWN = 3


class PointsFileError(ValueError):
    """The file cannot be read as points; the message says where and why."""


@dataclass
class PointsTable:
    """Points read from a file: WGS84 degrees, UTC times (or None), optional labels."""

    lon: np.ndarray
    lat: np.ndarray
    t: np.ndarray | None
    category: np.ndarray | None
    kind: np.ndarray | None
    columns: dict[str, str]

    def __len__(self) -> int:
        return int(self.lon.size)


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


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_points_csv(
    path: str | Path,
    columns: dict[str, str] | str | None = None,
    *,
    tz: str = "Europe/Stockholm",
) -> PointsTable:
    """Read points from a CSV (``,`` ``;`` or tab separated; ``.gz`` read directly).

    Parameters
    ----------
    path : str or Path
        The file.
    columns : dict or str, optional
        Explicit column mapping, overriding recognised names.
    tz : str
        Time zone of times without an offset.

    Returns
    -------
    PointsTable

    Raises
    ------
    PointsFileError
        Missing file or columns, unparseable rows (with line numbers), coordinates out of
        range, or no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise PointsFileError(f"file {path} does not exist")
    mapping = parse_columns(columns) if isinstance(columns, str) else dict(columns or {})
    try:
        with _open_text(path) as fh:
            head = fh.readline()
            if not head.strip():
                raise PointsFileError(f"{path} is empty")
            delimiter = max(",;\t", key=head.count)
            reader = csv.reader(fh, delimiter=delimiter)
            header = next(csv.reader([head], delimiter=delimiter))
            cols = _resolve_columns(header, mapping, path)
            idx = {k: header.index(v) for k, v in cols.items()}
            rows = list(reader)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise PointsFileError(f"cannot read {path}: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise PointsFileError(f"{path} has a header but no rows")
    decimal_comma = delimiter != ","
    lon, bad_lon = _floats(rows, idx["lon"], decimal_comma)
    lat, bad_lat = _floats(rows, idx["lat"], decimal_comma)
    errors = [(i, f"longitude {_cell(rows[i], idx['lon'])!r} is not a number") for i in bad_lon]
    errors += [(i, f"latitude {_cell(rows[i], idx['lat'])!r} is not a number") for i in bad_lat]
    ok = ~(np.isnan(lon) | np.isnan(lat))
    out_of_range = np.flatnonzero(ok & ((np.abs(lon) > 180) | (np.abs(lat) > 90)))
    errors += [(int(i), f"coordinates ({lon[i]}, {lat[i]}) are out of range "
                f"(longitude -180..180, latitude -90..90 degrees)") for i in out_of_range]
    t = None
    if "time" in idx:
        t, bad_t = _times([_cell(r, idx["time"]) for r in rows], tz)
        errors += [(i, f"time {_cell(rows[i], idx['time'])!r} is not a date/time") for i in bad_t]
    if errors:
        errors.sort()
        shown = "; ".join(f"line {i + 2}: {msg}" for i, msg in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        raise PointsFileError(
            f"{path}: {len(errors)} bad value(s) ({shown}{tail})"
            f". Columns used: {', '.join(f'{k}={v}' for k, v in cols.items())}"
        )
    cat = (np.array([_cell(r, idx["category"]).strip() for r in rows], dtype=object)
           if "category" in idx else None)
    kind = (np.array([_cell(r, idx["kind"]).strip() for r in rows], dtype=object)
            if "kind" in idx else None)
    return PointsTable(lon, lat, t, cat, kind, cols)


def _cell(row: list[str], i: int) -> str:
    return row[i] if i < len(row) else ""


def _resolve_columns(header: list[str], mapping: dict[str, str], path: Path) -> dict[str, str]:
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
    missing = [k for k in ("lon", "lat") if k not in cols]
    if missing:
        raise PointsFileError(
            f"{path}: no {' or '.join(missing)} column found among {', '.join(header)}; "
            "name them e.g. longitude/latitude or map them with --columns lon=X,lat=Y"
        )
    return cols


def _floats(rows: list[list[str]], i: int, decimal_comma: bool) -> tuple[np.ndarray, list[int]]:
    out = np.empty(len(rows), dtype=np.float64)
    bad = []
    for n, row in enumerate(rows):
        text = _cell(row, i).strip()
        if decimal_comma:
            text = text.replace(",", ".")
        try:
            out[n] = float(text)
        except ValueError:
            out[n] = np.nan
            bad.append(n)
            continue
        if not np.isfinite(out[n]):
            out[n] = np.nan
            bad.append(n)
    return out, bad


def _times(values: list[str], tz: str) -> tuple[np.ndarray, list[int]]:
    zone = ZoneInfo(tz)
    cache: dict[str, int | None] = {}
    out = np.empty(len(values), dtype=np.int64)
    bad = []
    for n, raw in enumerate(values):
        text = raw.strip()
        secs = cache.get(text, -1)
        if secs == -1:
            secs = _parse_time(text, zone)
            cache[text] = secs
        if secs is None:
            bad.append(n)
            out[n] = 0
        else:
            out[n] = secs
    return out.astype("datetime64[s]"), bad


def _parse_time(text: str, zone: ZoneInfo) -> int | None:
    if not text:
        return None
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        for fmt in ("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
                    "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H.%M"):
            try:
                d = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=zone)
    return int(d.astimezone(UTC).timestamp())
