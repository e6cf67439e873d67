"""The hand-written OpenAPI 3.1 document of /api/v1 and /open311/v2 (served as openapi.json)."""

from __future__ import annotations

import copy


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/{name}"}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _json(schema: dict, media: str = "application/json") -> dict:
    return {"content": {media: {"schema": schema}}}


_ERROR = _ref("responses/Error")
_OPEN311_ERROR = _ref("responses/Open311Error")
_PERIOD = [
    _query("from", "Start (local date 2026-11-01 or ISO 8601 date-time); default 30 days ago."),
    _query("to", "End, exclusive; a date-only value includes that day. Default now."),
]
_GEOJSON = _json({"$ref": "#/components/schemas/FeatureCollection"}, "application/geo+json")
_AUTH = [{"bearer": []}, {"session": []}]
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": ("1–255 printable ASCII characters (else 400). A repeated POST with the "
                    "same key, API key and body returns the first response and stores "
                    "nothing new; the same key with another body gives 422."),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}

DOCUMENT: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "EST lägesbild API",
        "version": "1.0.0",
        "description": (
            "Reports in and out of EST lägesbild. `/api/v1`: GeoJSON for staff (session) and "
            "organisations' systems (`Authorization: Bearer <API key>`, created with `est "
            "apikeys create`). `/open311/v2`: Open311 GeoReport v2 (JSON); reads are public "
            "and generalised to 100 m cells, posting needs an `api_key`. Coordinates are WGS84."
        ),
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "An organisation's API key; acts as a reporter of it."},
            "session": {"type": "apiKey", "in": "cookie", "name": "session",
                        "description": "A signed-in staff session (/logga-in)."},
        },
        "schemas": {
            "FeatureCollection": {
                "type": "object", "required": ["type", "features"],
                "properties": {"type": {"const": "FeatureCollection"},
                               "features": {"type": "array", "items": {"type": "object"}}},
            },
            "ReportFeature": {
                "type": "object", "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {"type": "object", "required": ["type", "coordinates"],
                                 "properties": {
                                     "type": {"const": "Point"},
                                     "coordinates": {"type": "array", "minItems": 2,
                                                     "maxItems": 3,
                                                     "items": {"type": "number"},
                                                     "description": "[longitude, latitude]"}}},
                    "properties": {
                        "type": "object", "required": ["category"],
                        "properties": {
                            "category": {"type": "string", "description": "Category code"},
                            "kind": {"enum": ["incident", "otrygghet"]},
                            "occurred_at": {"type": "string", "format": "date-time"},
                            "description": {"type": "string", "maxLength": 2000},
                            "severity": {"enum": [1, 2, 3]},
                        },
                    },
                },
            },
            "Created": {
                "type": "object",
                "properties": {"id": {"type": "string", "format": "uuid"},
                               "reference": {"type": "string", "examples": ["EST-1A2B3C4D"]},
                               "status": {"const": "reviewed"}, "source": {"const": "api"}},
            },
            "Error": {
                "type": "object", "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                               "fields": {"type": "object",
                                          "additionalProperties": {"type": "string"}}},
            },
            "Open311Error": {
                "type": "array",
                "items": {"type": "object", "properties": {
                    "code": {"type": "integer"},
                    "description": {"type": "string",
                                    "description": "'field: message'"}}},
            },
            "Service": {
                "type": "object",
                "properties": {"service_code": {"type": "string"},
                               "service_name": {"type": "string"},
                               "description": {"type": "string"},
                               "metadata": {"const": False}, "type": {"const": "realtime"},
                               "keywords": {"type": "string"},
                               "group": {"enum": ["incident", "otrygghet"]}},
            },
            "ServiceRequest": {
                "type": "object",
                "properties": {
                    "service_request_id": {"type": "string"},
                    "status": {"enum": ["open", "closed"]},
                    "service_code": {"type": "string"},
                    "service_name": {"type": "string"},
                    "requested_datetime": {"type": "string", "format": "date-time"},
                    "lat": {"type": "number", "description": "Centre of a 100 m cell"},
                    "long": {"type": "number", "description": "Centre of a 100 m cell"},
                },
            },
        },
        "responses": {
            "Error": {"description": "Bad input (400), not signed in (401), forbidden (403), "
                                     "not found (404)",
                      **_json({"$ref": "#/components/schemas/Error"})},
            "Open311Error": {"description": "Open311 error list (400, 403, 404)",
                             **_json({"$ref": "#/components/schemas/Open311Error"})},
        },
    },
    "paths": {
        "/api/v1/reports.geojson": {"get": {
            "summary": "Reports the caller may see (exact points)",
            "description": "Reporters and API keys: their organisation's reports; coordinators "
                           "and admins: their municipality's; viewers get 403.",
            "security": _AUTH,
            "parameters": [*_PERIOD,
                           _query("category", "Category codes, comma-separated"),
                           _query("kind", "incident or otrygghet",
                                  {"enum": ["incident", "otrygghet"]}),
                           _query("bbox", "min_lon,min_lat,max_lon,max_lat (WGS84)"),
                           _query("limit", "At most this many features (1–5000)",
                                  {"type": "integer", "minimum": 1, "maximum": 5000})],
            "responses": {"200": {"description": "FeatureCollection, newest first", **_GEOJSON},
                          "400": _ERROR, "401": _ERROR, "403": _ERROR},
        }},
        "/api/v1/cells.geojson": {"get": {
            "summary": "Counted reports per 200 m cell (EST_MIN_CELL suppression)",
            "security": _AUTH,
            "parameters": list(_PERIOD),
            "responses": {"200": {"description": "Cell polygons with counts", **_GEOJSON},
                          "400": _ERROR, "401": _ERROR, "403": _ERROR},
        }},
        "/api/v1/hotspots.geojson": {"get": {
            "summary": "Hot spots of an ISO week (stored run, or detected and stored)",
            "security": _AUTH,
            "parameters": [_query("week", "ISO week such as 2026-W46; default last week")],
            "responses": {"200": {"description": "Hot spot polygons with statistics", **_GEOJSON},
                          "400": _ERROR, "401": _ERROR, "403": _ERROR},
        }},
        "/api/v1/reports": {"post": {
            "summary": "Create a report from a GeoJSON Point Feature, or up to 1,000 reports "
                       "from a FeatureCollection (all-or-nothing)",
            "description": ("A FeatureCollection of 1–1,000 Point Features is checked feature "
                            "by feature with the rules of a single POST; if any feature is "
                            "invalid nothing is stored and the 400 carries `features`: "
                            "`{\"<index>\": {\"<field>\": \"<message>\"}}`. "
                            "`Idempotency-Key` is for single Features only (400 on a batch)."),
            "security": [{"bearer": []}],
            "parameters": [_IDEMPOTENCY_KEY],
            "requestBody": {"required": True, **_json({"oneOf": [
                {"$ref": "#/components/schemas/ReportFeature"},
                {"type": "object", "required": ["type", "features"],
                 "properties": {"type": {"const": "FeatureCollection"},
                                "features": {"type": "array", "minItems": 1, "maxItems": 1000,
                                             "items": {"$ref": "#/components/schemas/"
                                                               "ReportFeature"}}}},
            ]})},
            "responses": {"201": {"description": "Stored as reviewed, for the key's "
                                                 "organisation (a batch: `count` and "
                                                 "`reports` in the order sent)",
                                  **_json({"oneOf": [
                                      {"$ref": "#/components/schemas/Created"},
                                      {"type": "object", "properties": {
                                          "type": {"const": "FeatureCollection"},
                                          "count": {"type": "integer"},
                                          "reports": {"type": "array", "items": {
                                              "$ref": "#/components/schemas/Created"}}}},
                                  ]})},
                          "400": {"description": "Bad input; a batch adds `features` (errors "
                                                 "per feature index)",
                                  **_json({"allOf": [
                                      {"$ref": "#/components/schemas/Error"},
                                      {"type": "object", "properties": {"features": {
                                          "type": "object", "additionalProperties": {
                                              "type": "object", "additionalProperties": {
                                                  "type": "string"}}}}}]})},
                          "401": _ERROR, "422": _ERROR,
                          "429": {"description": "Rate limit"}},
        }},
        "/api/v1/openapi.json": {"get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1", **_json({"type": "object"})}},
        }},
        "/open311/v2/services.json": {"get": {
            "summary": "One service per active category",
            "security": [],
            "responses": {"200": {"description": "Services", **_json(
                {"type": "array", "items": {"$ref": "#/components/schemas/Service"}})}},
        }},
        "/open311/v2/services/{service_code}.json": {"get": {
            "summary": "Service definition (no attributes)",
            "security": [],
            "parameters": [{"name": "service_code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Definition", **_json({"type": "object"})},
                          "404": _OPEN311_ERROR},
        }},
        "/open311/v2/requests.json": {
            "get": {
                "summary": "Counted requests, locations generalised to 100 m cell centres",
                "security": [],
                "parameters": [
                    _query("start_date", "ISO 8601; default 90 days ago"),
                    _query("end_date", "ISO 8601, exclusive"),
                    _query("status", "open, closed or both comma-separated"),
                    _query("service_request_id", "Aggregate ids, comma-separated (at most "
                           "100); overrides every other parameter"),
                    _query("jurisdiction_id", "The kommunkod (EST_MUNICIPALITY); else 400"),
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
                "summary": "Create a request (form-encoded) with an organisation's api_key",
                "security": [],
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
            "summary": "One counted request (generalised)",
            "security": [],
            "parameters": [{"name": "service_request_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "A one-element list", **_json(
                {"type": "array", "items": {"$ref": "#/components/schemas/ServiceRequest"}})},
                "404": _OPEN311_ERROR},
        }},
    },
}


def document() -> dict:
    """Return a copy of the OpenAPI document (Open311 paths also as .xml, and discovery)."""
    doc = copy.deepcopy(DOCUMENT)
    paths = doc["paths"]
    for path in [p for p in paths if p.startswith("/open311/v2/")]:
        twin = copy.deepcopy(paths[path])
        for op in twin.values():
            op["summary"] += " (XML: the spec's element names)"
        paths[path.removesuffix(".json") + ".xml"] = twin
    for fmt in ("json", "xml"):
        paths[f"/open311/discovery.{fmt}"] = {"get": {
            "summary": f"Open311 discovery document ({fmt.upper()})", "security": [],
            "responses": {"200": {"description": "changeset, contact, key_service, endpoints"},
                          "400": _OPEN311_ERROR}}}
    return doc
