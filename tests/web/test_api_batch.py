"""Batch POST /api/v1/reports: a FeatureCollection of up to 1,000 Points, all-or-nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from est.models import AuditEvent, Report
from est.services import apikeys

TOWN = (15.1122, 59.0651)


@pytest.fixture
def token(db_session, make_area, make_organisation) -> str:
    area = make_area()
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    return apikeys.create_key(db_session, organisation="Hallbo AB", label="batch")[1]


def feature(lon: float = TOWN[0], lat: float = TOWN[1], **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"category": "klotter", **props}}


def post(client, token: str, features: list, **headers):
    return client.post("/api/v1/reports", json={"type": "FeatureCollection",
                                                  "features": features},
                       headers={"Authorization": f"Bearer {token}", **headers})


def count(db_session, model=Report) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_batch_stores_every_feature_in_order(client, db_session, token):
    features = [feature(15.1122 + i * 0.0001, description=f"Tagg {i}", severity=1 + i % 3)
                for i in range(25)]
    features[3] = feature(occurred_at="2026-11-12T21:30:00+01:00", description="Tagg 3")
    features[5] = feature(category="belysning", description="Tagg 5")  # otrygghet reason
    tricky = "Tagg\t7 \\N \\ \n\r\\t slut"  # COPY's specials arrive as sent
    features[7] = feature(description=tricky, contact="a@example.se", severity=3)
    response = post(client, token, features)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["count"] == 25 and len(body["reports"]) == 25
    assert {r["status"] for r in body["reports"]} == {"reviewed"}
    assert {r["source"] for r in body["reports"]} == {"api"}
    assert len({r["reference"] for r in body["reports"]}) == 25
    stored = {str(r.id): r for r in db_session.scalars(select(Report))}
    assert set(stored) == {r["id"] for r in body["reports"]}
    for i, row in enumerate(body["reports"]):
        if i != 7:
            assert stored[row["id"]].description == f"Tagg {i}"
            assert stored[row["id"]].contact is None
        if i not in (3, 5, 7):
            assert stored[row["id"]].severity == 1 + i % 3
    seventh = stored[body["reports"][7]["id"]]
    assert (seventh.description, seventh.contact, seventh.severity) == (
        tricky.strip(), None, 3)  # the API takes no contact property
    third = stored[body["reports"][3]["id"]]
    assert third.occurred_at.isoformat() == "2026-11-12T20:30:00+00:00"
    assert count(db_session, AuditEvent) == 25
    dark = stored[body["reports"][5]["id"]]
    db_session.refresh(dark)
    assert dark.kind == "otrygghet" and [c.code for c in dark.reasons] == ["belysning"]


def test_batch_is_all_or_nothing_with_errors_per_feature(client, db_session, token):
    features = [feature() for _ in range(6)]
    features[1] = feature(category="finns-inte")
    features[3] = {"type": "Feature", "geometry": {"type": "LineString",
                                                   "coordinates": [[15, 59], [15.1, 59]]}}
    features[4] = feature(12.0, 57.7)  # Göteborg: outside the municipality
    features[5] = feature(occurred_at="igår", severity=9)
    # The schema first: the shapes of features 3 and 5 are wrong, nothing else is looked at.
    response = post(client, token, features)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["error"] == "validation_error" and "features" in body["fields"]
    assert set(body["features"]) == {"3", "5"}
    assert set(body["features"]["3"]) == {"geometry", "properties"}
    assert set(body["features"]["5"]) == {"occurred_at", "severity"}  # "igår" is no date
    assert {e["field"] for e in body["errors"]} >= {"features.3.geometry",
                                                   "features.5.severity"}
    # Well-formed features then meet the report rules, all reported at once.
    features[3] = feature()
    features[5] = feature(occurred_at="1999-12-31T23:00:00+01:00")  # a date, but too early
    response = post(client, token, features)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "validation_error" and "features" in body["fields"]
    errors = body["features"]
    assert set(errors) == {"1", "4", "5"}
    assert set(errors["1"]) == {"category"}
    assert set(errors["4"]) == {"geometry"}
    assert set(errors["5"]) == {"occurred_at"}
    assert {"field": "features.4.geometry", "message": errors["4"]["geometry"]} \
        in body["errors"]
    assert count(db_session) == 0 and count(db_session, AuditEvent) == 0


@pytest.mark.parametrize("body", [
    {"type": "FeatureCollection"},
    {"type": "FeatureCollection", "features": []},
    {"type": "FeatureCollection", "features": "x"},
])
def test_batch_shape_errors_name_features(client, db_session, token, body):
    response = client.post("/api/v1/reports", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "features" in response.get_json()["fields"]
    assert count(db_session) == 0


def test_batch_limits_and_credentials(client, db_session, token):
    too_many = post(client, token, [feature()] * 1001)
    assert too_many.status_code == 400 and "features" in too_many.get_json()["fields"]
    keyed = post(client, token, [feature()], **{"Idempotency-Key": "k-1"})
    assert keyed.status_code == 400 and "Idempotency-Key" in keyed.get_json()["fields"]
    anonymous = client.post("/api/v1/reports", json={"type": "FeatureCollection",
                                                      "features": [feature()]})
    assert anonymous.status_code == 401
    not_a_feature = post(client, token, [feature(), ["not", "a", "feature"]])
    assert not_a_feature.status_code == 400
    assert set(not_a_feature.get_json()["features"]) == {"1"}
    assert count(db_session) == 0


def test_a_thousand_features_in_one_post(client, db_session, token):
    features = [feature(15.10 + (i % 40) * 0.0008, 59.06 + (i // 40) * 0.0004,
                        category="klotter" if i % 2 else "skadegorelse") for i in range(1000)]
    response = post(client, token, features)
    assert response.status_code == 201, str(response.get_json())[:500]
    assert response.get_json()["count"] == 1000
    assert count(db_session) == 1000 and count(db_session, AuditEvent) == 1000


def test_openapi_documents_the_batch(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    post_op = doc["paths"]["/api/v1/reports"]["post"]
    ref = post_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schemas[ref.rsplit("/", 1)[1]]["oneOf"]
    batch = next(schemas[s["$ref"].rsplit("/", 1)[1]] for s in body
                 if s["$ref"].endswith("/ReportBatch"))
    assert batch["properties"]["type"]["const"] == "FeatureCollection"
    assert batch["properties"]["features"]["maxItems"] == 1000
    assert "Problem" in str(post_op["responses"]["400"])
