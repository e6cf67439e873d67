"""Every public output (home, Open311 GET, cells GeoJSON) follows the public privacy model."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pyproj import Transformer
from sqlalchemy import select

from est import public
from est.config import ConfigError, load_settings
from est.models import AuditEvent, Organisation, Report
from est.services import apikeys

STATION = (15.1122, 59.0651)
LONELY = (15.1600, 59.0900)
TO_3006 = Transformer.from_crs(4326, 3006, always_xy=True)


@pytest.fixture
def policy() -> public.PublicPolicy:
    return public.PublicPolicy()  # the defaults the test app runs with


@pytest.fixture
def window(policy):
    return public.latest_window(policy, datetime.now(policy.tz))


@pytest.fixture
def town(make_area, make_organisation):
    area = make_area()
    shared = make_organisation("Polisen Hallsberg", "polis", area=area)
    shared.public_opt_in = True
    private = make_organisation("Hallbo AB", "bostadsbolag", area=area)
    return area, shared, private


@pytest.fixture
def put(make_report, town, window):
    """Store a report on day ``day`` of the public window (received an hour later)."""
    area, shared, _private = town

    def _put(point=STATION, *, day: int = 1, org: Organisation | None = None, **kw):
        at = window.start_at + timedelta(days=day, hours=10)
        kw.setdefault("reported_at", at + timedelta(hours=1))
        return make_report(*point, area=area, occurred_at=at,
                           organisation_id=(org or shared).id, **kw)

    return _put


def _lead(html: str) -> str:
    return re.search(r'<p class="lead">(.*?)</p>', html, re.S).group(1)


def test_home_shows_fixed_window_cells_of_at_least_k(client, put, town, window, make_report):
    area, _shared, private = town
    for day in range(6):
        put(day=day)
    put(code="narkotika")
    put(LONELY)  # alone in its cell
    put(org=private)  # organisation that did not opt in
    put(status="pending", source="public")
    put(status="rejected", source="public")
    now = datetime.now(UTC)
    make_report(*STATION, area=area, occurred_at=now, reported_at=now,
                organisation_id=town[1].id)  # inside the delay
    html = client.get("/").get_data(as_text=True)
    assert f"Hallsberg: {window.label}" in html
    assert "7 rapporter" in _lead(html)  # six klotter + one narkotika in the station cell
    assert '"count": 7' in html and '"count": 1' not in html
    # Narkotika (1) is under k: it joins "Övriga", and so does klotter (6) so the rest is ≥ k
    table = html[html.index('<table class="counts">'):]
    assert "Övriga kategorier" in table and "Narkotika" not in table and "Klotter" not in table
    assert "15.1122" not in html and "59.0651" not in html


def test_polling_home_does_not_reveal_a_new_report(client, put, town, db_session):
    area, shared, _private = town
    for _ in range(5):
        put()
    before = _lead(client.get("/").get_data(as_text=True))
    now = datetime.now(UTC)
    put(reported_at=now)  # late report about the window: received now
    fresh = put(source="public", status="published")
    db_session.add(AuditEvent(report_id=fresh.id, action="status_changed",
                              old={"status": "pending"}, new={"status": "published"}))
    db_session.flush()  # published today: shows tomorrow at the earliest
    after = _lead(client.get("/").get_data(as_text=True))
    assert before == after and "5 rapporter" in after


def test_open311_get_lists_aggregates_not_reports(client, put, town, window, policy):
    reports = [put(description="Hemlig text", contact="secret@example.se") for _ in range(5)]
    put(LONELY)
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    rows = response.get_json()
    assert len(rows) == 1
    row = rows[0]
    assert row["count"] == 5 and row["status"] == "open" and row["service_code"] is None
    assert row["requested_datetime"] == window.start_at.isoformat()
    assert row["window_start"] == window.start.isoformat()
    assert row["window_end"] == window.last_day.isoformat()
    x, y = TO_3006.transform(row["long"], row["lat"])
    assert abs(x % 100 - 50) < 0.2 and abs(y % 100 - 50) < 0.2
    raw = response.get_data(as_text=True)
    for secret in ("Hemlig", "secret@", "15.1122", "59.0651", *(str(r.id) for r in reports)):
        assert secret not in raw
    one = client.get(f"/open311/v2/requests/{row['service_request_id']}.json")
    assert one.status_code == 200 and one.get_json() == [row]
    # no lookup of single reports, of cells under k, or of windows not yet published
    lonely_x, lonely_y = (int(v // 100) for v in TO_3006.transform(*LONELY))
    future = public.Window(window.end, window.end + timedelta(days=7), policy.tz)
    for rid in (str(reports[0].id), "agg_100_3006_" + f"{window.start:%Y%m%d}_7_"
                f"{lonely_x}_{lonely_y}", row["service_request_id"].replace(
                    f"{window.start:%Y%m%d}", f"{future.start:%Y%m%d}"), "agg_x"):
        missing = client.get(f"/open311/v2/requests/{rid}.json")
        assert missing.status_code == 404, rid
        assert "aggregated" in missing.get_json()[0]["description"]


def test_open311_get_filters(client, put, window):
    for _ in range(5):
        put()
    older = window.start_at - timedelta(days=7)
    assert client.get("/open311/v2/requests.json", query_string={"status": "closed"}
                      ).get_json() == []
    bad = client.get("/open311/v2/requests.json", query_string={"service_code": "klotter"})
    assert bad.status_code == 400 and "service_code:" in bad.get_json()[0]["description"]
    earlier = client.get("/open311/v2/requests.json",
                         query_string={"end_date": window.start_at.isoformat(),
                                       "start_date": older.isoformat()}).get_json()
    assert earlier == []  # the week before: nothing there
    both = client.get("/open311/v2/requests.json",
                      query_string={"start_date": older.isoformat()}).get_json()
    assert [r["window_start"] for r in both] == [window.start.isoformat()]
    span = client.get("/open311/v2/requests.json",
                      query_string={"start_date": "2001-01-01T00:00:00Z"})
    assert span.status_code == 400 and "start_date:" in span.get_json()[0]["description"]


def test_public_cells_geojson_matches_the_map(client, put):
    for _ in range(5):
        put()
    put(LONELY)
    body = client.get("/rutor.geojson").get_json()
    assert [f["properties"] for f in body["features"]] == [{"count": 5}]
    assert body["min_cell"] == 5 and body["cell_m"] == 100


def test_open311_phone_error_is_labelled_phone(client, db_session, town):
    token = apikeys.create_key(db_session, organisation="Hallbo AB", label="felanmälan")[1]
    data = {"service_code": "klotter", "lat": "59.0651", "long": "15.1122", "api_key": token}
    phone = client.post("/open311/v2/requests.json", data={**data, "phone": "not a phone"})
    text = " | ".join(e["description"] for e in phone.get_json())
    assert phone.status_code == 400 and "phone:" in text and "email:" not in text
    email = client.post("/open311/v2/requests.json", data={**data, "email": "nope"})
    text = " | ".join(e["description"] for e in email.get_json())
    assert email.status_code == 400 and "email:" in text and "phone:" not in text


def test_receipt_reference_is_random_not_from_the_id(client, db_session, town):
    form = {"kind": "incident", "category": "klotter", "lon": "15.1122", "lat": "59.0651",
            "when": "now"}
    refs = []
    for _ in range(2):
        response = client.post("/rapportera", data=form)
        assert response.status_code == 302
        refs.append(response.headers["Location"].rsplit("/", 1)[-1])
    stored = db_session.scalars(select(Report).order_by(Report.reported_at)).all()
    assert [f"EST-{r.receipt_ref}" for r in stored] == refs
    for report, ref in zip(stored, refs, strict=True):
        assert re.fullmatch(r"EST-[0-9A-HJKMNP-TV-Z]{8}", ref)
        assert ref[4:].lower() not in report.id.hex
    page = client.get(f"/rapportera/tack/{refs[0]}").get_data(as_text=True)
    assert refs[0] in page and str(stored[0].id) not in page
    assert client.get("/rapportera/tack/EST-1234").status_code == 404
    assert client.get(f"/rapportera/tack/EST-{uuid.uuid4().hex[:8].upper()}I").status_code == 404


def test_cli_sets_public_opt_in(runner, db_session, town):
    _area, _shared, private = town
    result = runner.invoke(args=["users", "public", "Hallbo AB", "--on"])
    assert result.exit_code == 0, result.output
    db_session.refresh(private)
    assert private.public_opt_in is True
    listing = runner.invoke(args=["users", "orgs"]).output
    assert "Hallbo AB  [public]" in listing
    assert runner.invoke(args=["users", "public", str(private.id), "--off"]).exit_code == 0
    db_session.refresh(private)
    assert private.public_opt_in is False
    missing = runner.invoke(args=["users", "public", "Ingen AB", "--on"])
    assert missing.exit_code != 0 and "Ingen AB" in missing.output


def test_public_settings_are_bounded():
    settings = load_settings({"EST_PUBLIC_DELAY_DAYS": "3", "EST_PUBLIC_WINDOW_DAYS": "28",
                              "EST_PUBLIC_CELL_M": "250"})
    policy = public.PublicPolicy.from_settings(settings)
    assert (policy.delay_days, policy.window_days, policy.cell_m) == (3, 28, 250)
    for name, value in (("EST_PUBLIC_DELAY_DAYS", "-1"), ("EST_PUBLIC_WINDOW_DAYS", "0"),
                        ("EST_PUBLIC_CELL_M", "10")):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value})
