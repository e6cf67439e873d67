"""Read report points from CSV, CSV.gz or GeoJSON exports of other systems, with clear errors.

Columns (GeoJSON: properties) are recognised by common names (``lon``/``lng``/``longitude``/
``x``, ``lat``/``latitude``/``y``, ``occurred_at``/``date``/``time``/``datetime``,
``category``/``loc_cat``/``type``, ``kind``, ``org``/``organisation``) or mapped explicitly
(``lon=X,lat=Y,time=T,category=C,kind=K,org=O``). Coordinates are WGS84 degrees; naive times
are wall-clock times in the given time zone.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from geo.validation import is_wgs84_crs_name

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
_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
# A month without a day (``2024-05``): stored on the 1st at local midnight, precision month.
_MONTH_ONLY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FORMATS = (  # (strptime format, has a time of day)
    ("%Y/%m/%d %H:%M", True), ("%Y/%m/%d %H:%M:%S", True), ("%m/%d/%Y %I:%M:%S %p", True),
    ("%m/%d/%Y %H:%M", True), ("%d.%m.%Y %H:%M", True), ("%Y-%m-%d %H.%M", True),
    ("%Y/%m/%d", False), ("%d.%m.%Y", False),
)


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


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


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
    if _is_geojson(path):
        return read_points_geojson(path, columns, tz=tz, collect_errors=collect_errors)
    return read_points_csv(path, columns, tz=tz, collect_errors=collect_errors)


def read_points_csv(
    path: str | Path,
    columns: dict[str, str] | str | None = None,
    *,
    tz: str = "Europe/Stockholm",
    collect_errors: bool = False,
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
    collect_errors : bool
        Return bad values as ``PointsTable.errors`` (rows with NaN/NaT) instead of raising.

    Returns
    -------
    PointsTable

    Raises
    ------
    PointsFileError
        Missing file or columns, no rows, or (unless ``collect_errors``) unparseable rows
        (with line numbers) and coordinates out of range.
    """
    path = Path(path)
    if not path.is_file():
        raise PointsFileError(f"file {path} does not exist")
    mapping = parse_columns(columns) if isinstance(columns, str) else dict(columns or {})
    rows: list[list[str]] = []
    lines: list[int] = []
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
            done = 0  # physical lines the reader has consumed after the header
            for row in reader:
                first_line = done + 2
                done = reader.line_num
                if any(cell.strip() for cell in row):
                    rows.append(row)
                    lines.append(first_line)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise PointsFileError(f"cannot read {path}: {exc}") from None
    if not rows:
        raise PointsFileError(f"{path} has a header but no rows")
    decimal_comma = delimiter != ","
    lon, bad_lon = _floats([_cell(r, idx["lon"]) for r in rows], decimal_comma)
    lat, bad_lat = _floats([_cell(r, idx["lat"]) for r in rows], decimal_comma)
    errors = [(i, f"longitude {_cell(rows[i], idx['lon'])!r} is not a number") for i in bad_lon]
    errors += [(i, f"latitude {_cell(rows[i], idx['lat'])!r} is not a number") for i in bad_lat]

    def column(key: str) -> list[str] | None:
        return [_cell(r, idx[key]) for r in rows] if key in idx else None

    return _table(path, lon, lat, errors, column("time"), column("category"), column("kind"),
                  column("org"), cols, np.array(lines), "line", tz, collect_errors)


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
        with _open_text(path) as fh:
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
    cols = _resolve_columns(names, mapping, path, required=())
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

    def column(key: str) -> list[str] | None:
        if key not in cols:
            return None
        return ["" if p.get(cols[key]) is None else str(p.get(cols[key])) for p in props]

    return _table(path, lon, lat, errors, column("time"), column("category"), column("kind"),
                  column("org"), cols, np.arange(1, len(features) + 1), "feature", tz,
                  collect_errors)


def format_errors(table: PointsTable, errors: list[tuple[int, str]],
                  limit: int = MAX_ERRORS_SHOWN, sep: str = "; ") -> str:
    """Return the first ``limit`` errors as ``line N: message`` joined by ``sep``."""
    errors = sorted(errors)
    shown = sep.join(f"{table.where(i)}: {msg}" for i, msg in errors[:limit])
    more = len(errors) - limit
    return shown + (f"{sep}and {more} more" if more > 0 else "")


def _properties(feature) -> dict:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def _is_geojson(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes]
    if ".geojson" in suffixes or suffixes[-1:] == [".json"] or suffixes[-2:] == [".json", ".gz"]:
        return True
    if not path.is_file():
        return False
    try:
        with _open_text(path) as fh:
            return fh.read(256).lstrip().startswith("{")
    except (OSError, EOFError, UnicodeDecodeError):
        return False


def _table(path: Path, lon: np.ndarray, lat: np.ndarray, errors: list[tuple[int, str]],
           times: list[str] | None, category: list[str] | None, kind: list[str] | None,
           org: list[str] | None, cols: dict[str, str], lines: np.ndarray, unit: str,
           tz: str, collect_errors: bool) -> PointsTable:
    ok = ~(np.isnan(lon) | np.isnan(lat))
    out_of_range = np.flatnonzero(ok & ((np.abs(lon) > 180) | (np.abs(lat) > 90)))
    errors += [(int(i), f"coordinates ({lon[i]}, {lat[i]}) are out of range "
                f"(longitude -180..180, latitude -90..90 degrees)") for i in out_of_range]
    t = date_only = month_only = None
    if times is not None:
        month_only = np.array([bool(_MONTH_ONLY.match(v.strip())) for v in times], dtype=bool)
        t, bad_t, date_only = _times([f"{v.strip()}-01" if m else v
                                      for v, m in zip(times, month_only, strict=True)], tz)
        errors += [(i, f"time {times[i]!r} is not a date/time" if times[i].strip()
                    else "time is empty") for i in bad_t]

    def labels(values: list[str] | None) -> np.ndarray | None:
        return None if values is None else np.array([v.strip() for v in values], dtype=object)

    table = PointsTable(lon, lat, t, labels(category), labels(kind), cols, org=labels(org),
                        date_only=date_only, lines=lines, unit=unit, errors=sorted(errors),
                        month_only=month_only)
    if errors and not collect_errors:
        raise PointsFileError(
            f"{path}: {len(errors)} bad value(s) ({format_errors(table, errors)})"
            f". Columns used: {', '.join(f'{k}={v}' for k, v in cols.items())}"
        )
    return table


def _cell(row: list[str], i: int) -> str:
    return row[i] if i < len(row) else ""


def _resolve_columns(header: list[str], mapping: dict[str, str], path: Path,
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


def _floats(values: list[str], decimal_comma: bool) -> tuple[np.ndarray, list[int]]:
    out = np.empty(len(values), dtype=np.float64)
    bad = []
    for n, raw in enumerate(values):
        text = raw.strip()
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


def _times(values: list[str], tz: str) -> tuple[np.ndarray, list[int], np.ndarray]:
    zone = ZoneInfo(tz)
    cache: dict[str, tuple[int, bool] | None] = {}
    out = np.empty(len(values), dtype=np.int64)
    date_only = np.zeros(len(values), dtype=bool)
    bad = []
    for n, raw in enumerate(values):
        text = raw.strip()
        if text in cache:
            parsed = cache[text]
        else:
            parsed = cache[text] = _parse_time(text, zone)
        if parsed is None:
            bad.append(n)
            out[n] = np.iinfo(np.int64).min  # NaT
        else:
            out[n], date_only[n] = parsed
    return out.astype("datetime64[s]"), bad, date_only


def _parse_time(text: str, zone: ZoneInfo) -> tuple[int, bool] | None:
    """Return (UTC epoch seconds, date only) or None when ``text`` is no date/time."""
    if not text:
        return None
    has_time = not _DATE_ONLY.match(text)
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        for fmt, fmt_has_time in _FORMATS:
            try:
                d = datetime.strptime(text, fmt)
                has_time = fmt_has_time
                break
            except ValueError:
                continue
        else:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=zone)
    try:
        return int(d.astimezone(UTC).timestamp()), not has_time
    except (OverflowError, ValueError):  # year 1 or 9999 shifted past Python's range
        return None
