"""Property: no public output reveals a group under k, a point finer than a cell, a time finer
than a day, anything inside the delay, or a report that should not count (est.public)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import Point

from est import public
from est.errors import NotFound
from est.models import AuditEvent, Report
from est.models.core import REPORT_SOURCES, REPORT_STATUSES

TO_3006 = Transformer.from_crs(4326, 3006, always_xy=True)
# Three busy places in Hallsberg (so cells often reach k) and the town box for strays.
HUBS = ((15.1122, 59.0651), (15.1050, 59.0700), (15.1180, 59.0610))
BOX = (15.05, 59.03, 15.17, 59.10)
CODES = ("klotter", "narkotika", "nedskrapning", "skadegorelse")

report_st = st.fixed_dictionaries({
    "hub": st.sampled_from([*range(len(HUBS)), None]),
    "dx": st.floats(-1, 1), "dy": st.floats(-1, 1),
    "day": st.floats(-0.3, 1.3), "minute": st.integers(0, 24 * 60 - 1),
    "lag_hours": st.sampled_from([0, 1, 5, 30, 80, 200]),
    "status": st.sampled_from([*REPORT_STATUSES, "published", "reviewed", "reviewed"]),
    "source": st.sampled_from([*REPORT_SOURCES, "public", "organisation"]),
    "org": st.integers(0, 2), "area": st.sampled_from([0, 0, 0, 1, 2]),
    "code": st.sampled_from(CODES), "duplicate": st.sampled_from([False] * 9 + [True]),
    "published_today": st.sampled_from([False] * 4 + [True]),
})
case_st = st.fixed_dictionaries({
    "reports": st.lists(report_st, min_size=20, max_size=60),
    "opt_in": st.tuples(st.just(True), st.booleans(), st.booleans()),
    "k": st.sampled_from([2, 3, 5]),
    "delay": st.integers(0, 3),
    "window_days": st.sampled_from([1, 7, 28]),
    "now": st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31),
                        timezones=st.just(UTC)),
})


@pytest.fixture
def world(db_session, make_area, make_organisation, category):
    town = make_area()
    district = make_area(code="186101", name="Centrum", kind="district", parent=town)
    other = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    orgs = [make_organisation(f"Org {i}", "kommun", area=town) for i in range(3)]
    return {"areas": (town, district, other), "orgs": orgs,
            "cats": {c: category(c) for c in CODES}}


def _point(r: dict) -> tuple[float, float]:
    if r["hub"] is None:
        lon = BOX[0] + (BOX[2] - BOX[0]) * (r["dx"] + 1) / 2
        lat = BOX[1] + (BOX[3] - BOX[1]) * (r["dy"] + 1) / 2
        return lon, lat
    lon, lat = HUBS[r["hub"]]
    return lon + r["dx"] * 0.0002, lat + r["dy"] * 0.0001  # within about 12 m


def _store(db_session, world, case, policy, window, now) -> list[tuple[Report, dict]]:
    for org, flag in zip(world["orgs"], case["opt_in"], strict=True):
        org.public_opt_in = flag
    stored: list[tuple[Report, dict]] = []
    midnight = datetime.combine(now.astimezone(policy.tz).date(), datetime.min.time(),
                                tzinfo=policy.tz)
    for r in case["reports"]:
        # `day` is a fraction of the window: -0.3 … 1.3 reaches both sides of it
        day = math.floor(r["day"] * policy.window_days)
        occurred = window.start_at + timedelta(days=day, minutes=r["minute"])
        occurred = min(occurred, now)
        cat = world["cats"][r["code"]]
        report = Report(
            kind=cat.kind, category_id=cat.id, geom=from_shape(Point(*_point(r)), srid=4326),
            area_id=world["areas"][r["area"]].id, occurred_at=occurred,
            reported_at=min(occurred + timedelta(hours=r["lag_hours"]), now),
            source=r["source"], status=r["status"],
            organisation_id=None if r["source"] == "public" else world["orgs"][r["org"]].id,
            duplicate_of=stored[0][0].id if r["duplicate"] and stored else None,
        )
        db_session.add(report)
        db_session.flush()
        if r["published_today"]:
            db_session.add(AuditEvent(report_id=report.id, action="status_changed",
                                      old={"status": "pending"}, new={"status": "published"},
                                      at=max(midnight, now - timedelta(minutes=5))))
        stored.append((report, r))
    db_session.flush()
    return stored


def _counts(stored, world, case, policy, window, now) -> Counter:
    """The oracle: which stored reports may count publicly, per cell (independent of SQL)."""
    midnight = datetime.combine(now.astimezone(policy.tz).date(), datetime.min.time(),
                                tzinfo=policy.tz)
    cells: Counter = Counter()
    for report, r in stored:
        if r["area"] == 2 or report.duplicate_of is not None:
            continue
        if not (window.start_at <= report.occurred_at < window.end_at
                and report.reported_at < window.end_at):
            continue
        if report.source == "public":
            published_today = r["published_today"] and now >= midnight
            ok = report.status in ("published", "closed") and not published_today
        else:
            ok = (case["opt_in"][r["org"]]
                  and report.status in ("new", "reviewed", "published", "closed"))
        if ok:
            x, y = TO_3006.transform(*_point(r))
            cells[(math.floor(x / policy.cell_m), math.floor(y / policy.cell_m))] += 1
    return cells


def _is_cell_centre(lon: float, lat: float, cell_m: int) -> bool:
    x, y = TO_3006.transform(lon, lat)
    half = cell_m / 2
    return abs(x % cell_m - half) < 0.2 and abs(y % cell_m - half) < 0.2


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=case_st)
def test_no_public_output_reveals_a_small_group_or_a_point(db_session, world, case):
    policy = public.PublicPolicy(min_cell=case["k"], delay_days=case["delay"],
                                 window_days=case["window_days"])
    k, now = policy.min_cell, case["now"]
    window = public.latest_window(policy, now)
    town = world["areas"][0]
    savepoint = db_session.begin_nested()
    try:
        stored = _store(db_session, world, case, policy, window, now)
        expected = _counts(stored, world, case, policy, window, now)

        # nothing inside the delay: the window ended at least `delay` whole days ago
        today = now.astimezone(policy.tz).date()
        assert window.end <= today - timedelta(days=policy.delay_days)
        assert window.end_at <= now - timedelta(days=policy.delay_days)

        # home page: cells, total, categories
        shown = public.summary(db_session, policy, town.id, now)
        got = {(c.cx, c.cy): c.count for c in shown.cells}
        assert got == {cell: n for cell, n in expected.items() if n >= k}
        event("cells shown" if got else "nothing shown")
        event("small groups hidden" if any(0 < n < k for n in expected.values()) else "none")
        numbers = [shown.total, *got.values(), *(n for _kind, _label, n in shown.categories)]
        assert all(n >= k for n in numbers[1:])
        assert shown.total == sum(got.values())
        assert shown.total == sum(n for _kind, _label, n in shown.categories) or (
            not shown.categories and shown.total == 0)
        for n in numbers:  # complementary disclosure: total minus any shown group
            assert shown.total - n == 0 or shown.total - n >= k
        assert all(_is_cell_centre(c.lon, c.lat, policy.cell_m) for c in shown.cells)

        # Open311: aggregates only, cell centres, whole days, no single report by id
        rows = public.open311_requests(db_session, policy, town.id, now, limit=1000)
        assert sorted(r["count"] for r in rows) == sorted(got.values())
        for row in rows:
            assert row["count"] >= k and _is_cell_centre(row["long"], row["lat"], policy.cell_m)
            when = datetime.fromisoformat(row["requested_datetime"])
            assert (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0)
            assert when == window.start_at
            assert set(row) >= {"service_request_id", "count", "lat", "long"}
            assert "description" in row and str(row["count"]) in row["description"]
            assert public.open311_request(db_session, policy, town.id, now,
                                          row["service_request_id"]) == row
        for report, _r in stored[:5]:
            with pytest.raises(NotFound):
                public.open311_request(db_session, policy, town.id, now, str(report.id))

        # public GeoJSON: the same cells
        geojson = public.cells_geojson(db_session, policy, town.id, now)
        assert sorted(f["properties"]["count"] for f in geojson["features"]) == sorted(
            got.values())
    finally:
        savepoint.rollback()


@pytest.mark.parametrize(("counts", "total", "k", "expected"), [
    ([("incident", "A", 6), ("incident", "B", 1)], 7, 5, [("", "Övriga kategorier", 7)]),
    ([("incident", "A", 9), ("incident", "B", 6), ("incident", "C", 2)], 17, 5,
     [("incident", "A", 9), ("", "Övriga kategorier", 8)]),
    ([("incident", "A", 5), ("incident", "B", 5)], 10, 5,
     [("incident", "A", 5), ("incident", "B", 5)]),
    ([("incident", "A", 3)], 3, 5, []),
])
def test_protect_categories_leaves_no_small_remainder(counts, total, k, expected):
    assert public.protect_categories(counts, total, k) == expected
