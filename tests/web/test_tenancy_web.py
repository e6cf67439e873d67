"""Two municipalities in one deployment: scoped pages, the switcher, API routing by point."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from est.models import Report
from est.review import Week
from est.services import apikeys

TZ = "Europe/Stockholm"
W = Week(2026, 40, TZ)
A_BOX = (15.05, 59.03, 15.17, 59.10)
B_BOX = (15.17, 59.03, 15.29, 59.10)
IN_A, IN_B, NOWHERE = (15.10, 59.06), (15.25, 59.06), (18.07, 59.33)


@pytest.fixture
def two(make_area, make_organisation, make_report):
    a = make_area("1861", "Hallsberg", bounds=A_BOX)
    b = make_area("1882", "Askersund", bounds=B_BOX)
    org_a = make_organisation("Hallbo AB", "bostadsbolag", area=a)
    org_b = make_organisation("Askersundshem", "bostadsbolag", area=b)
    region = make_organisation("Polisen Lokalpolisområde Hallsberg", "polis")  # no area
    when = datetime(2026, 9, 30, 12, tzinfo=UTC)
    make_report(*IN_A, area=a, organisation_id=org_a.id, occurred_at=when,
                receipt_ref="AAAA0001", description="Klotter i Hallsberg")
    make_report(*IN_B, area=b, organisation_id=org_b.id, occurred_at=when,
                receipt_ref="BBBB0001", description="Klotter i Askersund")
    return a, b, org_a, org_b, region


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_user_never_sees_b(client, sign_in, two):
    sign_in("coordinator", two[2])
    review = client.get(f"/granskning/{W.slug}")
    assert review.status_code == 200 and "Hallsberg" in text(review)
    assert "Askersund" not in text(review)
    assert "Byt kommun" not in text(review)  # one municipality: no switcher
    for url in (f"/granskning/{W.slug}?kommun=1882", "/lagesbild?area=1882",
                "/atgardsplan?kommun=1882", "/personal/rapporter?kommun=1882"):
        assert client.get(url).status_code == 403, url
    listing = text(client.get("/personal/rapporter"))
    assert "AAAA0001" in listing and "BBBB0001" not in listing
    queue = text(client.get("/moderering"))
    assert "Askersund" not in queue


def test_regional_user_switches(client, sign_in, two):
    sign_in("coordinator", two[4])
    first = text(client.get(f"/granskning/{W.slug}"))
    assert "EST-granskning 2026-W40 – Hallsberg" in first  # EST_MUNICIPALITY is the default
    assert 'name="kommun"' in first and "Byt kommun" in first
    assert '<option value="1882">Askersund</option>' in first
    switched = text(client.get(f"/granskning/{W.slug}?kommun=1882"))
    assert "– Askersund" in switched and '<option value="1882" selected>' in switched
    remembered = text(client.get(f"/granskning/{W.slug}"))
    assert "– Askersund" in remembered
    plans = client.get("/atgardsplan")
    assert plans.status_code == 200 and "Askersund" in text(plans)
    back = client.get(f"/kommun?kommun=1861&next=/granskning/{W.slug}")
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/granskning/{W.slug}")
    assert "– Hallsberg" in text(client.get(f"/granskning/{W.slug}"))
    assert client.get("/kommun?kommun=1861&next=https://evil.example/").headers[
        "Location"].endswith("/personal/oversikt")
    assert client.get("/granskning?kommun=9999").status_code == 404
    listing = text(client.get("/personal/rapporter"))  # the current municipality's reports
    assert "AAAA0001" in listing and "BBBB0001" not in listing
    listing = text(client.get("/personal/rapporter?kommun=1882"))
    assert "AAAA0001" not in listing and "BBBB0001" in listing


def test_switcher_escapes_names_and_bounds_the_code(client, sign_in, two, db_session):
    two[1].name = '<script>alert("B")</script>'
    db_session.flush()
    sign_in("coordinator", two[4])
    html = text(client.get("/personal/oversikt"))
    assert '<script>alert("B")' not in html
    assert "&lt;script&gt;alert(&#34;B&#34;)&lt;/script&gt;</option>" in html
    too_long = client.get("/personal/oversikt?kommun=" + "1" * 40,
                          headers={"Accept": "application/json"})
    assert too_long.status_code == 400 and "kommun" in text(too_long)


def _feature(lon, lat):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"category": "klotter", "description": "Tagg"}}


def test_api_routes_by_point(client, db_session, two):
    a, b = two[0], two[1]
    regional = apikeys.create_key(db_session, organisation=two[4].id, label="region")[1]
    key_a = apikeys.create_key(db_session, organisation=two[2].id, label="hallbo")[1]
    auth = {"Authorization": f"Bearer {regional}"}
    in_b = client.post("/api/v1/reports", headers=auth, json=_feature(*IN_B))
    assert in_b.status_code == 201, text(in_b)
    assert db_session.get(Report, in_b.get_json()["id"]).area_id == b.id
    in_a = client.post("/api/v1/reports", headers=auth, json=_feature(*IN_A))
    assert db_session.get(Report, in_a.get_json()["id"]).area_id == a.id
    before = db_session.scalar(select(func.count()).select_from(Report))
    nowhere = client.post("/api/v1/reports", headers=auth, json=_feature(*NOWHERE))
    assert nowhere.status_code == 400
    assert "lon 18.070000, lat 59.330000" in nowhere.get_json()["fields"]["geometry"]
    other = client.post("/api/v1/reports", headers={"Authorization": f"Bearer {key_a}"},
                        json=_feature(*IN_B))
    assert other.status_code == 400 and "Askersund" in other.get_json()["fields"]["geometry"]
    batch = client.post("/api/v1/reports", headers=auth, json={
        "type": "FeatureCollection", "features": [_feature(*IN_B), _feature(*IN_B)]})
    assert batch.status_code == 201, text(batch)
    assert {db_session.get(Report, r["id"]).area_id for r in batch.get_json()["reports"]} \
        == {b.id}
    mixed = client.post("/api/v1/reports", headers=auth, json={
        "type": "FeatureCollection", "features": [_feature(*IN_B), _feature(*IN_A)]})
    assert mixed.status_code == 400 and "1" in mixed.get_json()["features"]
    assert db_session.scalar(select(func.count()).select_from(Report)) == before + 2


def test_open311_routes_by_point_and_checks_jurisdiction(client, db_session, two):
    regional = apikeys.create_key(db_session, organisation=two[4].id, label="region")[1]
    data = {"api_key": regional, "service_code": "klotter", "long": str(IN_B[0]),
            "lat": str(IN_B[1]), "description": "Klotter", "email": "a@example.se"}
    ok = client.post("/open311/v2/requests.json", data={**data, "jurisdiction_id": "1882"})
    assert ok.status_code == 200, text(ok)
    stored = db_session.get(Report, ok.get_json()[0]["service_request_id"])
    assert stored.area_id == two[1].id
    unknown = client.post("/open311/v2/requests.json", data={**data, "jurisdiction_id": "9999"})
    assert unknown.status_code == 400 and "jurisdiction_id" in text(unknown)
    assert "1861, 1882" in text(unknown) or "1882, 1861" in text(unknown)
    nowhere = client.post("/open311/v2/requests.json",
                          data={**data, "long": str(NOWHERE[0]), "lat": str(NOWHERE[1])})
    message = nowhere.get_json()[0]["description"]
    assert nowhere.status_code == 400 and message.startswith("long: Platsen (lon 18.070000")
    assert "ingen kommun som tjänsten betjänar" in message


def test_moderation_detail_shows_the_reports_own_municipality(client, sign_in, two,
                                                               make_report):
    pending = make_report(*IN_B, area=two[1], source="public", status="pending",
                          receipt_ref="BBBB0002")
    sign_in("coordinator", two[2])  # a moderator of A
    assert client.get(f"/moderering/{pending.id}").status_code == 404
    sign_in("coordinator", two[4])  # regional; current municipality A (the default)
    page = client.get(f"/moderering/{pending.id}")
    assert page.status_code == 200 and "Askersund" in text(page)
