"""POST /api/v1/reports: one report (a GeoJSON Point Feature) or a batch (FeatureCollection).

The body is first checked against :class:`~web.views.api.schemas.ReportPost` (the schema of
the OpenAPI document), then by the report service's rules; both answer 400 problems naming
the fields.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from spectree import Response as Spec

from est import tenancy
from est.errors import ValidationError
from est.services import api, api_batch, reports
from web.db import get_session
from web.extensions import limiter
from web.views.api import (
    GEOJSON_FIELDS,
    authenticated,
    bp,
    problem,
    spectree_before,
)
from web.views.api.schemas import (
    Created,
    CreatedAny,
    IdempotencyHeaders,
    Problem,
    ReportPost,
)
from web.views.open311 import DEFAULT_RATE_LIMIT
from web.views.openapi import spec

PROPERTIES = ("category", "kind", "occurred_at", "description", "severity")


@bp.post("/reports")
@limiter.limit(lambda: current_app.config.get("EST_API_RATE_LIMIT", DEFAULT_RATE_LIMIT),
               methods=["POST"])
@authenticated(bearer_only=True)
@spec.validate(json=ReportPost, headers=IdempotencyHeaders,
               resp=Spec(HTTP_201=CreatedAny, HTTP_400=Problem, HTTP_401=Problem,
                         HTTP_413=Problem, HTTP_415=Problem, HTTP_422=Problem,
                         HTTP_429=Problem),
               security={"bearer": []}, operation_id="createReports", before=spectree_before)
def post_report():
    """Create a report from a GeoJSON Point Feature, or up to 1,000 from a FeatureCollection.

    Needs an API key (Bearer); the report is stored as reviewed for the key's organisation.
    A FeatureCollection is checked feature by feature with the rules of a single POST and
    is all-or-nothing: if any feature is invalid nothing is stored and the 400 carries
    `features`: `{"<index>": {"<field>": "<message>"}}`. `Idempotency-Key` is for single
    Features only (400 on a batch).
    """
    client = g.api_caller
    feature = request.get_json()
    if feature.get("type") == "FeatureCollection":
        return _post_batch(client, feature)
    values = _feature_fields(feature)
    settings = current_app.config["EST_SETTINGS"]
    area = tenancy.route_point(get_session(), client, values["lon"], values["lat"],
                               field="geometry")
    key = api.idempotency_key(client, request.headers.get(api.IDEMPOTENCY_HEADER),
                              api.canonical_json(feature))
    if key is None:  # the batch writer (COPY, no ORM flush): the same rules, less CPU
        try:
            stored = api_batch.submit_batch(
                get_session(), client, [values], tz=settings.tz,
                municipality=area.code if area else settings.municipality)
        except api_batch.BatchInvalid as exc:
            raise ValidationError({GEOJSON_FIELDS.get(k, k): v
                                   for k, v in exc.features["0"].items()}) from None
        return jsonify(_created_one(stored[0])), 201
    try:
        report = api.submit_report(get_session(), client,
                                   municipality=area.code if area else settings.municipality,
                                   tz=settings.tz, idempotency=key, **values)
    except ValidationError as exc:
        raise ValidationError({GEOJSON_FIELDS.get(k, k): v for k, v in exc.errors.items()}) \
            from None
    except api.IdempotencyMismatch as exc:
        return problem(422, {api.IDEMPOTENCY_HEADER: str(exc)}, code="idempotency_key_reused")
    return jsonify(_created_one(report)), 201


def _feature_fields(feature: dict) -> dict:
    """Return a Point Feature's report fields (the schema has checked the shape)."""
    coords = feature["geometry"]["coordinates"]
    props = feature.get("properties") or {}
    values = {name: _scalar(props.get(name)) for name in PROPERTIES}
    return {**values, "lon": _scalar(coords[0]), "lat": _scalar(coords[1])}


def _post_batch(client, collection: dict):
    """Store a FeatureCollection's reports all-or-nothing (201 with them in order)."""
    if request.headers.get(api.IDEMPOTENCY_HEADER) is not None:
        raise ValidationError("is not supported on a FeatureCollection; send features "
                              "one by one to use it", field=api.IDEMPOTENCY_HEADER)
    items = [_feature_fields(f) for f in collection["features"]]
    settings = current_app.config["EST_SETTINGS"]
    # A batch goes to one municipality (est.tenancy.route_batch); a feature in another
    # fails the per-feature check (outside the municipality), so nothing is stored.
    area = tenancy.route_batch(get_session(), client,
                               [(i["lon"], i["lat"]) for i in items if "errors" not in i])
    try:
        stored = api_batch.submit_batch(get_session(), client, items,
                                        municipality=area.code if area else settings.municipality,
                                        tz=settings.tz)
    except api_batch.BatchInvalid as exc:
        features = {i: {GEOJSON_FIELDS.get(k, k): v for k, v in errors.items()}
                    for i, errors in exc.features.items()}
        listed = {f"features.{i}.{k}": v for i, errors in features.items()
                  for k, v in errors.items()}
        response = problem(400, listed, code="validation_error", detail=str(exc),
                           features=features)
        body = response.get_json()
        body["fields"] = exc.errors
        response.set_data(jsonify(body).get_data())
        return response
    return jsonify({"type": "FeatureCollection", "count": len(stored),
                    "reports": [_created(r) for r in stored]}), 201


def _created(report) -> dict:
    return Created(id=str(report.id), reference=reports.reference(report.receipt_ref),
                   status=report.status, source="api").model_dump()


def _created_one(report) -> dict:
    """A single Feature's 201: the report, and again as ``reports`` (as a batch lists it)."""
    created = _created(report)
    return {**created, "reports": [created]}


def _scalar(value) -> str | None:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # JSON has one number type: 2.0 is the integer 2 (a severity)
    return None if value is None else str(value)
