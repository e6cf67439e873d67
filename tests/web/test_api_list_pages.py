"""Every list of /api/v1 is paged with the same opaque cursor and `next` links (reports,
hot spots, webhooks); aggregates say in the OpenAPI document why they are not paged."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from est.errors import ValidationError
from est.review import Week
from est.services.api import cursor
from tests.web.test_api_geojson import _at

TZ = "Europe/Stockholm"
W = Week(2026, 40, TZ)
# Three busy spots in Hallsberg town, far enough apart to be separate hot spots.
SPOTS = [(15.1122, 59.0651), (15.0800, 59.0450), (15.1450, 59.0850)]
STREAMED = {"exportReportsGeojsonSeq", "exportReportsNdjson", "exportReportsCsv"}


@pytest.fixture
def hallsberg(make_area, make_organisation):
    area = make_area()
    return area, make_organisation("Hallsbergs kommun", "kommun", area=area)


@pytest.fixture
def busy_week(hallsberg, make_report):
    area = hallsberg[0]
    rng = np.random.default_rng(7)
    for n, (lon, lat) in enumerate(SPOTS):
        for i in range(25 - 4 * n):
            make_report(lon + rng.normal(0, 0.0002), lat + rng.normal(0, 0.0001), area=area,
                        occurred_at=_at(W.monday + timedelta(days=i % 7), 22))
    for _ in range(240):
        day = W.monday - timedelta(days=int(rng.integers(-6, 84)))
        make_report(float(rng.uniform(15.06, 15.16)), float(rng.uniform(59.035, 59.095)),
                    area=area, code="nedskrapning", occurred_at=_at(day, 14))
    return area


def follow(client, url: str, media: str) -> tuple[list[dict], list[dict]]:
    """GET ``url`` and its next links; return the pages' bodies and their items."""
    bodies = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        bodies.append(body)
        links = body.get("links") or []
        assert ("Link" in response.headers) == bool(links)
        url = links[0]["href"] if links else None
        if url:
            assert links[0]["rel"] == "next" and links[0]["type"] == media
            assert response.headers["Link"] == f'<{url}>; rel="next"'
            assert f"week={W.slug}" in url or "webhooks" in url  # the query is kept
        assert len(bodies) < 20
    return bodies, [i for b in bodies for i in b.get("features", b.get("webhooks", []))]


def test_hot_spots_come_in_pages_in_rank_order(client, sign_in, hallsberg, busy_week):
    sign_in("viewer", hallsberg[1])
    whole = client.get(f"/api/v1/hotspots.geojson?week={W.slug}").get_json()
    assert "links" not in whole and len(whole["features"]) >= 2
    bodies, features = follow(client, f"/api/v1/hotspots.geojson?week={W.slug}&limit=1",
                              "application/geo+json")
    assert len(bodies) == len(whole["features"]) and all(len(b["features"]) == 1
                                                         for b in bodies)
    assert features == whole["features"]  # same hot spots, same order, no gap or repeat
    assert {b["run_id"] for b in bodies} == {whole["run_id"]}
    ranks = [f["properties"]["rank"] for f in features]
    assert ranks == sorted(ranks)


def test_a_cursor_of_a_run_computed_again_is_refused(client, sign_in, hallsberg, busy_week):
    sign_in("viewer", hallsberg[1])
    first = client.get(f"/api/v1/hotspots.geojson?week={W.slug}&limit=1").get_json()
    stale = cursor.encode("h1", first["run_id"] + 1000, 1)
    refused = client.get(f"/api/v1/hotspots.geojson?week={W.slug}&cursor={stale}")
    assert refused.status_code == 400
    assert refused.get_json()["errors"][0]["field"] == "cursor"
    assert "computed again" in refused.get_json()["errors"][0]["message"]
    ok = client.get(first["links"][0]["href"])
    assert ok.status_code == 200 and ok.get_json()["run_id"] == first["run_id"]


@pytest.mark.parametrize("path", ["hotspots.geojson?week=2026-W40&", "webhooks?",
                                  "reports.geojson?"])
@pytest.mark.parametrize("bad", [
    "x", cursor.encode("r9", 1), cursor.encode("w1", -1), cursor.encode("h1", "a", 1),
    cursor.encode("w1", True), "A" * 199])
def test_a_made_up_cursor_is_a_400_naming_it_on_every_list(client, sign_in, hallsberg, path,
                                                           bad):
    sign_in("admin", hallsberg[1])
    response = client.get(f"/api/v1/{path}cursor={bad}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "cursor"


def test_webhook_pages_have_link_headers_and_keep_the_query(client, sign_in, hallsberg,
                                                            monkeypatch):
    monkeypatch.setenv("EST_WEBHOOK_ALLOW_PRIVATE", "1")
    sign_in("admin", hallsberg[1])
    made = [client.post("/api/v1/webhooks", json={"organisation": hallsberg[1].id,
                                                  "url": f"http://127.0.0.1:9/hook{i}"})
            .get_json()["id"] for i in range(5)]
    bodies, hooks = follow(client, "/api/v1/webhooks?limit=2", "application/json")
    assert len(bodies) == 3 and [h["id"] for h in hooks] == made
    assert all("limit=2" in b["links"][0]["href"] for b in bodies[:-1])


def test_every_list_in_the_document_is_paged_or_says_why_not(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    lists = []
    for path, item in doc["paths"].items():
        get = item.get("get")
        if not path.startswith("/api/v1/") or get is None or "{" in path:
            continue  # not a list: one item by its id
        if get["operationId"] in ("getOpenApi", *STREAMED):
            continue  # a document; streamed exports of every row (no cap to page past)
        lists.append(get["operationId"])
        names = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        text = get.get("description", "") + get.get("summary", "")
        assert {"cursor", "limit"} <= names or "Not paged" in text, get["operationId"]
    assert {"listReports", "listHotspots", "listWebhooks", "listCells"} <= set(lists)


def test_the_cursor_helper_round_trips_and_is_opaque():
    text = cursor.encode("h1", 12, 3)
    assert cursor.decode_ints(text, "h1", 2) == [12, 3]
    assert "=" not in text and "12" not in text
    with pytest.raises(ValidationError) as refused:
        cursor.decode_ints(text, "w1", 1)
    assert "cursor" in refused.value.errors
