"""Open311 GeoReport v2 (JSON) under /open311/v2/: services, posting and reading requests.

Service codes are category codes. POST needs an organisation's API key; reads return counted
reports only, snapped to the centre of a 100 m cell, without contact data or free text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Category
from est.services import api, apikeys
from est.services.categories import list_categories
from web.db import get_session
from web.extensions import csrf, limiter
from web.views.report_public import municipality

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

DEFAULT_RATE_LIMIT = "30 per minute;500 per hour"
PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
DEFAULT_DAYS = 90
# API field -> Open311 field.
FIELDS = {"category": "service_code", "kind": "service_code", "lon": "long",
          "location": "lat/long", "occurred_at": "requested_datetime", "contact": "email",
          "organisation": "api_key"}
GROUPS = {"incident": "incident", "otrygghet": "otrygghet"}
NOTICE = ("Tack! Rapporten är registrerad för {org}. Vid akuta lägen: ring 112. "
          "Brott anmäls till polisen, polisen.se eller 114 14.")


def _errors(status: int, errors: dict[str, str]):
    body = [{"code": status, "description": f"{field}: {message}"}
            for field, message in errors.items()]
    return jsonify(body), status


@bp.errorhandler(ValidationError)
def _invalid(exc: ValidationError):
    return _errors(400, {FIELDS.get(k, k): v for k, v in exc.errors.items()})


@bp.errorhandler(PermissionDenied)
def _denied(exc: PermissionDenied):
    return _errors(403, {"api_key": str(exc)})


@bp.errorhandler(NotFound)
def _missing(exc: NotFound):
    return _errors(404, {"not_found": str(exc)})


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    status = exc.code or 500
    return _errors(status, {exc.name.lower().replace(" ", "_"): exc.description or ""})


def _service(cat: Category) -> dict:
    return {
        "service_code": cat.code,
        "service_name": cat.label_sv,
        "description": cat.label_en,
        "metadata": False,
        "type": "realtime",
        "keywords": cat.kind,
        "group": GROUPS[cat.kind],
    }


@bp.get("/services.json")
def services():
    """List one service per active category."""
    return jsonify([_service(c) for c in list_categories(get_session())])


@bp.get("/services/<code>.json")
def service_definition(code: str):
    """Return a service definition (no extra attributes: ``metadata`` is false)."""
    cats = [c for c in list_categories(get_session()) if c.code == code]
    if not cats:
        raise NotFound(f"no service with service_code {code!r}; see services.json")
    return jsonify({"service_code": code, "attributes": []})


@bp.post("/requests.json")
@limiter.limit(lambda: current_app.config.get("EST_API_RATE_LIMIT", DEFAULT_RATE_LIMIT),
               methods=["POST"])
def post_request():
    """Create a service request (form-encoded) with an organisation's API key."""
    session = get_session()
    form = request.form
    client = apikeys.authenticate(session, form.get("api_key"))
    if client is None:
        raise PermissionDenied("a valid api_key is required to post service requests")
    if not (form.get("service_code") or "").strip():
        raise ValidationError("service_code is required; see services.json",
                              field="service_code")
    settings = current_app.config["EST_SETTINGS"]
    report = api.submit_report(
        session, client, category=form.get("service_code"), lon=form.get("long"),
        lat=form.get("lat"), occurred_at=form.get("requested_datetime"),
        description=form.get("description"),
        contact=(form.get("email") or "").strip() or form.get("phone"),
        municipality=settings.municipality, tz=settings.tz,
    )
    return jsonify([{"service_request_id": str(report.id),
                     "service_notice": NOTICE.format(org=client.organisation_name),
                     "account_id": None}])


@bp.get("/requests.json")
def get_requests():
    """List counted requests (generalised locations), filtered by date, status and code."""
    settings = current_app.config["EST_SETTINGS"]
    args = request.args
    errors: dict[str, str] = {}
    end = _instant(args, "end_date", errors)
    start = _instant(args, "start_date", errors)
    status = args.get("status") or None
    if status not in (None, "open", "closed"):
        errors["status"] = "status must be open or closed"
    codes = [c.strip() for c in (args.get("service_code") or "").split(",") if c.strip()]
    known = {c.code for c in list_categories(get_session(), active_only=False)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        errors["service_code"] = f"unknown service_code {', '.join(unknown)}; see services.json"
    page_size = _int(args, "page_size", PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    page = _int(args, "page", 1, 1, 100_000, errors)
    if errors:
        raise ValidationError(errors)
    if start is None and end is None:
        start = datetime.now(settings.tz) - timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None and end < start:
        raise ValidationError("end_date must not be before start_date", field="end_date")
    rows = api.public_requests(get_session(), area_id=municipality().id, start=start, end=end,
                              codes=codes, status=status, limit=page_size,
                              offset=(page - 1) * page_size, crs=settings.projected_crs)
    return jsonify(rows)


@bp.get("/requests/<request_id>.json")
def get_request(request_id: str):
    """Return one counted request (generalised location) as a one-element list."""
    settings = current_app.config["EST_SETTINGS"]
    row = api.public_request(get_session(), area_id=municipality().id, request_id=request_id,
                             crs=settings.projected_crs)
    return jsonify([row])


def _instant(args, name: str, errors: dict[str, str]) -> datetime | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    value = api.parse_instant(text, current_app.config["EST_SETTINGS"].tz)
    if value is None:
        errors[name] = f"{name} must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z"
    return value


def _int(args, name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = f"{name} must be a whole number from {low} to {high}"
        return default
    return int(text)
