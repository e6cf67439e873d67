"""GeoJSON API under /api/v1/: reports for staff and API keys, cells, hot spots, the bulk
export, webhooks and the OpenAPI document.

Callers are a signed-in staff user (session) or an organisation's system with
``Authorization: Bearer <token>`` (acting as a reporter of its organisation). Requests are
validated by the pydantic models of :mod:`web.views.api.schemas` (through
:data:`web.views.openapi.spec`, which also writes the OpenAPI document from them). Every
error, including an unknown path (404), a wrong method (405 with ``Allow``), a body over the
limit (413) and a body that is not JSON (415), is RFC 9457 ``application/problem+json`` with
``errors: [{field, message}]`` (:func:`problem`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, jsonify, request
from spectree import Response as Spec
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from est.access import ActorLike
from est.errors import NotFound, PermissionDenied, ValidationError
from est.services import apikeys
from web.auth import current_actor
from web.db import get_session
from web.extensions import csrf
from web.views.openapi import PROBLEM_MEDIA, document, spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PREFIX = "/api/v1/"
JSON_MEDIA = ("application/json", "application/geo+json")
# API field -> GeoJSON member (the point is the geometry).
GEOJSON_FIELDS = {"lon": "geometry", "lat": "geometry", "location": "geometry"}


class RequestInvalid(ValidationError):
    """A request that failed validation; ``features`` maps a batch index to its errors."""

    def __init__(self, errors: dict[str, str], features: dict[str, dict[str, str]] | None
                 = None):
        super().__init__(errors)
        self.features = features or {}


class Unauthorized(HTTPException):
    code = 401
    description = "Sign in or send Authorization: Bearer <API key>."


def problem(status: int, errors: dict[str, str] | None = None, *, detail: str = "",
            code: str | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    """Return an RFC 9457 problem: ``errors`` lists the failing fields.

    ``error``/``message``/``fields`` repeat the code, the detail and the fields for clients
    of API 1.0.
    """
    title = HTTP_STATUS_CODES.get(status, "Error")
    errors = errors or {}
    body: dict[str, Any] = {
        "type": "about:blank", "title": title, "status": status,
        "detail": detail or "; ".join(f"{k}: {v}" for k, v in errors.items()) or title,
        "instance": request.path,
        "errors": [{"field": k, "message": v} for k, v in errors.items()],
        "error": code or title.lower().replace(" ", "_"),
    }
    body["message"] = body["detail"]
    if errors:
        body["fields"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA
    response.headers.update(headers or {})
    return response


def http_problem(exc: HTTPException) -> Response:
    """An HTTP error as a problem (405 with ``Allow``, 401 with ``WWW-Authenticate``)."""
    status = exc.code or 500
    field = {401: "Authorization", 413: "body", 415: "Content-Type", 429: "rate"}.get(
        status, "path" if status in (404, 405) else "request")
    response = problem(status, {field: exc.description or HTTP_STATUS_CODES.get(status, "")},
                       code=None if status != 429 else "rate_limited")
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


@bp.errorhandler(RequestInvalid)
def _request_invalid(exc: RequestInvalid):
    extra = {"features": exc.features} if exc.features else {}
    return problem(400, exc.errors, code="validation_error", detail=str(exc), **extra)


@bp.errorhandler(ValidationError)
def _invalid(exc: ValidationError):
    return problem(400, {GEOJSON_FIELDS.get(k, k): v for k, v in exc.errors.items()},
                   code="validation_error", detail=str(exc))


@bp.errorhandler(PermissionDenied)
def _denied(exc: PermissionDenied):
    return problem(403, {"Authorization": str(exc) or "You do not have access to this."},
                   code="forbidden")


@bp.errorhandler(NotFound)
def _missing(exc: NotFound):
    return problem(404, {"path": str(exc) or "Not found."}, code="not_found")


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return http_problem(exc)


@bp.before_app_request
def _unrouted():
    """A path under /api/v1/ that matched no route (404) or not this method (405)."""
    exc = request.routing_exception
    if exc is not None and request.path.startswith(PREFIX) and isinstance(exc, HTTPException):
        return http_problem(exc)
    return None


@bp.before_request
def _json_body():
    """415 for a POST body that is not JSON, 400 naming ``body`` for JSON that does not parse."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.mimetype not in JSON_MEDIA:
        return problem(415, {"Content-Type": "send application/json (or application/geo+json)"
                             f", not {request.mimetype or 'no content type'}"})
    try:
        json.loads(request.get_data() or b"")
    except ValueError:
        return problem(400, {"body": "the body is not valid JSON"}, code="validation_error")
    return None


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="est"'
    return response


def next_link(cursor: str | None, body: dict, headers: dict[str, str], media: str) -> None:
    """Add the ``next`` link of a page (``links`` in ``body``, HTTP ``Link`` in ``headers``).

    Every paged list of /api/v1 ends this way: the request's query string with ``cursor``
    replaced by the opaque cursor of :mod:`est.services.api.cursor`; no link on the last page.
    """
    if cursor is None:
        return
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    href = f"{request.base_url}?{urlencode([*args, ('cursor', cursor)])}"
    body["links"] = [{"rel": "next", "href": href, "type": media}]
    headers["Link"] = f'<{href}>; rel="next"'


def spectree_before(req, resp, error, instance, adapter) -> None:
    """spectree's hook: a request that failed a model raises :class:`RequestInvalid`."""
    if error is None:
        return
    errors: dict[str, str] = {}
    features: dict[str, dict[str, str]] = {}
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        if loc and loc[0] in ("Feature", "FeatureCollection"):  # the union's tag
            loc = loc[1:]
        message = item["msg"]
        if len(loc) > 1 and loc[0] == "features" and loc[1].isdigit():
            member = _member(loc[2:]) if len(loc) > 2 else "type"
            features.setdefault(loc[1], {}).setdefault(member, message)
            errors.setdefault(f"features.{loc[1]}.{member}", message)
        else:
            errors.setdefault(_member(loc), message)
    if features:
        errors = {"features": f"{len(features)} features are invalid; nothing was stored",
                  **errors}
    raise RequestInvalid(errors or {"body": "invalid request"}, features)


def _member(loc: list[str]) -> str:
    """The name of a failing member: properties.X as X, anything in the point as geometry."""
    if not loc:
        return "body"
    if loc[0] == "properties" and len(loc) > 1:
        return loc[1]
    if loc[0] == "geometry":
        return "geometry"
    return ".".join(loc)


def authenticated(*, bearer_only: bool = False) -> Callable:
    """Identify the caller before the request is validated (401 before 400).

    The caller is kept in ``g.api_caller`` (an API client or a signed-in user).
    """
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if bearer_only:
                client = bearer_client()
                if client is None:
                    raise Unauthorized("Send Authorization: Bearer <API key> to create "
                                       "reports.")
                g.api_caller = client
            else:
                g.api_caller = caller()
            return view(*args, **kwargs)
        return wrapper
    return decorator


def bearer_client() -> apikeys.ApiClient | None:
    """Return the API client of the request's ``Authorization: Bearer`` token, if valid."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return apikeys.authenticate(get_session(), token)


def caller() -> ActorLike:
    """Return the API client or the signed-in user; 401 when there is neither."""
    known = g.get("api_caller")
    if known is not None:
        return known
    if request.headers.get("Authorization"):
        client = bearer_client()
        if client is None:
            raise Unauthorized("The API key is unknown or revoked.")
        return client
    actor = current_actor()
    if actor is None:
        raise Unauthorized()
    return actor


@bp.get("/openapi.json")
@spec.validate(resp=Spec("HTTP_200"), security=[], operation_id="getOpenApi",
               before=spectree_before)
def openapi():
    """Return the OpenAPI 3.1 document of this API and the Open311 endpoints."""
    from web.views.api.reads import narrowed

    return jsonify(narrowed(document(), get_session()))


from web.views.api import hooks, reads, writes  # noqa: E402,F401  (routes on bp)
