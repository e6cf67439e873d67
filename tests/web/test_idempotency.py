"""``Idempotency-Key`` on the POSTs of the GeoJSON API and Open311: one report per key and body."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est.models import Area, Organisation, Report
from est.services import apikeys
from tests.servers import serve_app

from ..conftest import HALLSBERG_BOX, migrated_engine, throwaway_database

HEADER = "Idempotency-Key"


@pytest.fixture
def tokens(db_session, make_area, make_organisation) -> tuple[str, str]:
    area = make_area()
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    make_organisation("Skolan", "skola", area=area)
    return (apikeys.create_key(db_session, organisation="Hallbo AB", label="a")[1],
            apikeys.create_key(db_session, organisation="Skolan", label="b")[1])


def feature(**props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1122, 59.0651]},
            "properties": {"category": "klotter", "description": "Tagg", **props}}


def post(client, token: str, body: dict, key: str | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers[HEADER] = key
    return client.post("/api/v1/reports", headers=headers, json=body)


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


def test_api_repeat_returns_the_first_report(client, db_session, tokens):
    first = post(client, tokens[0], feature(), "order-4711")
    assert first.status_code == 201, first.get_data(as_text=True)
    # the same body in another key order and spacing is the same request
    raw = json.dumps({"properties": {"description": "Tagg", "category": "klotter"},
                      "geometry": {"coordinates": [15.1122, 59.0651], "type": "Point"},
                      "type": "Feature"}, indent=2)
    again = client.post("/api/v1/reports", data=raw, content_type="application/json",
                        headers={"Authorization": f"Bearer {tokens[0]}", HEADER: "order-4711"})
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert count(db_session) == 1
    stored = db_session.get(Report, first.get_json()["id"])
    assert stored.idempotency_key.startswith("api:")
    assert "order-4711" not in stored.idempotency_key  # only hashes are stored


def test_api_same_key_other_body_is_422(client, db_session, tokens):
    assert post(client, tokens[0], feature(), "k-1").status_code == 201
    changed = post(client, tokens[0], feature(description="Annan text"), "k-1")
    assert changed.status_code == 422
    assert HEADER in changed.get_json()["fields"]
    assert count(db_session) == 1


def test_api_keys_are_per_api_key_and_optional(client, db_session, tokens):
    a = post(client, tokens[0], feature(), "shared-key")
    b = post(client, tokens[1], feature(), "shared-key")  # another client: its own namespace
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]
    # without the header every POST is a new report, as before
    ids = {post(client, tokens[0], feature()).get_json()["id"] for _ in range(3)}
    assert len(ids) == 3
    assert count(db_session) == 5


@pytest.mark.parametrize("key", ["", "x" * 256, "nyckel-å", "tab\there"])
def test_api_bad_keys_are_400_naming_the_header(client, db_session, tokens, key):
    response = post(client, tokens[0], feature(), key)
    assert response.status_code == 400
    assert HEADER in response.get_json()["fields"]
    assert count(db_session) == 0


def test_api_longest_key_is_accepted(client, db_session, tokens):
    key = "~" * 255
    assert post(client, tokens[0], feature(), key).status_code == 201
    assert post(client, tokens[0], feature(), key).status_code == 201
    assert count(db_session) == 1


def open311(client, token: str, key: str | None = None, **form):
    data = {"api_key": token, "service_code": "klotter", "lat": "59.0651", "long": "15.1122",
            "description": "Tagg", **form}
    headers = {HEADER: key} if key is not None else {}
    return client.post("/open311/v2/requests.json", data=data, headers=headers)


def test_open311_repeat_changed_and_bad_keys(client, db_session, tokens):
    first = open311(client, tokens[0], "felanmalan-99")
    assert first.status_code == 200, first.get_data(as_text=True)
    again = open311(client, tokens[0], "felanmalan-99")
    assert again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first.get_json()[0]["service_request_id"]
    assert count(db_session) == 1
    changed = open311(client, tokens[0], "felanmalan-99", description="Annan")
    assert changed.status_code == 422
    assert changed.get_json()[0]["description"].startswith(f"{HEADER}: ")
    bad = open311(client, tokens[0], "x" * 300)
    assert bad.status_code == 400 and bad.get_json()[0]["description"].startswith(HEADER)
    assert open311(client, tokens[0]).status_code == 200  # no header: a new report
    assert count(db_session) == 2


# -- concurrency: a live server on its own committed database ---------------------------------

@pytest.fixture(scope="module")
def live_api() -> Iterator[tuple[str, str, Session]]:
    """Serve the app on loopback over a committed database; yield URL, token and a session."""
    from web import create_app

    with throwaway_database(f"est_idem_{os.getpid()}") as url, migrated_engine(url) as eng:
        session = Session(eng, expire_on_commit=False)
        area = Area(kind="municipality", code="1861", name="Hallsberg",
                    geom=from_shape(MultiPolygon([box(*HALLSBERG_BOX)]), srid=4326))
        session.add(area)
        session.flush()
        session.add(Organisation(name="Hallbo AB", kind="bostadsbolag", area_id=area.id))
        session.commit()
        token = apikeys.create_key(session, organisation="Hallbo AB", label="race")[1]
        session.commit()
        app = create_app({"SECRET_KEY": "idem-secret", "DATABASE_URL": url,
                          "RATELIMIT_ENABLED": False})
        try:
            with serve_app(app) as base:
                yield base, token, session
        finally:
            session.close()


def _send(url: str, token: str, key: str | None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key is not None:
        headers[HEADER] = key
    req = urllib.request.Request(f"{url}/api/v1/reports", data=json.dumps(feature()).encode(),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_thirty_concurrent_identical_posts_create_one_report(live_api):
    url, token, session = live_api
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _i: _send(url, token, "race-1"), range(30)))
    assert {status for status, _ in results} == {201}, results
    assert len({body["id"] for _, body in results}) == 1
    assert session.scalar(select(func.count()).select_from(Report)
                          .where(Report.idempotency_key.like("api:%"))) == 1
    # without the header, 30 POSTs are 30 reports (today's behaviour)
    with ThreadPoolExecutor(max_workers=10) as pool:
        plain = list(pool.map(lambda _i: _send(url, token, None), range(30)))
    assert len({body["id"] for status, body in plain if status == 201}) == 30
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Report)) == 31
