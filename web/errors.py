"""Error handlers: domain errors become 4xx with the offending field named; an unreachable
database becomes 503 with ``Retry-After`` (HTML in Swedish, JSON for APIs, Open311's list)."""

from __future__ import annotations

import psycopg
from flask import Flask, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from est.errors import NotFound, PermissionDenied, ValidationError

RETRY_AFTER_S = 30
UNAVAILABLE = ("Tjänsten är tillfälligt otillgänglig: databasen svarar inte. "
               "Inget har sparats. Försök igen om en liten stund.")
# Errors meaning the database cannot be reached (not that a statement was wrong).
OUTAGE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, psycopg.OperationalError,
                 psycopg.InterfaceError)


API_V1 = "/api/v1/"


def wants_json() -> bool:
    """Return True for API clients (JSON accepted or an /api path)."""
    if request.path.startswith(("/api/", "/open311/")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def init_app(app: Flask) -> None:
    """Register handlers for domain errors and HTTP errors."""

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError):
        return _error(400, "validation_error", str(exc), exc.errors)

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):
        return _error(403, "forbidden", str(exc) or "You do not have access to this.")

    @app.errorhandler(NotFound)
    def _missing(exc: NotFound):
        return _error(404, "not_found", str(exc) or "Not found.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith("/open311/"):  # no route matched: still the spec's list
            from web.views.open311 import http_error
            return http_error(exc)
        return _error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "")

    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, _outage)

    @app.errorhandler(sa_exc.DataError)
    def _data(exc: sa_exc.DataError):
        # A value PostgreSQL refused (a number out of range, an impossible date) that a view's
        # own checks missed: still the client's input. Errors without an SQLSTATE come from
        # reading a stored value in Python: the server's fault, left a 500.
        if getattr(exc.orig, "sqlstate", None) is None:
            raise exc
        app.logger.warning("input refused by the database: %s", exc.orig)
        return _error(400, "validation_error", "Ett värde ligger utanför det tillåtna.",
                      {"input": "Ett värde ligger utanför det tillåtna intervallet."})


def _outage(exc: Exception):
    """Answer 503 with Retry-After while PostgreSQL is unreachable (nothing was stored)."""
    from flask import current_app

    current_app.logger.error("database unavailable: %s", exc)
    headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
    if request.path.startswith("/open311/"):
        from web.views.open311 import error_response
        return error_response(503, {"database": UNAVAILABLE}, headers)
    if request.path.startswith(API_V1):
        from web.views.api import problem
        return problem(503, {"database": UNAVAILABLE}, detail=UNAVAILABLE,
                       code="service_unavailable", headers=headers,
                       retry_after=RETRY_AFTER_S)
    if wants_json():
        return (jsonify({"error": "service_unavailable", "message": UNAVAILABLE,
                         "retry_after": RETRY_AFTER_S}), 503, headers)
    # A page of its own: base.html asks for the signed-in user, which needs the database.
    return render_template("unavailable.html", message=UNAVAILABLE,
                           retry_after=RETRY_AFTER_S), 503, headers


def _error(status: int, code: str, message: str, fields: dict | None = None):
    if request.path.startswith(API_V1):  # RFC 9457 problem details, as the API's own errors
        from web.views.api import problem
        return problem(status, fields, detail=message, code=code)
    if wants_json():
        body = {"error": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, fields=fields), status
