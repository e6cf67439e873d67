"""Import SCB population per DeSO/RegSO (PxWeb JSON-stat2 or CSV) and DeSO/RegSO boundaries.

Population: SCB's statistical database (PxWeb) saved as JSON-stat2 (``"class":
"dataset"`` with ``id``, ``size``, ``dimension`` and ``value``) or as CSV (a region column
and one column per year, or ``region``, ``år``, ``antal`` columns). Region codes say their
kind: ``1861C1010`` a DeSO, ``1861R001`` a RegSO, ``1861`` a municipality, ``18`` a county,
``00`` the country. Every dimension but region and time must hold one value (choose e.g.
"totalt" for sex when exporting).

Boundaries: SCB's DeSO or RegSO layer as GeoJSON (a property ``deso`` or ``regsokod`` with
the code, ``regso`` with a RegSO's name), in WGS84 or in SWEREF 99 TM (EPSG:3006, SCB's own
CRS, named in the file's ``crs`` member). Each area becomes an ``area`` of kind ``deso`` or
``regso`` whose parent is its municipality (the code's first four digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.inputs.files import RowErrors, check_text, parse_number, read_csv, read_json
from est.models import Area
from est.models.inputs import Population
from geo.validation import CoordinateError, check_lonlat, is_wgs84_crs_name, to_valid_multipolygon

KIND_PATTERNS = (("deso", r"\d{4}[A-C]\d{4}"), ("regso", r"\d{4}R\d{3}"),
                 ("kommun", r"\d{4}"), ("lan", r"\d{2}"))
REGION_HEADERS = ("region", "område", "omrade", "regionkod", "deso", "regso")
YEAR_HEADERS = ("år", "ar", "tid", "year")
COUNT_HEADERS = ("antal", "folkmängd", "folkmangd", "befolkning", "value", "värde")
CODE_PROPERTIES = ("deso", "desokod", "deso_kod", "regsokod", "regso_kod", "kod", "code")
NAME_PROPERTIES = ("regso", "regsonamn", "namn", "name")


@dataclass(frozen=True)
class PopulationImportResult:
    """What the import stored."""

    rows: int
    by_kind: dict[str, int]
    years: tuple[int, ...]


@dataclass(frozen=True)
class BoundaryImportResult:
    """What the boundary import stored."""

    created: int
    updated: int
    kind: str
    municipalities: tuple[str, ...]


def region_kind(code: str) -> str:
    """Return deso, regso, kommun, lan or riket for an SCB region code; ValueError if none."""
    if code == "00":
        return "riket"
    for kind, pattern in KIND_PATTERNS:
        if re.fullmatch(pattern, code):
            return kind
    raise ValueError(f"region {code!r} is not an SCB code (DeSO 1861C1010, RegSO 1861R001, "
                     "kommun 1861, län 18, riket 00)")


def _code(cell: object) -> str:
    text = str(cell or "").strip()
    return text.split()[0] if text else ""


def _year(value: object) -> int:
    m = re.search(r"(?<!\d)(\d{4})(?!\d)", str(value or ""))
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError(f"year {value!r} is not from 2000 to 2100")
    return int(m.group(1))


def _count(raw: object) -> int | None:
    value = parse_number(raw)
    if value is None:
        return None
    if value < 0 or value != int(value):
        raise ValueError(f"population {raw!r} is not a whole number ≥ 0")
    return int(value)


def _from_jsonstat(data: dict, errors: RowErrors) -> list[tuple[str, str, int, int | None]]:
    ids, sizes, dims = data.get("id"), data.get("size"), data.get("dimension")
    if not (isinstance(ids, list) and isinstance(sizes, list) and isinstance(dims, dict)
            and len(ids) == len(sizes)):
        raise ValidationError("JSON-stat2 without id, size and dimension", field="file")
    region_dim = next((d for d in ids if d.lower() in REGION_HEADERS), None)
    time_dim = next((d for d in ids if d.lower() in YEAR_HEADERS), None)
    if region_dim is None or time_dim is None:
        raise ValidationError(f"JSON-stat2 dimensions {ids}: expected a 'Region' and a 'Tid' "
                              "dimension", field="file")
    for d, size in zip(ids, sizes, strict=True):
        if d not in (region_dim, time_dim) and size != 1:
            raise ValidationError(f"dimension {d!r} holds {size} values; export one (e.g. "
                                  "totalt)", field="file")
    values = data.get("value")
    if not isinstance(values, list | dict):
        raise ValidationError("JSON-stat2 without a 'value' list", field="file")
    positions = []
    for d in ids:
        index = ((dims.get(d) or {}).get("category") or {}).get("index")
        if isinstance(index, list):
            index = {k: i for i, k in enumerate(index)}
        if not isinstance(index, dict):
            raise ValidationError(f"dimension {d!r} has no category index", field="file")
        positions.append(sorted(index.items(), key=lambda kv: kv[1]))
    strides = [1] * len(ids)
    for k in range(len(ids) - 2, -1, -1):
        strides[k] = strides[k + 1] * sizes[k + 1]
    r, t = ids.index(region_dim), ids.index(time_dim)
    out = []
    for code, ri in positions[r]:
        for year_text, ti in positions[t]:
            flat = ri * strides[r] + ti * strides[t]
            where = f"value[{flat}] ({code}, {year_text})"
            try:
                raw = values.get(str(flat)) if isinstance(values, dict) else values[flat]
                out.append((_code(code), region_kind(_code(code)), _year(year_text),
                            _count(raw)))
            except (ValueError, IndexError, TypeError) as exc:
                errors.add(where, str(exc) or "missing value")
    return out


def _from_csv(path: str | Path, errors: RowErrors) -> list[tuple[str, str, int, int | None]]:
    header, rows = read_csv(path)
    low = [h.lower() for h in header]
    region_col = next((i for i, h in enumerate(low) if h in REGION_HEADERS), 0)
    year_col = next((i for i, h in enumerate(low) if h in YEAR_HEADERS), None)
    count_col = next((i for i, h in enumerate(low) if h in COUNT_HEADERS), None)
    year_cols = {i: int(m.group(1)) for i, h in enumerate(header)
                 if i != region_col and (m := re.search(r"(?<!\d)(\d{4})(?!\d)", h))}
    if not year_cols and (year_col is None or count_col is None):
        raise ValidationError(f"{Path(path).name}: expected year columns ('2024') or 'år' "
                              "and 'antal' columns", field="file")
    out = []
    for line, cells in rows:
        try:
            if len(cells) != len(header):
                raise ValueError(f"{len(cells)} cells, the header has {len(header)}")
            code = _code(cells[region_col])
            kind = region_kind(code)
            if year_cols:
                out += [(code, kind, y, _count(cells[i])) for i, y in year_cols.items()]
            else:
                assert year_col is not None and count_col is not None
                out.append((code, kind, _year(cells[year_col]), _count(cells[count_col])))
        except ValueError as exc:
            errors.add(f"line {line}", str(exc))
    return out


def import_population(session: Session, path: str | Path) -> PopulationImportResult:
    """Check every figure of an SCB population file, then store them all (or none)."""
    errors = RowErrors(str(path))
    if str(path).lower().endswith(".csv"):
        figures = _from_csv(path, errors)
    else:
        data = read_json(path)
        if not isinstance(data, dict) or data.get("class") != "dataset":
            raise ValidationError(f"{Path(path).name}: expected JSON-stat2 (\"class\": "
                                  "\"dataset\") or a .csv file", field="file")
        figures = _from_jsonstat(data, errors)
    seen: dict[tuple[str, int], int] = {}
    for code, _kind, year, _n in figures:
        seen[(code, year)] = seen.get((code, year), 0) + 1
    for (code, year), times in seen.items():
        if times > 1:
            errors.add(f"{code} {year}", f"appears {times} times (one value per region and "
                       "year: export sex and age as totals)")
    errors.raise_if_any()
    rows = [f for f in figures if f[3] is not None]
    if not rows:
        raise ValidationError(f"{Path(path).name} holds no population figures", field="file")
    with transaction(session):
        for code, kind, year, n in rows:
            stmt = insert(Population).values(region_kind=kind, region_code=code, year=year,
                                             count=n)
            session.execute(stmt.on_conflict_do_update(constraint="uq_population_key",
                                                       set_={"count": stmt.excluded.count}))
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[row[1]] = by_kind.get(row[1], 0) + 1
    return PopulationImportResult(rows=len(rows), by_kind=by_kind,
                                  years=tuple(sorted({r[2] for r in rows})))


def _prop(props: dict, names: tuple[str, ...]) -> str:
    low = {str(k).lower(): v for k, v in props.items()}
    for name in names:
        if low.get(name) not in (None, ""):
            return str(low[name]).strip()
    return ""


def import_boundaries(session: Session, path: str | Path) -> BoundaryImportResult:
    """Check every DeSO/RegSO feature of a GeoJSON file, then create or update the areas."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError(f"{Path(path).name}: expected a GeoJSON FeatureCollection",
                              field="file")
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name")
    to_wgs84 = None
    if crs and "3006" in str(crs):
        to_wgs84 = Transformer.from_crs(3006, 4326, always_xy=True).transform
    elif not is_wgs84_crs_name(crs):
        raise ValidationError(f"the file's CRS is {crs}; expected WGS84 (EPSG:4326) or "
                              "SWEREF 99 TM (EPSG:3006)", field="crs")
    errors = RowErrors(str(path))
    found: list[tuple[str, str, str, object]] = []
    for i, feature in enumerate(data.get("features") or [], start=1):
        where = f"feature {i}"
        try:
            props = feature.get("properties") or {}
            code = _prop(props, CODE_PROPERTIES)
            kind = region_kind(code)
            if kind not in ("deso", "regso"):
                raise ValueError(f"code {code!r} is not a DeSO or RegSO code")
            label = "DeSO" if kind == "deso" else "RegSO"
            name = check_text(_prop(props, NAME_PROPERTIES) if kind == "regso" else "",
                              "name", 200, required=False) or f"{label} {code}"
            geom = shape(feature.get("geometry") or {})
            if to_wgs84 is not None:
                geom = shapely.transform(geom, to_wgs84, interleaved=False)
            coords = shapely.get_coordinates(geom)
            check_lonlat(coords[:, 0], coords[:, 1])
            found.append((code, kind, name, to_valid_multipolygon(geom).geometry))
        except (ValueError, TypeError, AttributeError, CoordinateError) as exc:
            errors.add(where, str(exc) or "unreadable geometry")
    errors.raise_if_any()
    if not found:
        raise ValidationError(f"{Path(path).name} holds no DeSO or RegSO features",
                              field="file")
    kinds = {f[1] for f in found}
    if len(kinds) > 1:
        raise ValidationError("the file mixes DeSO and RegSO areas; import them separately",
                              field="file")
    kind = kinds.pop()
    with transaction(session):
        munis = {c: i for i, c in session.execute(
            select(Area.id, Area.code).where(Area.kind == "municipality"))}
        for i, (code, _k, _n, _g) in enumerate(found, start=1):
            if code[:4] not in munis:
                errors.add(f"feature {i}", f"municipality {code[:4]} is not imported (`est "
                           "areas import` first)")
        errors.raise_if_any()
        existing = {a.code: a for a in session.scalars(
            select(Area).where(Area.kind == kind, Area.code.in_([f[0] for f in found])))}
        for code, _k, name, geom in found:
            area = existing.get(code)
            if area is None:
                area = Area(kind=kind, code=code)
                session.add(area)
            area.name = name
            area.parent_id = munis[code[:4]]
            area.geom = from_shape(geom, srid=4326)
    return BoundaryImportResult(created=len(found) - len(existing), updated=len(existing),
                                kind=kind,
                                municipalities=tuple(sorted({f[0][:4] for f in found})))
