"""GeoJSON API under /api/v1/: reports, cells, hot spots, posting, and the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import func, select

from est.models import Report
from est.review import Week
from est.services import apikeys
from est.services.reports import replace_places

TZ = "Europe/Stockholm"
W = Week(2026, 40, TZ)


@pytest.fixture
def hallsberg(make_area, make_organisation):
    area = make_area()
    return (area, make_organisation("Hallbo AB", "bostadsbolag", area=area),
            make_organisation("Polisen", "polis", area=area))


@pytest.fixture
def token(db_session, hallsberg) -> str:
    return apikeys.create_key(db_session, organisation="Hallbo AB", label="system")[1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def reports(hallsberg, make_report):
    area, hallbo, police = hallsberg
    now = datetime.now(ZoneInfo(TZ))  # local wall time: "60 days ago" is the same local day
    own = make_report(15.1122, 59.0651, area=area, organisation_id=hallbo.id,
                      occurred_at=now - timedelta(days=1), description="Trappa 3",
                      contact="secret@example.se", internal_note="intern")
    theirs = make_report(15.1300, 59.0800, area=area, organisation_id=police.id,
                         code="belysning", occurred_at=now - timedelta(days=3))
    old = make_report(15.1122, 59.0651, area=area, organisation_id=hallbo.id,
                      occurred_at=now - timedelta(days=60))
    return own, theirs, old


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return [f["id"] for f in response.get_json()["features"]]


def test_reports_by_role_and_key(client, sign_in, hallsberg, reports, token):
    own, theirs, _old = reports
    # an API key acts as a reporter of its organisation
    response = client.get("/api/v1/reports.geojson", headers=bearer(token))
    assert ids(response) == [str(own.id)]
    feature = response.get_json()["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [15.1122, 59.0651]}
    assert feature["properties"]["description"] == "Trappa 3"
    assert "secret@" not in response.get_data(as_text=True)
    assert "intern" not in response.get_data(as_text=True)
    sign_in("reporter", hallsberg[2])
    assert ids(client.get("/api/v1/reports.geojson")) == [str(theirs.id)]
    sign_in("coordinator", hallsberg[1])
    assert ids(client.get("/api/v1/reports.geojson")) == [str(own.id), str(theirs.id)]
    sign_in("viewer", hallsberg[1])
    assert client.get("/api/v1/reports.geojson").status_code == 403


def test_reports_need_a_caller(client, db_session, hallsberg, reports, token):
    anonymous = client.get("/api/v1/reports.geojson")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    assert "Bearer" in anonymous.headers["WWW-Authenticate"]
    assert client.get("/api/v1/reports.geojson",
                      headers=bearer("est_nope")).status_code == 401
    assert client.get("/api/v1/reports.geojson",
                      headers={"Authorization": "Basic eA=="}).status_code == 401
    apikeys.revoke_key(db_session, apikeys.list_keys(db_session)[0].id)
    assert client.get("/api/v1/reports.geojson", headers=bearer(token)).status_code == 401


def test_report_filters_and_limit(client, sign_in, hallsberg, reports):
    own, theirs, old = reports
    sign_in("admin", hallsberg[1])

    def get(**args):
        return ids(client.get("/api/v1/reports.geojson", query_string=args))

    assert get(category="belysning") == [str(theirs.id)]
    assert get(kind="incident") == [str(own.id)]
    assert get(bbox="15.12,59.07,15.14,59.09") == [str(theirs.id)]
    day = (datetime.now(ZoneInfo(TZ)) - timedelta(days=60)).date().isoformat()
    assert get(**{"from": day, "to": day}) == [str(old.id)]
    body = client.get("/api/v1/reports.geojson", query_string={"limit": "1"}).get_json()
    assert len(body["features"]) == 1 and body["truncated"] is True


@pytest.mark.parametrize(("args", "field"), [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "15.2,59,15.1,59.1"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-02-30"}, "to"),
    ({"from": "2026-11-02", "to": "2026-11-01"}, "to"),
    ({"category": "nope"}, "category"),
    ({"kind": "other"}, "kind"),
    ({"limit": "0"}, "limit"),
])
def test_report_bad_parameters(client, sign_in, hallsberg, args, field):
    sign_in("coordinator", hallsberg[1])
    response = client.get("/api/v1/reports.geojson", query_string=args)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]


def test_cells_for_viewers_with_small_counts_hidden(client, sign_in, hallsberg, make_report):
    area = hallsberg[0]
    now = datetime.now(UTC)
    for _ in range(5):
        make_report(15.1122, 59.0651, area=area, occurred_at=now - timedelta(hours=2))
    for _ in range(2):
        make_report(15.1400, 59.0800, area=area, occurred_at=now - timedelta(hours=2))
    make_report(15.1122, 59.0651, area=area, status="pending", source="public")
    sign_in("viewer", hallsberg[1])
    response = client.get("/api/v1/cells.geojson")
    assert response.status_code == 200
    body = response.get_json()
    assert body["cell_m"] == 200 and body["min_cell"] == 5
    assert [f["properties"]["count"] for f in body["features"]] == [5]
    assert body["features"][0]["geometry"]["type"] == "Polygon"
    assert "15.1122" not in response.get_data(as_text=True)
    assert client.get("/api/v1/cells.geojson?from=x").status_code == 400


def test_cells_need_a_caller(client, hallsberg, token):
    assert client.get("/api/v1/cells.geojson").status_code == 401
    assert client.get("/api/v1/cells.geojson", headers=bearer(token)).status_code == 200


def _at(day, hour):
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


def test_hotspots_of_a_week(client, sign_in, hallsberg, make_report, db_session):
    area = hallsberg[0]
    rng = np.random.default_rng(46)
    for i in range(25):
        make_report(15.1122 + rng.normal(0, 0.0002), 59.0651 + rng.normal(0, 0.0001), area=area,
                    occurred_at=_at(W.monday + timedelta(days=i % 7), 22))
    for _ in range(240):
        day = W.monday - timedelta(days=int(rng.integers(-6, 84)))
        make_report(float(rng.uniform(15.06, 15.16)), float(rng.uniform(59.035, 59.095)),
                    area=area, code="nedskrapning", occurred_at=_at(day, 14))
    replace_places(db_session, area.code, [("Resecentrum", 15.1123, 59.0651)])
    sign_in("viewer", hallsberg[1])
    response = client.get(f"/api/v1/hotspots.geojson?week={W.slug}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["week"] == "2026-W40" and body["run_id"]
    top = body["features"][0]
    assert top["geometry"]["type"] == "MultiPolygon" and top["properties"]["count"] >= 20
    assert top["properties"]["name"] == "Resecentrum"  # named from the nearest place
    again = client.get(f"/api/v1/hotspots.geojson?week={W.slug}").get_json()
    assert again["run_id"] == body["run_id"]  # the stored run is reused
    empty = client.get("/api/v1/hotspots.geojson?week=2020-W10").get_json()
    assert empty["features"] == [] and empty["message"]
    bad = client.get("/api/v1/hotspots.geojson?week=2026-W60")
    assert bad.status_code == 400 and "week" in bad.get_json()["fields"]
    client.post("/logga-ut")
    assert client.get(f"/api/v1/hotspots.geojson?week={W.slug}").status_code == 401


def feature(**props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1122, 59.0651]},
            "properties": {"category": "klotter", "description": "Tagg på väggen", **props}}


def test_post_report_with_key(client, db_session, hallsberg, token):
    when = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    response = client.post("/api/v1/reports", headers=bearer(token),
                           json=feature(occurred_at=when.isoformat(), severity=2.0))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "reviewed" and body["reference"].startswith("EST-")
    report = db_session.get(Report, body["id"])
    assert report.source == "api" and report.organisation_id == hallsberg[1].id
    assert report.severity == 2 and report.occurred_at == when
    other = client.post("/api/v1/reports", headers=bearer(token),
                        json=feature(category="belysning"))
    assert db_session.get(Report, other.get_json()["id"]).kind == "otrygghet"


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "FeatureCollection"}, "features"),  # a batch (tests/web/test_api_batch.py)
    ({"type": "Polygon"}, "body"),
    ({**feature(), "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
     "geometry"),
    ({**feature(), "geometry": {"type": "Point", "coordinates": [11.97, 57.7]}}, "geometry"),
    ({**feature(), "geometry": {"type": "Point", "coordinates": ["x", 59.0651]}}, "geometry"),
    (feature(category="nope"), "category"),
    (feature(kind="incident", category="belysning"), "category"),
    (feature(severity=7), "severity"),
    (feature(severity="2"), "severity"),
    (feature(severity=True), "severity"),
    (feature(severity=2.5), "severity"),
    (feature(occurred_at="igår"), "occurred_at"),
    (feature(description={"a": 1}), "description"),
    ({**feature(), "properties": []}, "properties"),
])
def test_post_report_errors(client, db_session, hallsberg, token, body, field):
    response = client.post("/api/v1/reports", headers=bearer(token), json=body)
    assert response.status_code == 400
    assert field in response.get_json()["fields"], response.get_json()
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_post_report_needs_a_key_not_a_session(client, db_session, sign_in, hallsberg, token):
    assert client.post("/api/v1/reports", json=feature()).status_code == 401
    sign_in("admin", hallsberg[1])
    assert client.post("/api/v1/reports", json=feature()).status_code == 401
    apikeys.revoke_key(db_session, apikeys.list_keys(db_session)[0].id)
    assert client.post("/api/v1/reports", headers=bearer(token),
                       json=feature()).status_code == 401
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def _routes(app, prefix: str) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(prefix):
            path = rule.rule.replace("<code>", "{service_code}").replace(
                "<request_id>", "{service_request_id}").replace("<int:hook_id>", "{hook_id}")
            path = path.replace("<uuid:report_id>", "{report_id}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.add((path, method.lower()))
    return found


def test_openapi_documents_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = _routes(app, "api.") | _routes(app, "open311.")
    assert len(routes) >= 10
    assert routes <= documented, routes - documented
    assert documented <= routes, documented - routes
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["summary"] and op["responses"]
