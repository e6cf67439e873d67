"""GeoJSON API under /api/v1/: reports for staff and API keys, cells, hot spots, OpenAPI.

Callers are a signed-in staff user (session) or an organisation's system with
``Authorization: Bearer <token>`` (acting as a reporter of its organisation). Errors are
JSON ``{"error", "message", "fields"}`` from :mod:`web.errors`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, current_app, jsonify, request

from est import timebounds
from est.access import ActorLike
from est.errors import ValidationError
from est.models import REPORT_KINDS, Area
from est.queries import area_by_code
from est.review import Week
from est.services import api, api_batch, apikeys, reports
from est.services.categories import list_categories
from web.auth import current_actor
from web.db import get_session
from web.extensions import csrf, limiter
from web.views.open311 import DEFAULT_RATE_LIMIT
from web.views.openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

DEFAULT_DAYS = 30
MAX_ROWS = 5000
PROPERTIES = ("category", "kind", "occurred_at", "description", "severity")
# API field -> GeoJSON member (the point is the geometry).
GEOJSON_FIELDS = {"lon": "geometry", "lat": "geometry", "location": "geometry"}


def bearer_client() -> apikeys.ApiClient | None:
    """Return the API client of the request's ``Authorization: Bearer`` token, if valid."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return apikeys.authenticate(get_session(), token)


def caller() -> ActorLike:
    """Return the API client or the signed-in user; 401 when there is neither."""
    if request.headers.get("Authorization"):
        client = bearer_client()
        if client is None:
            abort(401, description="The API key is unknown or revoked.")
        return client
    actor = current_actor()
    if actor is None:
        abort(401, description="Sign in or send Authorization: Bearer <API key>.")
    return actor


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="est"'
    return response


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


@bp.get("/reports.geojson")
def reports_geojson():
    """Return the reports the caller may see, exact points, as a FeatureCollection."""
    user = caller()
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
    limit_text = (args.get("limit") or "").strip()
    limit = MAX_ROWS
    if limit_text:
        if limit_text.isdigit() and 1 <= int(limit_text) <= MAX_ROWS:
            limit = int(limit_text)
        else:
            errors["limit"] = f"limit must be a whole number from 1 to {MAX_ROWS}"
    if errors:
        raise ValidationError(errors)
    body = api.report_features(get_session(), user, start=start, end=end, codes=codes,
                               kind=kind, bbox=bbox, limit=limit)
    return _geojson(body)


@bp.get("/cells.geojson")
def cells_geojson():
    """Return counted reports per 200 m cell (small counts hidden), for every staff role."""
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
def hotspots_geojson():
    """Return the hot spots of an ISO week (``week=2026-W46``, default last week)."""
    user = caller()
    settings = current_app.config["EST_SETTINGS"]
    text = (request.args.get("week") or "").strip()
    if text:
        week = Week.parse(text, settings.timezone)
    else:
        week = Week.containing(datetime.now(settings.tz).date(), settings.timezone).shift(-1)
    body = api.hotspot_collection(get_session(), user, area_code=_area_code(user), week=week,
                                  crs=settings.projected_crs)
    return _geojson(body)


@bp.post("/reports")
@limiter.limit(lambda: current_app.config.get("EST_API_RATE_LIMIT", DEFAULT_RATE_LIMIT),
               methods=["POST"])
def post_report():
    """Create a report from a GeoJSON Point Feature, or up to 1,000 from a FeatureCollection.

    Needs an API key (Bearer). A FeatureCollection is all-or-nothing: one invalid feature
    stores nothing and the 422 lists ``features: {"<index>": {field: message}}``.
    """
    client = bearer_client()
    if client is None:
        abort(401, description="Send Authorization: Bearer <API key> to create reports.")
    feature = request.get_json(silent=True)
    if isinstance(feature, dict) and feature.get("type") == "FeatureCollection":
        return _post_batch(client, feature)
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValidationError("send a GeoJSON Feature or FeatureCollection (application/json)",
                              field="body")
    values = _feature_fields(feature)
    settings = current_app.config["EST_SETTINGS"]
    key = api.idempotency_key(client, request.headers.get(api.IDEMPOTENCY_HEADER),
                              api.canonical_json(feature))
    try:
        report = api.submit_report(get_session(), client, municipality=settings.municipality,
                                   tz=settings.tz, idempotency=key, **values)
    except ValidationError as exc:
        raise ValidationError({GEOJSON_FIELDS.get(k, k): v for k, v in exc.errors.items()}) \
            from None
    except api.IdempotencyMismatch as exc:
        return jsonify({"error": "idempotency_key_reused", "message": str(exc),
                        "fields": {api.IDEMPOTENCY_HEADER: str(exc)}}), 422
    return jsonify(_created(report)), 201


def _feature_fields(feature: dict) -> dict:
    """Return a Point Feature's report fields; ValidationError names the GeoJSON member."""
    geometry = feature.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (not isinstance(geometry, dict) or geometry.get("type") != "Point"
            or not isinstance(coords, list) or len(coords) not in (2, 3)):
        raise ValidationError("geometry must be a Point [longitude, latitude] in WGS84",
                              field="geometry")
    props = feature.get("properties")
    props = {} if props is None else props
    if not isinstance(props, dict):
        raise ValidationError("properties must be an object", field="properties")
    values = {name: _scalar(props, name) for name in PROPERTIES}
    return {**values, "lon": _scalar({"lon": coords[0]}, "lon"),
            "lat": _scalar({"lat": coords[1]}, "lat")}


def _post_batch(client, collection: dict):
    """Store a FeatureCollection's reports all-or-nothing (201 with them in order)."""
    if request.headers.get(api.IDEMPOTENCY_HEADER) is not None:
        raise ValidationError("is not supported on a FeatureCollection; send features "
                              "one by one to use it", field=api.IDEMPOTENCY_HEADER)
    features = collection.get("features")
    if not isinstance(features, list) or not 1 <= len(features) <= api_batch.MAX_BATCH:
        raise ValidationError(f"features must be a list of 1 to {api_batch.MAX_BATCH} Point "
                              "Features", field="features")
    items: list[dict] = []
    for feature in features:
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise ValidationError("must be a GeoJSON Feature", field="type")
            items.append(_feature_fields(feature))
        except ValidationError as exc:
            items.append({"errors": exc.errors})
    settings = current_app.config["EST_SETTINGS"]
    try:
        stored = api_batch.submit_batch(get_session(), client, items,
                                  municipality=settings.municipality, tz=settings.tz)
    except api_batch.BatchInvalid as exc:
        features_errors = {i: {GEOJSON_FIELDS.get(k, k): v for k, v in errors.items()}
                           for i, errors in exc.features.items()}
        return jsonify({"error": "validation_error", "message": str(exc),
                        "fields": exc.errors, "features": features_errors}), 400
    return jsonify({"type": "FeatureCollection", "count": len(stored),
                    "reports": [_created(r) for r in stored]}), 201


def _created(report) -> dict:
    return {"id": str(report.id), "reference": reports.reference(report.receipt_ref),
            "status": report.status, "source": report.source}


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI 3.1 document of this API and the Open311 endpoints."""
    return jsonify(document())


def _scalar(values: dict, name: str) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise ValidationError("must be a string or a number", field=name)
    return str(value)


def _geojson(body: dict):
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response
