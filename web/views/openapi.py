"""The OpenAPI 3.1 document, generated from the code (spectree + pydantic v2).

Every ``/api/v1`` view is decorated with :data:`spec` ``.validate(...)``: the pydantic models
in :mod:`web.views.api.schemas` both validate the request (a failure is a 400
``application/problem+json`` naming the fields) and are the schemas of the document, so the
two cannot drift. The Open311 GeoReport v2 endpoints follow the spec's own wire format (form
fields, XML twins, the spec's error list); their section is declared below and a test checks
it lists exactly the Open311 routes of the app.

Served as ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app
from spectree import SpecTree

PROBLEM_MEDIA = "application/problem+json"
GEOJSON_MEDIA = "application/geo+json"
SERIES_MEDIA = "application/geo+json-seq"
NDJSON_MEDIA = "application/x-ndjson"
CSV_MEDIA = "text/csv"

spec = SpecTree(
    "flask",
    mode="strict",
    title="EST lägesbild API",
    version="1.1.0",
    description=(
        "Reports in and out of EST lägesbild. `/api/v1`: GeoJSON for staff (session) and "
        "organisations' systems (`Authorization: Bearer <API key>`, created with `est apikeys "
        "create`). Lists are paged with an opaque `cursor` (follow `next`); the bulk export "
        "streams every matching report as GeoJSON text sequences or CSV. Errors are RFC 9457 "
        "`application/problem+json` with `errors: [{field, message}]`. `/open311/v2`: Open311 "
        "GeoReport v2 (JSON and XML); reads are public and generalised to 100 m cells, "
        "posting needs an `api_key`. Coordinates are WGS84."
    ),
    validation_error_status=400,
    annotations=False,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "An organisation's API key; acts as a reporter of it."},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "A signed-in staff session (/logga-in)."},
    "open311_api_key": {"type": "apiKey", "in": "query", "name": "api_key",
                        "description": "An organisation's API key. Open311 sends it as the "
                                       "form field `api_key` of the POST body (the spec's)."},
}

_OPEN311_ERROR = {"description": "The spec's error list (`field: message` each)",
                  "content": {"application/json": {"schema": {
                      "$ref": "#/components/schemas/Open311Error"}}}}
_OPEN311_SCHEMAS: dict[str, Any] = {
    "Open311Error": {
        "type": "array",
        "items": {"type": "object", "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "description": "'field: message'"}}},
    },
    "Service": {
        "type": "object",
        "properties": {"service_code": {"type": "string"}, "service_name": {"type": "string"},
                       "description": {"type": "string"}, "metadata": {"type": "boolean"},
                       "type": {"const": "realtime"}, "keywords": {"type": "string"},
                       "group": {"type": "string"}},
    },
    "ServiceRequest": {
        "type": "object",
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"enum": ["open", "closed"]},
            "service_code": {"type": "string"},
            "service_name": {"type": "string"},
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "lat": {"type": "number", "description": "Centre of a 100 m cell"},
            "long": {"type": "number", "description": "Centre of a 100 m cell"},
        },
    },
}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _json(schema: dict, media: str = "application/json") -> dict:
    return {"content": {media: {"schema": schema}}}


_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": ("1–255 printable ASCII characters (else 400). A repeated POST with the "
                    "same key, API key and body returns the first response and stores "
                    "nothing new; the same key with another body gives 422."),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}
_JURISDICTION = _query("jurisdiction_id", "The kommunkod (EST_MUNICIPALITY); else 400")

OPEN311_PATHS: dict[str, dict] = {
    "/open311/v2/services.json": {"get": {
        "operationId": "open311_services", "summary": "One service per active category",
        "security": [], "parameters": [_JURISDICTION],
        "responses": {"200": {"description": "Services", **_json(
            {"type": "array", "items": {"$ref": "#/components/schemas/Service"}})},
            "400": _OPEN311_ERROR},
    }},
    "/open311/v2/services/{service_code}.json": {"get": {
        "operationId": "open311_service_definition",
        "summary": "Service definition (otrygghet services: a `reasons` attribute)",
        "security": [],
        "parameters": [{"name": "service_code", "in": "path", "required": True,
                        "schema": {"type": "string"}}, _JURISDICTION],
        "responses": {"200": {"description": "Definition", **_json({"type": "object"})},
                      "400": _OPEN311_ERROR, "404": _OPEN311_ERROR},
    }},
    "/open311/v2/requests.json": {
        "get": {
            "operationId": "open311_requests",
            "summary": "Counted requests, locations generalised to 100 m cell centres",
            "security": [],
            "parameters": [
                _query("start_date", "ISO 8601; default 90 days ago"),
                _query("end_date", "ISO 8601, exclusive"),
                _query("status", "open, closed or both comma-separated"),
                _query("service_request_id", "Aggregate ids, comma-separated (at most 100); "
                       "overrides every other parameter"),
                _JURISDICTION,
                _query("service_code", "Codes, comma-separated"),
                _query("page", "Page number from 1", {"type": "integer", "minimum": 1}),
                _query("page_size", "1–1000, default 100",
                       {"type": "integer", "minimum": 1, "maximum": 1000}),
            ],
            "responses": {"200": {"description": "Requests, newest first", **_json(
                {"type": "array", "items": {"$ref": "#/components/schemas/ServiceRequest"}})},
                "400": _OPEN311_ERROR},
        },
        "post": {
            "operationId": "open311_post_request",
            "summary": "Create a request (form-encoded) with an organisation's api_key",
            "security": [{"open311_api_key": []}],
            "parameters": [_IDEMPOTENCY_KEY],
            "requestBody": {"required": True, **_json({
                "type": "object", "required": ["api_key", "service_code", "lat", "long"],
                "properties": {k: {"type": "string"} for k in (
                    "api_key", "service_code", "lat", "long", "description", "email",
                    "phone", "requested_datetime", "jurisdiction_id", "first_name",
                    "last_name", "address_string", "address_id", "device_id",
                    "account_id", "media_url", "attribute[reasons][]")},
            }, "application/x-www-form-urlencoded")},
            "responses": {"200": {"description": "service_request_id and service_notice",
                                  **_json({"type": "array", "items": {"type": "object"}})},
                          "400": _OPEN311_ERROR, "403": _OPEN311_ERROR,
                          "422": _OPEN311_ERROR, "429": {"description": "Rate limit"}},
        },
    },
    "/open311/v2/requests/{service_request_id}.json": {"get": {
        "operationId": "open311_request",
        "summary": "One counted request (generalised)",
        "security": [],
        "parameters": [{"name": "service_request_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}, _JURISDICTION],
        "responses": {"200": {"description": "A one-element list", **_json(
            {"type": "array", "items": {"$ref": "#/components/schemas/ServiceRequest"}})},
            "400": _OPEN311_ERROR, "404": _OPEN311_ERROR},
    }},
}


# OpenAPI links: where an answer's values feed the next call (schemathesis follows them).
LINKS = {
    ("/api/v1/reports", "post", "201"): {"GetReport": {
        "operationId": "getReport",
        "parameters": {"report_id": "$response.body#/reports/0/id"},
        "description": "Read the (first) report just created"}},
    ("/api/v1/webhooks", "post", "201"): {"DeleteWebhook": {
        "operationId": "deleteWebhook", "parameters": {"hook_id": "$response.body#/id"},
        "description": "Remove the webhook just created"}},
}


def _open311_paths() -> dict[str, dict]:
    """The Open311 section: every path also as ``.xml``, and the discovery documents."""
    paths = copy.deepcopy(OPEN311_PATHS)
    for path in list(paths):
        twin = copy.deepcopy(paths[path])
        for op in twin.values():
            op["summary"] += " (XML: the spec's element names)"
            op["operationId"] += "_xml"
        paths[path.removesuffix(".json") + ".xml"] = twin
    for fmt in ("json", "xml"):
        paths[f"/open311/discovery.{fmt}"] = {"get": {
            "operationId": f"open311_discovery_{fmt}",
            "summary": f"Open311 discovery document ({fmt.upper()})", "security": [],
            "parameters": [_JURISDICTION],
            "responses": {"200": {"description": "changeset, contact, key_service, endpoints"},
                          "400": _OPEN311_ERROR}}}
    return paths


def _media(operation: dict, status: str, media: str) -> None:
    """Serve the response ``status`` of ``operation`` as ``media`` instead of JSON."""
    response = operation.get("responses", {}).get(status)
    if response is None:
        return
    content = response.get("content") or {media: {"schema": {"type": "string"}}}
    response["content"] = {media: next(iter(content.values()))}


def document() -> dict:
    """Return the OpenAPI document of the app (generated for ``/api/v1``, plus Open311)."""
    from web.views.api import schemas  # noqa: F401  (the decorated views register on spec)

    cached = current_app.extensions.get("est_openapi")
    if cached is None:
        # spectree generates once per process (every app has the same blueprints); a second
        # generation would lose the nested models it lifted out of the first.
        doc = copy.deepcopy(spec.spec)
        doc["servers"] = [{"url": "/"}]
        doc.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        doc["components"]["schemas"].update(_OPEN311_SCHEMAS)
        for path, item in doc["paths"].items():
            for operation in item.values():
                operation.pop("tags", None)
                for parameter in operation.get("parameters", []):
                    _not_null(parameter)
                for status in list(operation.get("responses", {})):
                    if status >= "400":
                        _media(operation, status, PROBLEM_MEDIA)
                for status, media in _media_of(path).items():
                    _media(operation, status, media)
        doc.pop("tags", None)
        for (path, method, status), links in LINKS.items():
            doc["paths"][path][method]["responses"][status]["links"] = links
        doc["paths"].update(_open311_paths())
        cached = current_app.extensions["est_openapi"] = doc
    return copy.deepcopy(cached)


def _not_null(parameter: dict) -> None:
    """A parameter is absent or a value, never JSON null: drop pydantic's null branch."""
    schema = parameter.get("schema", {})
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    if "anyOf" in schema and len(variants) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        parameter["schema"] = {**rest, **variants[0]}


def _media_of(path: str) -> dict[str, str]:
    """Non-JSON success media types by path suffix."""
    if path.endswith(".geojson") or path == "/api/v1/reports/{report_id}":
        return {"200": GEOJSON_MEDIA}
    if path.endswith(".geojsonseq"):
        return {"200": SERIES_MEDIA}
    if path.endswith(".ndjson"):
        return {"200": NDJSON_MEDIA}
    if path.endswith(".csv"):
        return {"200": CSV_MEDIA}
    return {}
