"""GET /api/v1/reports/{id}: the report just POSTed (the OpenAPI link createReports ->
getReport that schemathesis's stateful phase follows), visibility as reports.geojson."""

from __future__ import annotations

from est.services import apikeys


def test_a_posted_report_is_read_back_by_its_id(client, make_area, make_organisation,
                                                db_session):
    area = make_area()
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    make_organisation("Polisen", "polis", area=area)
    ours = {"Authorization": "Bearer " + apikeys.create_key(
        db_session, organisation="Hallbo AB", label="sync")[1]}
    theirs = {"Authorization": "Bearer " + apikeys.create_key(
        db_session, organisation="Polisen", label="sync")[1]}
    created = client.post("/api/v1/reports", headers=ours, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1122, 59.0651]},
        "properties": {"category": "klotter", "occurred_at": "2026-11-12T21:30:00+01:00",
                       "description": "Tag på <b>väggen</b>"}})
    assert created.status_code == 201, created.get_data(as_text=True)
    report_id = created.get_json()["id"]
    assert created.get_json()["reports"] == [{k: v for k, v in created.get_json().items()
                                              if k != "reports"}]
    doc = client.get("/api/v1/openapi.json").get_json()
    link = doc["paths"]["/api/v1/reports"]["post"]["responses"]["201"]["links"]["GetReport"]
    assert link == {**link, "operationId": "getReport",
                    "parameters": {"report_id": "$response.body#/reports/0/id"}}
    got = client.get(f"/api/v1/reports/{report_id}", headers=ours)
    assert got.status_code == 200 and got.mimetype == "application/geo+json"
    feature = got.get_json()
    assert feature["type"] == "Feature" and feature["id"] == report_id
    assert feature["geometry"] == {"type": "Point", "coordinates": [15.1122, 59.0651]}
    props = feature["properties"]
    assert (props["category"], props["organisation"], props["description"]) == \
        ("klotter", "Hallbo AB", "Tag på <b>väggen</b>")
    assert props["reference"] == created.get_json()["reference"]
    assert "contact" not in props
    hidden = client.get(f"/api/v1/reports/{report_id}", headers=theirs)
    assert hidden.status_code == 404 and hidden.mimetype == "application/problem+json"
    missing = client.get("/api/v1/reports/00000000-0000-4000-8000-000000000000", headers=ours)
    assert missing.status_code == 404 and missing.get_json()["errors"][0]["field"] == "path"
    not_uuid = client.get("/api/v1/reports/not-a-uuid", headers=ours)
    assert not_uuid.status_code == 404 and not_uuid.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/reports/{report_id}").status_code == 401
