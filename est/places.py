"""Place names: name hot spots and otrygga platser after the municipality's named places.

A geometry is named after the nearest named place inside it or within ``max_distance_m``
(PostGIS KNN on ``place``), else after the street or address of a loaded gazetteer near it,
else after the district it lies in, else after the municipality. A name staff give a hot
spot lineage (table ``lineage_name``) wins and follows the lineage across weeks.

Street and address rows of a gazetteer live in ``place`` too, marked by
``sort_order >= GAZETTEER_SORT`` so the public report form does not list them (the schema has
no ``place.kind`` column yet).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely import wkb as shapely_wkb
from shapely import wkt as shapely_wkt
from shapely.geometry import shape
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import Area, Place
from est.models.hotspots import LineageName
from geo.validation import CoordinateError, check_lonlat

DEFAULT_MAX_DISTANCE_M = 150.0
GAZETTEER_SORT = 30_000  # place.sort_order from here on: gazetteer streets and addresses
GAZETTEER_KINDS = frozenset({"gata", "adress", "street", "address"})
NAME_MAX = 200
KIND_RE = re.compile(r"^[a-z_]{1,32}$")
NEAR_MUNICIPALITY_M = 2000.0


# -- naming ------------------------------------------------------------------------------------

def name_places(session: Session, area_id: int, geometries: Sequence,
                *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M) -> list[str]:
    """Return one human name per geometry (WGS84 Shapely geometries or WKB/WKBElement).

    ``area_id`` is the municipality. Order of preference: the named place nearest the
    geometry (inside it, or within ``max_distance_m`` metres of its edge; among places at the
    same distance the one nearest its centre), a gazetteer street or address within the same
    distance together with the district ("Storgatan, Hallsberg tätort"), the district, the
    municipality.
    """
    shapes = [_shape(g) for g in geometries]
    if not shapes:
        return []
    wkbs = [shapely_wkb.dumps(s) for s in shapes]
    rows = session.execute(_NEAREST, {"wkbs": wkbs, "area_id": area_id,
                                      "limit": float(max_distance_m), "gaz": GAZETTEER_SORT})
    place: dict[int, str] = {}
    street: dict[int, str] = {}
    for i, name, gazetteer in rows:
        (street if gazetteer else place).setdefault(int(i) - 1, name)
    district = _districts_of(session, area_id, wkbs)
    fallback = session.scalar(select(Area.name).where(Area.id == area_id)) or ""
    names = []
    for i in range(len(shapes)):
        if i in place:
            names.append(place[i])
        elif i in street:
            names.append(f"{street[i]}, {district[i]}" if district.get(i) else street[i])
        else:
            names.append(district.get(i) or fallback)
    return names


def name_for_lineage(session: Session, lineage_id: uuid.UUID | str | None, area_id: int,
                     geometry, *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M) -> str:
    """Return the staff-given name of a hot spot lineage, else the name of its geometry."""
    return names_for_hotspots(session, area_id, [(lineage_id, geometry)],
                              max_distance_m=max_distance_m)[0]


def names_for_hotspots(session: Session, area_id: int, items: Iterable[tuple[object, object]],
                       *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M) -> list[str]:
    """Return names for ``(lineage_id, geometry)`` pairs: staff names first, else by place."""
    items = list(items)
    lineages = [_uuid(lin) for lin, _g in items]
    given = lineage_names(session, [lin for lin in lineages if lin is not None])
    auto = name_places(session, area_id, [g for _l, g in items], max_distance_m=max_distance_m)
    return [given.get(lin, name) if lin is not None else name
            for lin, name in zip(lineages, auto, strict=True)]


def lineage_names(session: Session, lineage_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Return the staff-given names of the given lineages."""
    ids = list(lineage_ids)
    if not ids:
        return {}
    rows = session.execute(select(LineageName.lineage_id, LineageName.name)
                           .where(LineageName.lineage_id.in_(ids)))
    return {lin: name for lin, name in rows}


def rename_lineage(session: Session, *, lineage_id: uuid.UUID | str, area_id: int, name: str,
                   user_id: int | None = None) -> str | None:
    """Give a hot spot lineage a name (empty: go back to the automatic name); return it."""
    lin = _uuid(lineage_id)
    if lin is None:
        raise ValidationError("unknown hot spot", field="lineage_id")
    clean = _clean_name(name, "name")
    with transaction(session):
        row = session.get(LineageName, lin)
        if not clean:
            if row is not None:
                session.delete(row)
            return None
        if row is None:
            row = LineageName(lineage_id=lin, area_id=area_id)
            session.add(row)
        row.name, row.renamed_by = clean, user_id
        session.flush()
    return clean


_NEAREST = text(
    """
    SELECT g.i, c.name, c.gazetteer
    FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS g(w, i)
    CROSS JOIN LATERAL (
        SELECT k.name, k.gazetteer FROM (
            SELECT p.name, p.sort_order >= :gaz AS gazetteer,
                   ST_Distance(p.geom::geography, ST_GeomFromWKB(g.w, 4326)::geography) AS d,
                   ST_Distance(p.geom::geography,
                               ST_Centroid(ST_GeomFromWKB(g.w, 4326))::geography) AS dc
            FROM place p
            WHERE p.area_id = :area_id
            ORDER BY p.geom <-> ST_GeomFromWKB(g.w, 4326)
            LIMIT 16
        ) k
        WHERE k.d <= :limit
        ORDER BY k.gazetteer, k.d, k.dc, k.name
        LIMIT 2
    ) c
    """
).bindparams(bindparam("wkbs", type_=ARRAY(BYTEA)))

_DISTRICT = text(
    """
    SELECT g.i, (SELECT a.name FROM area a
                 WHERE a.kind = 'district' AND a.parent_id = :area_id
                   AND ST_Intersects(a.geom, ST_PointOnSurface(ST_GeomFromWKB(g.w, 4326)))
                 ORDER BY a.name LIMIT 1)
    FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS g(w, i)
    """
).bindparams(bindparam("wkbs", type_=ARRAY(BYTEA)))


def _districts_of(session: Session, area_id: int, wkbs: list[bytes]) -> dict[int, str]:
    return {int(i) - 1: name for i, name in session.execute(
        _DISTRICT, {"wkbs": wkbs, "area_id": area_id}) if name}


def _shape(g):
    if isinstance(g, shapely.Geometry):
        return g
    if isinstance(g, bytes | bytearray | memoryview):
        return shapely_wkb.loads(bytes(g))
    if isinstance(g, dict):
        return shape(g)
    return to_shape(g)


def _uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _clean_name(value, field_name: str) -> str:
    name = " ".join(str(value or "").split())
    if "\x00" in str(value or ""):
        raise ValidationError("must not contain NUL characters", field=field_name)
    if len(name) > NAME_MAX:
        raise ValidationError(f"at most {NAME_MAX} characters", field=field_name)
    return name


# -- import --------------------------------------------------------------------------------------

@dataclass
class PlaceRow:
    """One validated place of an import file (WGS84)."""

    line: int
    name: str
    kind: str
    geometry: shapely.Geometry


@dataclass
class PlaceImportResult:
    """What an import did."""

    created: int = 0
    updated: int = 0
    gazetteer: int = 0
    notes: list[str] = field(default_factory=list)


def read_places_file(path: str | Path) -> list[PlaceRow]:
    """Read a GeoJSON or CSV place file; raise ValidationError listing every bad row.

    GeoJSON: a FeatureCollection of Point, Polygon or MultiPolygon features (WGS84) with
    properties ``name`` and ``kind``. CSV (``,`` or ``;``, UTF-8, header row): ``name``,
    ``kind`` and either ``lon``/``lat`` or ``wkt`` (POINT or POLYGON, WGS84).
    """
    p = Path(path)
    try:
        raw = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(f"file {path} does not exist", field="file") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text", field="file") from None
    if p.suffix.lower() in (".geojson", ".json") or raw.lstrip().startswith("{"):
        return _read_geojson(raw)
    return _read_csv(raw)


def _read_geojson(raw: str) -> list[PlaceRow]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid GeoJSON: {exc}", field="file") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationError("expected a GeoJSON FeatureCollection", field="file")
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if crs_name and not re.search(r"(4326|CRS84)$", str(crs_name)):
        raise ValidationError(f"the file's CRS is {crs_name}; places must be WGS84 "
                              "(reproject with `ogr2ogr -t_srs EPSG:4326`)", field="crs")
    rows: list[PlaceRow] = []
    errors: dict[str, str] = {}
    for n, feature in enumerate(data.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        label = f"feature {n}"
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            errors[f"{label}"] = "missing or unreadable geometry"
            continue
        _collect(rows, errors, n, label, props.get("name"), props.get("kind"), geom)
    return _finish(rows, errors)


def _read_csv(raw: str) -> list[PlaceRow]:
    sample = raw.split("\n", 1)[0]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(raw), delimiter=delimiter)
    header = {h.strip().lower() for h in (reader.fieldnames or [])}
    if "name" not in header or not ({"lon", "lat"} <= header or "wkt" in header):
        raise ValidationError("the CSV needs the columns name, kind and lon/lat or wkt",
                              field="file")
    rows: list[PlaceRow] = []
    errors: dict[str, str] = {}
    for rec in reader:
        line = reader.line_num
        r = {(k or "").strip().lower(): (v or "").strip() for k, v in rec.items()}
        label = f"line {line}"
        try:
            if r.get("wkt"):
                geom = shapely_wkt.loads(r["wkt"])
            else:
                geom = shapely.Point(float(r["lon"].replace(",", ".")),
                                     float(r["lat"].replace(",", ".")))
        except (ValueError, KeyError, shapely.errors.ShapelyError):
            errors[label] = "unreadable coordinates (lon/lat in degrees or WKT)"
            continue
        _collect(rows, errors, line, label, r.get("name"), r.get("kind"), geom)
    return _finish(rows, errors)


def _collect(rows: list[PlaceRow], errors: dict[str, str], line: int, label: str, name, kind,
             geom) -> None:
    try:
        clean = _clean_name(name, label)
    except ValidationError as exc:
        errors.update(exc.errors)
        return
    if not clean:
        errors[label] = "no name"
        return
    kind_s = str(kind or "plats").strip().lower()
    if not KIND_RE.match(kind_s):
        errors[label] = f"kind {kind_s[:40]!r} must be a word of a–z and _ (e.g. skola, gata)"
        return
    if geom.geom_type not in ("Point", "Polygon", "MultiPolygon") or geom.is_empty:
        errors[label] = f"{geom.geom_type} is not a point or polygon"
        return
    coords = shapely.get_coordinates(geom)
    try:
        check_lonlat(coords[:, 0], coords[:, 1])
    except CoordinateError as exc:
        errors[label] = str(exc)
        return
    rows.append(PlaceRow(line, clean, kind_s, geom))


def _finish(rows: list[PlaceRow], errors: dict[str, str]) -> list[PlaceRow]:
    seen: dict[str, int] = {}
    for r in rows:
        if r.name in seen:
            errors[f"line {r.line}" if r.line else r.name] = (
                f"{r.name!r} appears twice (first at {seen[r.name]})")
        seen.setdefault(r.name, r.line)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("the file contains no places", field="file")
    return rows


def import_places(session: Session, area_code: str, rows: list[PlaceRow]) -> PlaceImportResult:
    """Create or update the named places of a municipality; nothing is written on error.

    A polygon is stored by a point on its surface. Rows of kind ``gata``/``adress`` (or
    ``street``/``address``) form the gazetteer used when no named place is near.
    """
    result = PlaceImportResult()
    with transaction(session):
        area = session.scalar(select(Area).where(Area.kind == "municipality",
                                                 Area.code == area_code))
        if area is None:
            raise NotFound(f"No municipality with code {area_code}.")
        outline = to_shape(area.geom)
        # About 1/111 000 degree per metre; the slack tolerates places on the border.
        near = outline.buffer(NEAR_MUNICIPALITY_M / 111_000)
        far = {f"line {r.line}": f"{r.name} lies outside {area.name}"
               for r in rows if not near.intersects(r.geometry)}
        if far:
            raise ValidationError(far)
        existing = {p.name: p for p in session.scalars(select(Place)
                                                       .where(Place.area_id == area.id))}
        ordinary = max([p.sort_order for p in existing.values()
                        if p.sort_order < GAZETTEER_SORT], default=-1)
        for r in rows:
            point = r.geometry if r.geometry.geom_type == "Point" else \
                r.geometry.point_on_surface()
            gazetteer = r.kind in GAZETTEER_KINDS
            place = existing.get(r.name)
            if place is None:
                place = Place(area_id=area.id, name=r.name)
                session.add(place)
                existing[r.name] = place
                result.created += 1
                if not gazetteer:
                    ordinary += 1
                    place.sort_order = ordinary
            else:
                result.updated += 1
            if gazetteer:
                place.sort_order = GAZETTEER_SORT
                result.gazetteer += 1
            elif place.sort_order is None or place.sort_order >= GAZETTEER_SORT:
                ordinary += 1
                place.sort_order = ordinary
            place.geom = from_shape(point, srid=4326)
        session.flush()
    return result
