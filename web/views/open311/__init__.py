"""Open311 GeoReport v2 (JSON and XML) under /open311/: discovery, services, requests.

Service codes are category codes. POST needs an organisation's API key. Reads follow the
public privacy model (:mod:`est.public`): each "request" is an aggregate, one per published
cell and window of whole days, with the number of reports in ``count``, the cell centre as
``lat``/``long``, the window's first day as ``requested_datetime`` and its publication as
``updated_datetime``; no single report, no contact data, no free text.

Every document comes as ``.json`` or ``.xml`` (the spec's element names, ``xml.py``), and
every failure as the spec's error list in the same format: JSON
``[{"code", "description"}]`` or XML ``<errors><error><code/><description/></error></errors>``.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from est.errors import NotFound, PermissionDenied, ValidationError
from web.extensions import csrf
from web.views.open311 import xml

bp = Blueprint("open311", __name__, url_prefix="/open311")
csrf.exempt(bp)

DEFAULT_RATE_LIMIT = "30 per minute;500 per hour"
FORMATS = ("json", "xml")
# API field -> Open311 field.
FIELDS = {"category": "service_code", "kind": "service_code", "lon": "long",
          "location": "lat/long", "occurred_at": "requested_datetime",
          "organisation": "api_key"}


def route(rule: str, **options):
    """Register a view under ``/open311<rule>.json`` and ``.xml`` (argument ``fmt``)."""
    def decorator(view):
        for fmt in FORMATS:
            bp.add_url_rule(f"{rule}.{fmt}", view_func=view, defaults={"fmt": fmt},
                            endpoint=view.__name__ if fmt == "json" else f"{view.__name__}_xml",
                            **options)
        return view
    return decorator


def respond(fmt: str, root: str, value, status: int = 200) -> Response:
    """Return ``value`` as JSON or as the XML document ``root``."""
    if fmt == "xml":
        return Response(xml.document(root, value), status=status,
                        mimetype="text/xml", content_type="text/xml; charset=utf-8")
    response = jsonify(value)
    response.status_code = status
    return response


def error_response(status: int, errors: dict[str, str], headers: dict | None = None):
    """Return the spec's error list (``field: message`` each) in the request's format."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    body = [{"code": status, "description": f"{field}: {message}"}
            for field, message in errors.items()]
    response = respond(fmt, "errors", body, status)
    response.headers.update(headers or {})
    return response


@bp.errorhandler(ValidationError)
def _invalid(exc: ValidationError):
    return error_response(400, {FIELDS.get(k, k): v for k, v in exc.errors.items()})


@bp.errorhandler(PermissionDenied)
def _denied(exc: PermissionDenied):
    return error_response(403, {"api_key": str(exc)})


@bp.errorhandler(NotFound)
def _missing(exc: NotFound):
    return error_response(404, {"not_found": str(exc)})


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Answer an HTTP error (404, 405, 413, 429 …) as the spec's error list."""
    status = exc.code or 500
    response = error_response(status, {exc.name.lower().replace(" ", "_"):
                                       exc.description or ""})
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def check_jurisdiction(values) -> None:
    """Refuse a ``jurisdiction_id`` other than this deployment's kommunkod (400 naming it)."""
    given = (values.get("jurisdiction_id") or "").strip()
    code = current_app.config["EST_SETTINGS"].municipality
    if given and given != code:
        from est.tenancy import served_municipalities  # many municipalities per deployment
        from web.db import get_session
        served = [a.code for a in served_municipalities(get_session())]
        if given not in served:
            raise ValidationError(f"this endpoint serves only jurisdiction_id "
                                  f"{', '.join(served) or code} (the kommunkod); see "
                                  "discovery.json", field="jurisdiction_id")


from web.views.open311 import reads, writes  # noqa: E402,F401  (routes on bp)
