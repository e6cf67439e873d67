"""Administration pages: organisations, categories, districts and places from files, API keys,
settings over the environment, and the log; each validated (4xx naming the field) and audited."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from est.models import Area, AuditEvent, Category, Organisation, Place
from est.services import apikeys


@pytest.fixture
def admin(client, sign_in, make_organisation, make_area):
    area = make_area()
    org = make_organisation(name="Hallsbergs kommun", area=area)
    client.user = sign_in("admin", org)
    client.area, client.org = area, org
    return client


def events(db_session, action: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_only_admins(client, sign_in, make_organisation):
    sign_in("coordinator", make_organisation())
    for url in ("/admin/organisationer", "/admin/kategorier", "/admin/omraden",
                "/admin/api-nycklar", "/admin/installningar", "/admin/logg"):
        assert client.get(url).status_code == 403, url


def test_organisations(admin, db_session):
    bad = admin.post("/admin/organisationer", data={"name": "", "kind": "bank",
                                                   "area_id": "99999999"})
    assert bad.status_code == 400
    for text in ("Skriv organisationens namn.", "Välj en typ i listan.", "Välj en kommun"):
        assert text in bad.text
    dup = admin.post("/admin/organisationer", data={"name": "HALLSBERGS KOMMUN",
                                                   "kind": "kommun"})
    assert dup.status_code == 400 and "finns redan" in dup.text
    ok = admin.post("/admin/organisationer", data={
        "name": "Hallbo AB", "kind": "bostadsbolag", "area_id": str(admin.area.id)})
    assert ok.status_code == 302
    org = db_session.scalars(select(Organisation).where(Organisation.name == "Hallbo AB")).one()
    assert org.kind == "bostadsbolag" and not org.public_opt_in
    response = admin.post(f"/admin/organisationer/{org.id}", data={
        "name": "Hallbo AB", "kind": "bostadsbolag", "area_id": str(admin.area.id),
        "public_opt_in": "1"})
    assert response.status_code == 302
    [created] = events(db_session, "org_created")
    [changed] = events(db_session, "org_changed")
    assert created.new["subject"] == "Hallbo AB" and created.user_id == admin.user.id
    assert changed.old == {"public_opt_in": False}
    assert changed.new == {"subject": "Hallbo AB", "public_opt_in": True}
    assert "Hallbo AB" in admin.get("/admin/logg").text


def test_categories(admin, db_session, make_report, category):
    bad = admin.post("/admin/kategorier", data={"code": "Cykel Stöld!", "label_sv": "",
                                               "label_en": "x" * 201, "kind": "annat",
                                               "sort_order": "ett"})
    assert bad.status_code == 400
    for field in ("code", "label_sv", "label_en", "kind", "sort_order"):
        assert f'href="#f-{field}"' in bad.text
    ok = admin.post("/admin/kategorier", data={
        "code": "cykelstold", "label_sv": "Cykelstöld", "label_en": "Bicycle theft",
        "kind": "incident", "sort_order": "40", "active": "1"})
    assert ok.status_code == 302
    new = db_session.scalars(select(Category).where(Category.code == "cykelstold")).one()
    assert new.active and new.label_en == "Bicycle theft"
    # deactivate: no longer offered in the public form
    admin.post(f"/admin/kategorier/{new.id}", data={
        "label_sv": "Cykelstöld", "label_en": "Bicycle theft", "kind": "incident",
        "sort_order": "40"})
    db_session.expire_all()
    assert not new.active
    assert 'value="cykelstold"' not in admin.get("/rapportera").text
    # the kind of a category in use cannot change
    make_report(code="klotter")
    used = category("klotter")
    refused = admin.post(f"/admin/kategorier/{used.id}", data={
        "label_sv": used.label_sv, "label_en": used.label_en, "kind": "otrygghet",
        "sort_order": "0", "active": "1"})
    assert refused.status_code == 400 and "typen kan inte ändras" in refused.text
    [changed] = events(db_session, "category_changed")
    assert changed.old == {"active": True} and changed.new["active"] is False


def test_api_keys(admin, db_session):
    assert admin.post("/admin/api-nycklar", data={"organisation": "", "label": ""}
                      ).status_code == 400
    page = admin.post("/admin/api-nycklar", data={"organisation": str(admin.org.id),
                                                 "label": "Ärendesystemet"})
    assert page.status_code == 200
    token = page.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert apikeys.authenticate(db_session, token).organisation_id == admin.org.id
    listing = admin.get("/admin/api-nycklar").text
    assert "Ärendesystemet" in listing and token not in listing
    [key] = apikeys.list_keys(db_session)
    assert admin.post(f"/admin/api-nycklar/{key.id}/aterkalla").status_code == 302
    db_session.expire_all()
    assert apikeys.authenticate(db_session, token) is None
    assert [e.new["subject"] for e in events(db_session, "apikey_created")] == ["Ärendesystemet"]
    assert len(events(db_session, "apikey_revoked")) == 1


def feature(name, geometry, **props):
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def upload(data) -> dict:
    return {"file": (io.BytesIO(json.dumps(data).encode()), "fil.geojson")}


def test_districts_and_places_from_files(admin, db_session):
    square = {"type": "Polygon", "coordinates": [[[15.10, 59.06], [15.12, 59.06],
                                                  [15.12, 59.07], [15.10, 59.07],
                                                  [15.10, 59.06]]]}
    districts = {"type": "FeatureCollection",
                 "features": [feature("Centrum", square, id="C1")]}
    response = admin.post("/admin/omraden/stadsdelar", data={
        **upload(districts), "name_field": "name", "id_field": "id"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db_session.expire_all()
    district = db_session.scalars(select(Area).where(Area.kind == "district")).one()
    assert district.name == "Centrum" and district.parent_id == admin.area.id
    places = {"type": "FeatureCollection", "features": [
        feature("Torget", {"type": "Point", "coordinates": [15.11, 59.065]}, kind="torg")]}
    assert admin.post("/admin/omraden/platser", data=upload(places),
                      content_type="multipart/form-data").status_code == 302
    assert db_session.scalars(select(Place.name)).all() == ["Torget"]
    bad = admin.post("/admin/omraden/platser", data={
        "file": (io.BytesIO(b"\xff\xfe not json"), "x.geojson")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and 'href="#f-file"' in bad.text
    empty = admin.post("/admin/omraden/stadsdelar", data={"name_field": "name",
                                                         "id_field": "id"})
    assert empty.status_code == 400 and "Välj en GeoJSON-fil." in empty.text
    assert [e.new["created"] for e in events(db_session, "areas_imported")] == [1]
    assert [e.new["created"] for e in events(db_session, "places_imported")] == [1]
    assert "Centrum" in admin.get("/admin/omraden").text


def test_settings_override_the_environment(admin, app, db_session):
    assert app.config["EST_SETTINGS"].min_cell == 5
    bad = admin.post("/admin/installningar", data={"min_cell": "1", "retention_days": "x"})
    assert bad.status_code == 400
    assert 'href="#f-min_cell"' in bad.text and 'href="#f-retention_days"' in bad.text
    ok = admin.post("/admin/installningar", data={"min_cell": "7", "retention_days": ""})
    assert ok.status_code == 302
    assert app.config["EST_SETTINGS"].min_cell == 7
    assert app.config["EST_SETTINGS"].retention_days == 180
    [event] = events(db_session, "setting_changed")
    assert event.old == {"min_cell": 5} and event.new["min_cell"] == 7
    admin.post("/admin/installningar", data={"min_cell": "", "retention_days": ""})
    assert app.config["EST_SETTINGS"].min_cell == 5  # back to the environment
    assert len(events(db_session, "setting_changed")) == 2


def test_a_setting_stored_elsewhere_is_read_within_the_refresh(client, app, db_session,
                                                               make_area):
    from est.models.operators import Setting
    from web.views.admin.setup import REFRESH_S

    make_area()
    client.get("/om-kartan")  # the first request reads the (empty) table
    assert app.config["EST_SETTINGS"].min_cell == 5
    db_session.add(Setting(key="min_cell", value={"value": 9}))  # another worker saved it
    db_session.flush()
    client.get("/om-kartan")
    assert app.config["EST_SETTINGS"].min_cell == 5  # not before the refresh interval
    app.config["EST_SETTINGS_READ_AT"] -= REFRESH_S + 1
    assert "minst 9 rapporter" in client.get("/om-kartan").text
    assert app.config["EST_ENV_SETTINGS"].min_cell == 5
