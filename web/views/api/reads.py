"""GET views of /api/v1: paged reports, cells, hot spots and the streamed bulk export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, request, stream_with_context
from spectree import Response as Spec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import timebounds
from est.access import ActorLike
from est.errors import ValidationError
from est.exports.spreadsheet import BOM, CSV_MEDIA, csv_value
from est.models import REPORT_KINDS, Area
from est.queries import area_by_code
from est.review import Week
from est.services import api
from est.services.categories import list_categories
from web.db import get_session
from web.views.api import authenticated, bp, caller, next_link, spectree_before
from web.views.api.schemas import (
    MAX_EXPORT,
    MAX_HOTSPOT_PAGE,
    MAX_ROWS,
    ExportQuery,
    Feature,
    FeatureCollection,
    HotspotsQuery,
    PeriodQuery,
    Problem,
    ReportsQuery,
)
from web.views.openapi import GEOJSON_MEDIA, NDJSON_MEDIA, SERIES_MEDIA, spec

DEFAULT_DAYS = 30
AUTH = [{"bearer": []}, {"session": []}]
ERRORS = {"HTTP_400": Problem, "HTTP_401": Problem, "HTTP_403": Problem}
CSV_COLUMNS = ("id", "reference", "kind", "category", "category_label", "occurred_at",
               "occurred_until", "time_precision", "reported_at", "source", "status",
               "organisation", "severity", "description", "duplicate_of", "lon", "lat")
RS = "\x1e"  # RFC 8142: each GeoJSON text starts with a record separator


def _area_code(user: ActorLike) -> str:
    """Return the caller's municipality code (the configured one for a national account)."""
    if user.area_id is not None:
        area = get_session().get(Area, user.area_id)
        if area is not None:
            return area.code
    return current_app.config["EST_SETTINGS"].municipality


def _period(errors: dict[str, str]) -> tuple[datetime, datetime]:
    """Read ``from`` and ``to`` (dates or ISO date-times; a date-only ``to`` includes the day)."""
    tz = current_app.config["EST_SETTINGS"].tz
    now = datetime.now(tz)
    start = _when(request.args.get("from"), "from", errors, end=False)
    end = _when(request.args.get("to"), "to", errors, end=True)
    start = start or now - timedelta(days=DEFAULT_DAYS)
    end = end or now + timedelta(minutes=5)
    if "from" not in errors and "to" not in errors and end <= start:
        errors["to"] = "to must be after from"
    return start, end


def _when(text: str | None, name: str, errors: dict[str, str], *, end: bool) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    tz = current_app.config["EST_SETTINGS"].tz
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None:
            if not timebounds.check_bounds(day, name, errors):
                return None
            return datetime.combine(day + timedelta(days=1 if end else 0), time(0), tz)
    value = api.parse_instant(text, tz)
    if value is None:
        errors[name] = f"{name} must be a date (2026-11-12) or an ISO 8601 date-time"
    elif not timebounds.check_bounds(value, name, errors):
        return None
    return value


def _bbox(errors: dict[str, str]) -> tuple[float, float, float, float] | None:
    text = (request.args.get("bbox") or "").strip()
    if not text:
        return None
    message = ("bbox must be min_lon,min_lat,max_lon,max_lat in WGS84 degrees "
               "with min < max, e.g. 15.08,59.05,15.14,59.08")
    try:
        west, south, east, north = (float(p) for p in text.split(","))
    except ValueError:
        errors["bbox"] = message
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        errors["bbox"] = message
        return None
    return west, south, east, north


def _filters() -> dict[str, Any]:
    """The report filters of the query string (period, category, kind, bbox, updated_since)."""
    args = request.args
    errors: dict[str, str] = {}
    start, end = _period(errors)
    codes = [c.strip() for c in (args.get("category") or "").split(",") if c.strip()]
    known = {c.code for c in list_categories(get_session(), active_only=False)}
    if any(c not in known for c in codes):
        errors["category"] = "unknown category; codes: " + ", ".join(sorted(known))
    kind = (args.get("kind") or "").strip() or None
    if kind is not None and kind not in REPORT_KINDS:
        errors["kind"] = "kind must be incident or otrygghet"
    bbox = _bbox(errors)
    since = (args.get("updated_since") or "").strip()
    updated_since = None
    if since:
        updated_since = api.parse_instant(since, current_app.config["EST_SETTINGS"].tz)
        if updated_since is None:
            errors["updated_since"] = "updated_since must be an ISO 8601 date-time"
        elif not timebounds.check_bounds(updated_since, "updated_since", errors):
            updated_since = None
    if errors:
        raise ValidationError(errors)
    return {"start": start, "end": end, "codes": codes, "kind": kind, "bbox": bbox,
            "updated_since": updated_since}


def _limit(default: int | None, most: int | None) -> int | None:
    text = (request.args.get("limit") or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1 or (most is not None and int(text) > most):
        raise ValidationError(f"limit must be a whole number from 1 to {most}" if most else
                              "limit must be a whole number from 1", field="limit")
    return int(text)


@bp.get("/reports.geojson")
@authenticated()
@spec.validate(query=ReportsQuery, resp=Spec(HTTP_200=FeatureCollection, **ERRORS),
               security=AUTH, operation_id="listReports", before=spectree_before)
def reports_geojson():
    """Reports the caller may see (exact points), newest first, in pages.

    Reporters and API keys: their organisation's reports; coordinators and admins: their
    municipality's; viewers get 403. A page holds `limit` features (default and most 5,000);
    when more match, `links` has a `next` link (also an HTTP `Link` header) with an opaque
    `cursor`. `updated_since` keeps reports created or changed at or after a time.
    """
    user = caller()
    filters = _filters()
    limit = _limit(MAX_ROWS, MAX_ROWS) or MAX_ROWS
    text = (request.args.get("cursor") or "").strip()
    after = api.Cursor.decode(text) if text else None
    body = api.report_features(get_session(), user, limit=limit, after=after, **filters)
    cursor = body.pop("next_cursor")
    headers: dict[str, str] = {}
    next_link(cursor.encode() if cursor is not None else None, body, headers, GEOJSON_MEDIA)
    return _geojson(body, headers)


@bp.get("/reports/<uuid:report_id>")
@authenticated()
@spec.validate(resp=Spec(HTTP_200=Feature, HTTP_404=Problem, **ERRORS), security=AUTH,
               operation_id="getReport", before=spectree_before,
               path_parameter_descriptions={"report_id": "The report's UUID (`id` of the "
                                                         "201 answer or of a Feature)"})
def report_geojson(report_id):
    """One report the caller may see, as a GeoJSON Feature (the fields of `reports.geojson`).

    A report of another organisation or municipality is 404, as if it did not exist.
    """
    user = caller()
    return _geojson(api.report_feature(get_session(), user, str(report_id)))


@bp.get("/cells.geojson")
@authenticated()
@spec.validate(query=PeriodQuery, resp=Spec(HTTP_200=FeatureCollection, **ERRORS),
               security=AUTH, operation_id="listCells", before=spectree_before)
def cells_geojson():
    """Counted reports per 200 m cell (small counts hidden), for every staff role.

    Not paged: an aggregate, one complete collection (the cells of one municipality, a few
    thousand at most), whose small counts are hidden relative to the whole.
    """
    user = caller()
    errors: dict[str, str] = {}
    start, end = _period(errors)
    if errors:
        raise ValidationError(errors)
    settings = current_app.config["EST_SETTINGS"]
    area = area_by_code(get_session(), _area_code(user))
    body = api.cell_features(get_session(), user, area_id=area.id, start=start, end=end,
                             min_cell=settings.min_cell, crs=settings.projected_crs)
    return _geojson(body)


@bp.get("/hotspots.geojson")
@authenticated()
@spec.validate(query=HotspotsQuery, resp=Spec(HTTP_200=FeatureCollection, **ERRORS),
               security=AUTH, operation_id="listHotspots", before=spectree_before)
def hotspots_geojson():
    """Hot spots of an ISO week (`week=2026-W46`, default last week), in rank order, in pages.

    The stored run of the week, or one detected and stored now. A page holds `limit` hot
    spots (default 100, most 500); when more remain, `links` has a `next` link (also an HTTP
    `Link` header) with an opaque `cursor`. A cursor of a run that was computed again is
    refused (400 naming `cursor`).
    """
    user = caller()
    settings = current_app.config["EST_SETTINGS"]
    text = (request.args.get("week") or "").strip()
    if text:
        week = Week.parse(text, settings.timezone)
    else:
        week = Week.containing(datetime.now(settings.tz).date(), settings.timezone).shift(-1)
    limit = _limit(api.HOTSPOT_PAGE, MAX_HOTSPOT_PAGE) or api.HOTSPOT_PAGE
    body = api.hotspot_collection(get_session(), user, area_code=_area_code(user), week=week,
                                  crs=settings.projected_crs, limit=limit,
                                  after=(request.args.get("cursor") or "").strip() or None)
    headers: dict[str, str] = {}
    next_link(body.pop("next_cursor"), body, headers, GEOJSON_MEDIA)
    return _geojson(body, headers)


def _export_features() -> Iterator[dict]:
    user = caller()
    filters = _filters()
    return api.iter_report_features(get_session(), user, limit=_limit(None, MAX_EXPORT),
                                    **filters)


@bp.get("/reports.geojsonseq")
@authenticated()
@spec.validate(query=ExportQuery, resp=Spec("HTTP_200", **ERRORS), security=AUTH,
               operation_id="exportReportsGeojsonSeq", before=spectree_before)
def export_geojsonseq():
    """Every matching report, streamed as GeoJSON text sequences (RFC 8142).

    No 5,000 cap: one Feature per record (`0x1E`, JSON, line feed), newest first, read
    from the database with a server-side cursor. The filters of `reports.geojson`.
    """
    features = _export_features()
    lines = (RS + json.dumps(f, ensure_ascii=False) + "\n" for f in features)
    return Response(stream_with_context(lines), mimetype=SERIES_MEDIA)


@bp.get("/reports.ndjson")
@authenticated()
@spec.validate(query=ExportQuery, resp=Spec("HTTP_200", **ERRORS), security=AUTH,
               operation_id="exportReportsNdjson", before=spectree_before)
def export_ndjson():
    """Every matching report, streamed as newline-delimited GeoJSON Features (GeoJSONSeq
    without record separators, as GDAL, jq and pandas read it)."""
    features = _export_features()
    lines = (json.dumps(f, ensure_ascii=False) + "\n" for f in features)
    return Response(stream_with_context(lines), mimetype=NDJSON_MEDIA)


@bp.get("/reports.csv")
@authenticated()
@spec.validate(query=ExportQuery, resp=Spec("HTTP_200", **ERRORS), security=AUTH,
               operation_id="exportReportsCsv", before=spectree_before)
def export_csv():
    """Every matching report, streamed as CSV for Swedish Excel (`;`, UTF-8 with BOM, CRLF,
    decimal comma; no cell starts with = + - @)."""
    features = _export_features()

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        yield BOM + buf.getvalue()
        for feature in features:
            buf.seek(0)
            buf.truncate()
            props = feature["properties"]
            lon, lat = feature["geometry"]["coordinates"][:2]
            values = {**props, "id": feature["id"], "lon": lon, "lat": lat}
            writer.writerow([csv_value(values.get(c)) for c in CSV_COLUMNS])
            yield buf.getvalue()

    response = Response(stream_with_context(rows()), content_type=CSV_MEDIA)
    response.headers["Content-Disposition"] = 'attachment; filename="rapporter.csv"'
    return response


def _geojson(body: dict, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), mimetype=GEOJSON_MEDIA)
    response.headers.update(headers or {})
    return response


def narrowed(doc: dict, session: Session) -> dict:
    """Fill the deployment's facts into the document: the active category codes, and the
    bounding box of the served municipalities as the bounds of a posted point."""
    schemas = doc["components"]["schemas"]
    codes = [c.code for c in list_categories(session)]
    props = schemas.get("ReportProperties", {}).get("properties", {})
    if codes and "category" in props:
        props["category"] = {**props["category"], "enum": codes}
    box = session.execute(select(func.min(func.ST_XMin(Area.geom)),
                                 func.min(func.ST_YMin(Area.geom)),
                                 func.max(func.ST_XMax(Area.geom)),
                                 func.max(func.ST_YMax(Area.geom)))
                          .where(Area.kind == "municipality")).one()
    if box[0] is not None:
        coords = schemas.get("Point", {}).get("properties", {}).get("coordinates", {})
        for variant in coords.get("anyOf", []):
            items = variant.get("prefixItems", [])
            for item, low, high in zip(items, (box[0], box[1]), (box[2], box[3]),
                                       strict=False):
                # exclusive: a point on the box's edge is on an outline, not inside it
                item.update(exclusiveMinimum=round(low, 6), exclusiveMaximum=round(high, 6))
                item.pop("minimum", None)
                item.pop("maximum", None)
    return doc
