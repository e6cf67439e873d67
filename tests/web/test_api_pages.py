"""Cursor pages with next links, updated_since, and the streamed bulk export past the
5,000-feature cap (GeoJSON text sequences, NDJSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from est.models import AuditEvent
from est.services import apikeys

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def hallbo(make_area, make_organisation):
    area = make_area()
    return area, make_organisation("Hallbo AB", "bostadsbolag", area=area)


@pytest.fixture
def auth(db_session, hallbo) -> dict:
    token = apikeys.create_key(db_session, organisation="Hallbo AB", label="sync")[1]
    return {"Authorization": f"Bearer {token}"}


def test_pages_follow_next_links_without_gaps_or_repeats(client, hallbo, auth, make_report):
    area, org = hallbo
    same = NOW - timedelta(hours=2)  # three reports at the same instant: the id breaks ties
    made = [make_report(area=area, organisation_id=org.id,
                        occurred_at=same if i < 3 else NOW - timedelta(hours=3 + i))
            for i in range(7)]
    url, seen, pages = "/api/v1/reports.geojson?limit=3&kind=incident", [], 0
    while url:
        response = client.get(url, headers=auth)
        assert response.status_code == 200 and response.mimetype == "application/geo+json"
        body = response.get_json()
        seen += [f["id"] for f in body["features"]]
        pages += 1
        links = body.get("links") or []
        assert ("Link" in response.headers) == bool(links) == body["truncated"]
        url = links[0]["href"] if links else None
        if url:
            assert response.headers["Link"] == f'<{url}>; rel="next"'
            assert "kind=incident" in url and "limit=3" in url
    assert pages == 3 and len(seen) == 7 and set(seen) == {str(r.id) for r in made}
    times = [r.occurred_at for r in sorted(made, key=lambda r: seen.index(str(r.id)))]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("cursor", ["x", "eyJ4IjoxfQ", "WyJyMSIsIjIwMjYiLCJ4Il0"])
def test_a_made_up_cursor_is_a_400_naming_it(client, auth, cursor):
    response = client.get(f"/api/v1/reports.geojson?cursor={cursor}", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "cursor"


def test_updated_since_keeps_new_and_changed_reports(client, db_session, hallbo, auth,
                                                     make_report):
    area, org = hallbo
    quiet = make_report(area=area, organisation_id=org.id, occurred_at=NOW - timedelta(days=2))
    changed = make_report(area=area, organisation_id=org.id,
                          occurred_at=NOW - timedelta(days=2))
    later = NOW + timedelta(hours=1)
    db_session.add(AuditEvent(report_id=changed.id, action="status_changed", at=later,
                              old={"status": "reviewed"}, new={"status": "closed"}))
    db_session.flush()
    since = (NOW + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    response = client.get(f"/api/v1/reports.geojson?updated_since={since}", headers=auth)
    assert [f["id"] for f in response.get_json()["features"]] == [str(changed.id)]
    everything = client.get("/api/v1/reports.geojson?updated_since=2020-01-01T00:00:00Z",
                            headers=auth).get_json()
    assert {f["id"] for f in everything["features"]} == {str(quiet.id), str(changed.id)}
    bad = client.get("/api/v1/reports.geojson?updated_since=igår", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "updated_since"


def _bulk(db_session, area, org, n: int) -> None:
    db_session.execute(text("""
        INSERT INTO report (id, kind, category_id, geom, area_id, occurred_at, source,
                            organisation_id, status, description)
        SELECT gen_random_uuid(), 'incident', (SELECT id FROM category WHERE code = 'klotter'),
               ST_SetSRID(ST_MakePoint(15.06 + (i % 100) * 0.001, 59.04 + (i / 100) * 0.0005),
                          4326),
               :area, now() - make_interval(mins => i), 'organisation', :org, 'reviewed',
               CASE WHEN i = 7 THEN '=HYPERLINK("http://x")' ELSE 'Tagg ' || i END
        FROM generate_series(1, :n) AS i"""), {"area": area.id, "org": org.id, "n": n})
    db_session.flush()


def test_bulk_export_streams_past_the_cap(client, db_session, hallbo, auth):
    area, org = hallbo
    _bulk(db_session, area, org, 5100)
    capped = client.get("/api/v1/reports.geojson", headers=auth).get_json()
    assert len(capped["features"]) == 5000 and capped["truncated"] and capped["links"]
    seq = client.get("/api/v1/reports.geojsonseq", headers=auth)
    assert seq.status_code == 200 and seq.mimetype == "application/geo+json-seq"
    assert seq.is_streamed
    records = seq.get_data(as_text=True).split("\x1e")
    assert records[0] == "" and len(records) == 5101
    features = [json.loads(r) for r in records[1:]]
    assert all(f["type"] == "Feature" and f["geometry"]["type"] == "Point" for f in features)
    assert len({f["id"] for f in features}) == 5100
    lines = client.get("/api/v1/reports.ndjson?limit=10", headers=auth).get_data(as_text=True)
    assert len(lines.splitlines()) == 10 and json.loads(lines.splitlines()[0])["id"] == \
        features[0]["id"]


def test_csv_export_is_safe_for_spreadsheets(client, db_session, hallbo, auth):
    area, org = hallbo
    _bulk(db_session, area, org, 20)
    response = client.get("/api/v1/reports.csv", headers=auth)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    data = response.get_data(as_text=True)
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["id", "reference", "kind", "category"] and len(rows) == 21
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert not any(c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())
                   for c in cells)


def test_export_needs_a_staff_caller(client, sign_in, hallbo):
    _area, org = hallbo
    anonymous = client.get("/api/v1/reports.csv")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    sign_in("viewer", org)
    assert client.get("/api/v1/reports.geojsonseq").status_code == 403
