"""Open311 GeoReport v2 (JSON) under /open311/v2/: services, posting and reading requests.

Service codes are category codes. POST needs an organisation's API key. Reads follow the
public privacy model (:mod:`est.public`): each "request" is an aggregate, one per published
cell and window of whole days, with the number of reports in ``count``, the cell centre as
``lat``/``long`` and the window's first day as ``requested_datetime``; no single report, no
contact data, no free text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from est import public, timebounds
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
          "location": "lat/long", "occurred_at": "requested_datetime",
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
    # The contact is the e-mail, else the phone: an error names the field the client sent.
    contact_field = "email" if (form.get("email") or "").strip() else "phone"
    # The body without the api_key (the key is the namespace), in a canonical order.
    body = api.canonical_json(sorted((k, v) for k, v in form.items(multi=True)
                                     if k != "api_key"))
    key = api.idempotency_key(client, request.headers.get(api.IDEMPOTENCY_HEADER), body)
    try:
        report = api.submit_report(
            session, client, category=form.get("service_code"), lon=form.get("long"),
            lat=form.get("lat"), occurred_at=form.get("requested_datetime"),
            description=form.get("description"),
            contact=(form.get("email") or "").strip() or form.get("phone"),
            municipality=settings.municipality, tz=settings.tz, idempotency=key,
        )
    except ValidationError as exc:
        raise ValidationError({contact_field if k == "contact" else k: v
                               for k, v in exc.errors.items()}) from None
    except api.IdempotencyMismatch as exc:
        return _errors(422, {api.IDEMPOTENCY_HEADER: str(exc)})
    return jsonify([{"service_request_id": str(report.id),
                     "service_notice": NOTICE.format(org=client.organisation_name),
                     "account_id": None}])


@bp.get("/requests.json")
def get_requests():
    """List public aggregates (one per cell and window), newest window first."""
    settings = current_app.config["EST_SETTINGS"]
    args = request.args
    errors: dict[str, str] = {}
    end = _instant(args, "end_date", errors)
    start = _instant(args, "start_date", errors)
    status = args.get("status") or None
    if status not in (None, "open", "closed"):
        errors["status"] = "status must be open or closed"
    if (args.get("service_code") or "").strip():
        errors["service_code"] = ("public requests are aggregated over all services (privacy "
                                  "model), so service_code cannot filter them; see "
                                  "services.json for posting")
    page_size = _int(args, "page_size", PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    page = _int(args, "page", 1, 1, 100_000, errors)
    if errors:
        raise ValidationError(errors)
    now = datetime.now(settings.tz)
    if start is None and end is None:
        start = now - timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None and end < start:
        raise ValidationError("end_date must not be before start_date", field="end_date")
    if status == "closed":  # aggregates are never closed
        return jsonify([])
    rows = public.open311_requests(get_session(), public.PublicPolicy.from_settings(settings),
                                   municipality().id, now, start=start, end=end,
                                   limit=page_size, offset=(page - 1) * page_size)
    return jsonify(rows)


@bp.get("/requests/<request_id>.json")
def get_request(request_id: str):
    """Return one public aggregate by its id as a one-element list (never a single report)."""
    settings = current_app.config["EST_SETTINGS"]
    row = public.open311_request(get_session(), public.PublicPolicy.from_settings(settings),
                                 municipality().id, datetime.now(settings.tz), request_id)
    return jsonify([row])


def _instant(args, name: str, errors: dict[str, str]) -> datetime | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    value = api.parse_instant(text, current_app.config["EST_SETTINGS"].tz)
    if value is None:
        errors[name] = f"{name} must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z"
    elif not timebounds.check_bounds(value, name, errors):
        return None
    return value


def _int(args, name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = f"{name} must be a whole number from {low} to {high}"
        return default
    return int(text)
