"""Error handlers: domain errors become 4xx with the offending field named."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from est.errors import NotFound, PermissionDenied, ValidationError


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
        return _error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "")


def _error(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        body = {"error": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, fields=fields), status
