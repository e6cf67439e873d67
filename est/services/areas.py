"""Import municipality and district boundaries from GeoJSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.models import Area
from geo.validation import CoordinateError, check_lonlat, is_wgs84_crs_name, to_valid_multipolygon

AREA_KINDS = ("municipality", "district")


@dataclass
class AreaImportResult:
    """What an import did: counts, repaired features and skipped ones."""

    created: int = 0
    updated: int = 0
    repaired: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_geojson(path: str | Path) -> dict:
    """Read a GeoJSON file and return the parsed object, with a clear error if it is not JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ValidationError(f"file {path} does not exist", field="file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path} is not valid GeoJSON: {exc}", field="file") from None


def import_areas(
    session: Session,
    data: dict,
    *,
    id_field: str = "id",
    name_field: str = "kom_namn",
    kind: str = "municipality",
    parent_code: str | None = None,
) -> AreaImportResult:
    """Validate every feature, then create or update the areas in one transaction.

    Nothing is written if any feature fails validation.
    """
    if kind not in AREA_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(AREA_KINDS)}", field="kind")
    features = _features(data)
    result = AreaImportResult()
    rows: list[tuple[str, str, object]] = []
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        geometry = feature.get("geometry")
        label = f"feature {n}"
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            gtype = geometry.get("type") if geometry else "no geometry"
            result.skipped.append(f"{label}: {gtype} is not a polygon")
            continue
        if props.get(id_field) in (None, ""):
            raise ValidationError(f"{label} has no property {id_field!r}", field="id_field")
        if props.get(name_field) in (None, ""):
            raise ValidationError(f"{label} has no property {name_field!r}", field="name_field")
        code, name = str(props[id_field]), str(props[name_field])
        label = f"{name} ({code})"
        try:
            geom = shape(geometry)
            coords = shapely.get_coordinates(geom)
            check_lonlat(coords[:, 0], coords[:, 1])
        except CoordinateError as exc:
            raise ValidationError(f"{label}: {exc}", field="coordinates") from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValidationError(f"{label}: unreadable geometry ({exc})",
                                  field="geometry") from None
        try:
            repair = to_valid_multipolygon(geom)
        except ValueError as exc:
            raise ValidationError(f"{label}: {exc}", field="geometry") from None
        if repair.problem:
            result.repaired.append(f"{label}: {repair.problem}")
        rows.append((code, name, repair.geometry))
    if not rows:
        raise ValidationError("the file contains no Polygon or MultiPolygon features",
                              field="file")
    with transaction(session):
        parent_id = None
        if parent_code is not None:
            parent_id = session.scalar(
                select(Area.id).where(Area.kind == "municipality", Area.code == parent_code)
            )
            if parent_id is None:
                raise ValidationError(f"no municipality with code {parent_code}", field="parent")
        existing = {
            a.code: a for a in session.scalars(
                select(Area).where(Area.kind == kind, Area.code.in_([r[0] for r in rows]))
            )
        }
        for code, name, geom in rows:
            area = existing.get(code)
            if area is None:
                area = Area(kind=kind, code=code)
                session.add(area)
                result.created += 1
            else:
                result.updated += 1
            area.name = name
            area.parent_id = parent_id
            area.geom = from_shape(geom, srid=4326)
    return result


def _features(data: dict) -> list[dict]:
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        raise ValidationError("expected a GeoJSON FeatureCollection", field="file")
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if not is_wgs84_crs_name(crs_name):
        raise ValidationError(
            f"the file's CRS is {crs_name}; boundaries must be WGS84 longitude/latitude "
            "(EPSG:4326, as RFC 7946 GeoJSON). Reproject it first, e.g. "
            "`ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`.",
            field="crs",
        )
    return [data] if data["type"] == "Feature" else list(data.get("features") or [])
