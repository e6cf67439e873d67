"""Bounded input on every entry point: earliest dates, NUL bytes, body size, query parameters,
and list pages that survive a bad stored row."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, text

from est.errors import ValidationError
from est.models import Report
from est.services import apikeys
from web import create_app

PUBLIC = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
          "when": "now"}
FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1122, 59.0651]},
           "properties": {"category": "klotter"}}


@pytest.fixture
def area(make_area):
    return make_area()


@pytest.fixture
def kommun(area, make_organisation):
    return make_organisation("Hallsbergs kommun", "kommun", area=area)


@pytest.fixture
def token(db_session, area, make_organisation) -> str:
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    return apikeys.create_key(db_session, organisation="Hallbo AB", label="x")[1]


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


def fields(response) -> dict:
    body = response.get_json()
    assert body["error"] == "validation_error", body
    return body["fields"]


def open311_fields(response) -> str:
    body = response.get_json()
    assert isinstance(body, list) and body and all(e["code"] == response.status_code
                                                    for e in body), body
    return " | ".join(e["description"] for e in body)


# -- 1. the earliest date on every way in -----------------------------------------------------

@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_public_form_refuses_a_date_before_2000(client, db_session, area, day):
    before = count(db_session)
    response = client.post("/rapportera", data={**PUBLIC, "when": "at", "date": day,
                                                 "time": "12:00"})
    assert response.status_code == 400
    assert "före 2000-01-01" in response.get_data(as_text=True)
    assert count(db_session) == before


def test_staff_form_refuses_a_window_before_2000(client, db_session, sign_in, kommun):
    sign_in("coordinator", kommun)
    before = count(db_session)
    response = client.post("/personal/rapportera", data={
        **PUBLIC, "organisation": str(kommun.id), "occurred_from": "0001-01-01T00:00"})
    assert response.status_code == 400
    assert "före 2000-01-01" in response.get_data(as_text=True)
    assert count(db_session) == before


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00"])
def test_apis_refuse_a_bc_time_naming_the_field(client, db_session, token, value):
    before = count(db_session)
    feature = {**FEATURE, "properties": {"category": "klotter", "occurred_at": value}}
    response = client.post("/api/v1/reports", json=feature,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "före 2000-01-01" in fields(response)["occurred_at"]
    response = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "klotter", "lat": "59.0651", "long": "15.1122",
        "requested_datetime": value})
    assert response.status_code == 400
    assert "requested_datetime: Datumet kan inte vara före" in open311_fields(response)
    assert count(db_session) == before


def test_query_dates_are_bounded(client, sign_in, kommun, token):
    response = client.get("/api/v1/reports.geojson?from=0001-01-01",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "from" in fields(response)
    response = client.get("/api/v1/cells.geojson?to=9999-12-31T00:00:00-12:00",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "to" in fields(response)
    response = client.get("/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B05:00")
    assert response.status_code == 400 and "start_date:" in open311_fields(response)
    sign_in("coordinator", kommun)
    response = client.get("/lagesbild?from=0001-01-01&to=2026-01-01")
    assert response.status_code == 400 and "före 2000-01-01" in response.get_data(as_text=True)


# -- 2. list pages survive a bad stored row ---------------------------------------------------

def _store_bc_row(db_session, area, status: str) -> None:
    """Store a BC time past the CHECK constraint (dropped inside the test transaction only)."""
    db_session.execute(text("ALTER TABLE report DROP CONSTRAINT ck_report_occurred_at_min"))
    db_session.execute(text(
        "INSERT INTO report (id, kind, category_id, geom, area_id, occurred_at, status, source,"
        " receipt_ref) SELECT gen_random_uuid(), 'incident', c.id, "
        "ST_SetSRID(ST_MakePoint(15.1122, 59.0651), 4326), :area, "
        "'0001-01-01 00:00:00+00:53:28 BC', :status, 'public', 'BADTIME1' "
        "FROM category c WHERE c.code = 'klotter'"), {"area": area.id, "status": status})


@pytest.mark.parametrize(("path", "status", "role"), [
    ("/moderering/", "pending", "coordinator"),
    ("/personal/rapporter", "pending", "coordinator"),
    ("/personal/rapporter", "reviewed", "reporter"),
])
def test_list_pages_survive_a_bc_row(client, db_session, sign_in, area, kommun, make_report,
                                     path, status, role):
    good = make_report(area=area, source="public", status=status)
    _store_bc_row(db_session, area, status)
    if role == "reporter":
        db_session.execute(text("UPDATE report SET organisation_id = :o, source = "
                                "'organisation' WHERE receipt_ref = 'BADTIME1' OR id = :g"),
                           {"o": kommun.id, "g": good.id})
    sign_in(role, kommun)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "EST-BADTIME1" in html and "ogiltig tid" in html
    assert html.count("ogiltig tid") == 1  # the good row shows its time


def test_detail_page_survives_a_bc_row(client, db_session, sign_in, area, kommun):
    _store_bc_row(db_session, area, "pending")
    report_id = db_session.scalar(text("SELECT id FROM report WHERE receipt_ref = 'BADTIME1'"))
    sign_in("coordinator", kommun)
    for path in (f"/moderering/{report_id}", f"/personal/rapporter/{report_id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "ogiltig tid" in response.get_data(as_text=True)


# -- 3. NUL bytes -----------------------------------------------------------------------------

def test_nul_in_a_public_form_field_is_400_naming_it(client, db_session, area):
    before = count(db_session)
    response = client.post("/rapportera", data={**PUBLIC, "description": "hej\x00då"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<strong>description</strong>" in html and "NUL" in html
    assert count(db_session) == before


def test_nul_in_json_is_400_naming_the_field(client, db_session, token):
    before = count(db_session)
    feature = {**FEATURE, "properties": {"category": "klotter", "description": "a\u0000b"}}
    response = client.post("/api/v1/reports", json=feature,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "NUL" in fields(response)["description"]
    assert count(db_session) == before


def test_nul_in_open311_is_400_in_open311_shape(client, db_session, token):
    before = count(db_session)
    response = client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": "klotter", "lat": "59.0651", "long": "15.1122",
        "description": "x\x00"})
    assert response.status_code == 400
    assert "description: " in open311_fields(response)
    response = client.get("/open311/v2/requests.json?status=open%00")
    assert response.status_code == 400 and "status: " in open311_fields(response)
    assert count(db_session) == before


def test_nul_in_a_filter_or_header_is_400(client, sign_in, kommun, token):
    response = client.get("/api/v1/reports.geojson?kind=incident%00",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "kind" in fields(response)
    sign_in("coordinator", kommun)
    response = client.get("/personal/rapporter?status=pending%00")
    assert response.status_code == 400 and "<strong>status</strong>" in response.get_data(
        as_text=True)
    response = client.get("/granskning/2026-W10?category=%00")
    assert response.status_code == 400


# -- 4. body size and field length ------------------------------------------------------------

def test_a_50_mb_body_is_413_before_it_is_parsed(client, db_session, area):
    before = count(db_session)
    body = b"description=" + b"x" * (50 * 1024 * 1024)
    started = time.perf_counter()
    response = client.post("/rapportera", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert time.perf_counter() - started < 5
    response = client.post("/api/v1/reports", data=body, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]
    response = client.post("/open311/v2/requests.json", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and open311_fields(response)
    assert count(db_session) == before


def test_body_limit_is_configurable(app_config, area):
    app = create_app({**app_config, "EST_MAX_BODY_BYTES": "2048"})
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    response = app.test_client().post("/rapportera", data={**PUBLIC,
                                                           "description": "x" * 3000})
    assert response.status_code == 413
    app.extensions["est_db"].dispose()


def test_over_long_fields_and_parameters_are_400_naming_them(client, db_session, area, token):
    response = client.post("/rapportera", data={**PUBLIC, "description": "x" * 2001})
    assert response.status_code == 400 and "högst 2000 tecken" in response.get_data(
        as_text=True)
    response = client.post("/rapportera", data={**PUBLIC, "contact": "x" * 30_000})
    assert response.status_code == 400 and "<strong>contact</strong>" in response.get_data(
        as_text=True)
    response = client.get("/api/v1/reports.geojson?category=" + "x" * 3000,
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "category" in fields(response)
    feature = {**FEATURE, "properties": {"category": "klotter", "description": "x" * 2001}}
    response = client.post("/api/v1/reports", data=json.dumps(feature),
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "description" in fields(response)


# -- 5. bounded query parameters --------------------------------------------------------------

@pytest.mark.parametrize(("query", "field"), [
    ("start=bad", "start"), ("start=0001-01-01", "start"), ("end=2026-13-01", "end"),
    ("start=2026-01-01&end=9999-01-01", "end"), ("from=bad", "from"),
])
def test_promise_draft_dates_are_400_naming_the_field(client, sign_in, kommun, query, field):
    sign_in("coordinator", kommun)
    response = client.get(f"/promises/draft?{query}")
    assert response.status_code == 400
    assert f"<strong>{field}</strong>" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "abc", "1.5"])
def test_review_organisation_filter_out_of_range_is_400(client, sign_in, kommun, value):
    sign_in("coordinator", kommun)
    response = client.get(f"/granskning/2026-W10?organisation={value}")
    assert response.status_code == 400
    assert "<strong>organisation</strong>" in response.get_data(as_text=True)


def test_review_filters_still_work(client, sign_in, kommun):
    sign_in("coordinator", kommun)
    for query in ("organisation=public", f"organisation={kommun.id}", ""):
        assert client.get(f"/granskning/2026-W10?{query}").status_code == 200, query


@pytest.mark.parametrize("path", [
    "/granskning/0001-W01", "/granskning/9999-W52", "/atgarder/99999999999999999999",
])
def test_absurd_weeks_and_ids_are_404(client, sign_in, kommun, path):
    sign_in("coordinator", kommun)
    assert client.get(path).status_code == 404


def test_other_int_parameters_are_bounded(client, sign_in, kommun, token):
    response = client.get("/api/v1/reports.geojson?limit=99999999999999999999",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "limit" in fields(response)
    response = client.get("/open311/v2/requests.json?page=99999999999999999999")
    assert response.status_code == 400 and "page: " in open311_fields(response)
    sign_in("coordinator", kommun)
    for value in ("99999999999999999999", "999999999999", "-5"):
        response = client.get(f"/granskning/2026-W10/atgard/ny?hotspot={value}")
        assert response.status_code in (200, 400), value  # unknown hot spot, never a 500


def test_action_place_name_and_ids_are_bounded(db_session, area, kommun, make_actor, category):
    from est.services import actions

    coordinator = make_actor("coordinator", org=kommun)
    data = {"category_id": str(category("klotter").id), "title": "Sanering",
            "organisation_id": str(kommun.id), "starts_on": "2026-03-02",
            "place_name": "x" * 201, "hotspot_id": "99999999999999999999"}
    with pytest.raises(ValidationError) as exc:
        actions.create_action(db_session, coordinator, area_id=area.id, data=data)
    assert set(exc.value.errors) == {"place_name"}  # the huge id is simply no hot spot
    data.update(place_name="Stationen", category_id="99999999999999999999", hotspot_id="")
    with pytest.raises(ValidationError) as exc:
        actions.create_action(db_session, coordinator, area_id=area.id, data=data)
    assert set(exc.value.errors) == {"target"}
