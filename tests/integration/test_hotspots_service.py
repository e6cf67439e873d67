"""Hot spot runs stored in PostGIS: reuse, classes, lineages across weekly runs."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func, select

from est.errors import NotFound, ValidationError
from est.models import Report
from est.models.hotspots import Hotspot, HotspotRun
from est.services import hotspots as svc

END = datetime(2025, 3, 31, tzinfo=UTC)
STATION = (15.1122, 59.0651)
SQUARE = (15.0900, 59.0550)


@pytest.fixture
def add_reports(db_session, category):
    """Bulk-add reports at WGS84 points with given times (one flush)."""

    def _add(lons, lats, times, code="klotter", status="reviewed"):
        cat = category(code)
        db_session.add_all([
            Report(kind=cat.kind, category_id=cat.id, geom=from_shape(Point(lo, la), srid=4326),
                   occurred_at=t, status=status, source="organisation")
            for lo, la, t in zip(lons, lats, times, strict=True)
        ])
        db_session.flush()

    return _add


def random_times(rng, n, start, end):
    span = (end - start).total_seconds()
    return [start + timedelta(seconds=float(s)) for s in rng.uniform(0, span, n)]


@pytest.fixture
def town(make_area, add_reports):
    """Hallsberg: background over 14 weeks, a steady spot at the station, a new one at a square."""
    area = make_area()
    rng = np.random.default_rng(42)
    start = END - timedelta(weeks=14)
    add_reports(rng.uniform(15.05, 15.17, 600), rng.uniform(59.03, 59.10, 600),
                random_times(rng, 600, start, END))
    add_reports(rng.normal(STATION[0], 0.00025, 70), rng.normal(STATION[1], 0.00013, 70),
                random_times(rng, 70, start, END), code="stold")
    add_reports(rng.normal(SQUARE[0], 0.00025, 15), rng.normal(SQUARE[1], 0.00013, 15),
                random_times(rng, 15, END - timedelta(days=6), END), code="folksamling")
    return area


def at(run, lonlat):
    p = Point(*lonlat).buffer(0.0006)
    return [h for h in run.hotspots if to_shape(h.polygon).intersects(p)]


def test_weekly_runs_keep_identity_and_classes(db_session, town):
    week1 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=14),
                              end=END - timedelta(days=7))
    week2 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                              end=END)
    assert week1.id != week2.id and week2.area_id == town.id
    (s1,) = at(week1, STATION)
    (s2,) = at(week2, STATION)
    assert s1.lineage_id == s2.lineage_id
    assert s2.klass in ("persistent", "intensifying")
    (new,) = at(week2, SQUARE)
    assert new.klass == "new" and new.count == 15
    assert new.lineage_id not in {h.lineage_id for h in week1.hotspots}
    assert at(week1, SQUARE) == []
    assert new.counts["by_category"] == {"folksamling": 15}
    assert new.counts["by_kind"] == {"otrygghet": 15}
    assert len(new.counts["weekly"]) == 12 and new.first_at >= END - timedelta(days=6)
    assert new.area_m2 > 0 and new.score > 2
    history = svc.lineage_history(db_session, s1.lineage_id)
    assert [h.run_id for h in history] == [week1.id, week2.id]
    assert [h.id for h in svc.list_hotspots(db_session, week2.id)] == [
        h.id for h in week2.hotspots]
    assert svc.latest_run(db_session, area_code="1861").id == week2.id
    # Stored geometries are WGS84 and indexed by the GiST index.
    hit = db_session.scalar(
        select(func.count()).select_from(Hotspot).where(
            Hotspot.run_id == week2.id,
            func.ST_Intersects(Hotspot.polygon, func.ST_SetSRID(func.ST_MakePoint(*SQUARE),
                                                                4326))))
    assert hit == 1


def test_same_inputs_and_data_reuse_the_stored_run(db_session, town, add_reports):
    args = {"area_code": "1861", "start": END - timedelta(days=7), "end": END}
    first = svc.get_or_detect(db_session, **args)
    again = svc.get_or_detect(db_session, **args)
    assert again.id == first.id
    assert db_session.scalar(select(func.count()).select_from(HotspotRun)) == 1
    other_method = svc.get_or_detect(db_session, **args, method="dbscan",
                                     params={"eps_m": 40, "min_samples": 8})
    assert other_method.id != first.id and other_method.parameters["params"]["eps_m"] == 40
    add_reports([15.10], [59.06], [END - timedelta(days=1)])
    changed = svc.get_or_detect(db_session, **args)
    assert changed.id != first.id and changed.data_version != first.data_version
    assert changed.n_reports == first.n_reports + 1


def test_preview_writes_nothing(db_session, town):
    week1 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=14),
                              end=END - timedelta(days=7))
    run = svc.preview(db_session, area_code="1861", start=END - timedelta(days=7), end=END)
    assert run.id is None and run.hotspots
    assert db_session.scalar(select(func.count()).select_from(HotspotRun)) == 1
    (station,) = at(run, STATION)
    assert station.lineage_id == at(week1, STATION)[0].lineage_id
    (square,) = at(run, SQUARE)
    assert square.lineage_id is None  # a new place gets its identity when stored


def test_pending_and_rejected_reports_are_not_counted(db_session, make_area, add_reports):
    make_area()
    rng = np.random.default_rng(1)
    add_reports(rng.normal(STATION[0], 0.0002, 30), rng.normal(STATION[1], 0.0001, 30),
                random_times(rng, 30, END - timedelta(days=6), END), status="pending")
    with pytest.raises(ValidationError, match="Inga rapporter med datum mellan"):
        svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7), end=END)
    assert db_session.scalar(select(func.count()).select_from(HotspotRun)) == 0


def test_bad_requests(db_session, town):
    with pytest.raises(NotFound):
        svc.get_or_detect(db_session, area_code="9999", start=END - timedelta(days=7), end=END)
    with pytest.raises(ValidationError, match="end after"):
        svc.get_or_detect(db_session, area_code="1861", start=END, end=END)
    with pytest.raises(ValidationError, match="not a projected CRS"):
        svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                          end=END, crs=4326)
    with pytest.raises(ValidationError, match="unknown scan parameter"):
        svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                          end=END, params={"radius": 3})


def test_month_and_date_only_reports(db_session, make_area, category):
    """Month-dated reports stay out of the week; date-only ones make no weekday/hour profile."""
    make_area()
    cat = category("klotter")
    rng = np.random.default_rng(5)
    month_start = datetime(2025, 2, 28, 23, tzinfo=UTC)  # 1 March, local midnight

    def add(lons, lats, times, precision):
        db_session.add_all([
            Report(kind=cat.kind, category_id=cat.id, geom=from_shape(Point(lo, la), srid=4326),
                   occurred_at=t, status="reviewed", source="organisation",
                   time_precision=precision)
            for lo, la, t in zip(lons, lats, times, strict=True)])
        db_session.flush()

    start = END - timedelta(weeks=14)
    add(rng.uniform(15.05, 15.17, 300), rng.uniform(59.03, 59.10, 300),
        random_times(rng, 300, start, END), "exact")
    # a month export: 400 reports on the 1st at local midnight
    add(rng.normal(STATION[0], 0.0003, 400), rng.normal(STATION[1], 0.0002, 400),
        [month_start] * 400, "month")
    # a place whose reports carry only a date (local midnight)
    days = [datetime(2025, 3, 24 + int(d), tzinfo=UTC) - timedelta(hours=1)  # local midnight
            for d in rng.integers(1, 7, 12)]
    add(rng.normal(SQUARE[0], 0.0002, 12), rng.normal(SQUARE[1], 0.0001, 12), days, "day")
    week_of_month = svc.get_or_detect(db_session, area_code="1861", start=month_start,
                                      end=month_start + timedelta(days=7))
    assert at(week_of_month, STATION) == []  # the month's pile is no weekly hot spot
    assert week_of_month.parameters["precision"]["month_only"] == 400
    run = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                            end=END)
    assert run.parameters["precision"] == {"date_only": 12, "month_only": 400}
    (square,) = at(run, SQUARE)
    assert square.count == 12 and square.klass == "new"
    assert square.profile["busiest_hours"] == [] and square.profile["weekdays"] == {}
    counts = svc.precision_counts(db_session, area_code="1861", start=END - timedelta(days=7),
                                  end=END)
    assert counts == {"date_only": 12, "month_only": 400}


def test_sparse_data_extend_the_places_window(db_session, make_area, add_reports):
    """At ~10 reports a week the window grows past 13 weeks, and the run says so."""
    make_area()
    rng = np.random.default_rng(9)
    start = END - timedelta(weeks=40)
    add_reports(rng.uniform(15.05, 15.17, 400), rng.uniform(59.03, 59.10, 400),
                random_times(rng, 400, start, END))
    add_reports(rng.normal(STATION[0], 0.0002, 40), rng.normal(STATION[1], 0.0001, 40),
                random_times(rng, 40, start, END), code="stold")
    run = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                            end=END)
    window = run.parameters["window"]
    assert window["extended"] and window["weeks_before"] > 12
    assert run.baseline_weeks == window["weeks_before"] and window["reports"] >= 400
    (station,) = at(run, STATION)
    assert len(station.counts["weekly"]) == window["weeks_before"]
    with pytest.raises(ValidationError, match="Inga rapporter med datum mellan 2020-01-01 "
                                              "00:00 och 2020-01-08 00:00 i Hallsberg"):
        svc.get_or_detect(db_session, area_code="1861", start=datetime(2019, 12, 31, 23,
                                                                         tzinfo=UTC),
                          end=datetime(2020, 1, 7, 23, tzinfo=UTC))


@pytest.fixture
def months_of_town(make_area, add_reports):
    """Hallsberg, October 2024 – March 2025: background, a steady spot, month-dated reports."""
    area = make_area()
    rng = np.random.default_rng(11)
    start, end = datetime(2024, 9, 30, 22, tzinfo=UTC), datetime(2025, 3, 31, 22, tzinfo=UTC)
    add_reports(rng.uniform(15.05, 15.17, 900), rng.uniform(59.03, 59.10, 900),
                random_times(rng, 900, start, end))
    add_reports(rng.normal(STATION[0], 0.0002, 240), rng.normal(STATION[1], 0.0001, 240),
                random_times(rng, 240, start, end), code="stold")
    return area


def test_backtest_on_the_databases_own_months(db_session, months_of_town):
    now = datetime(2025, 6, 15, tzinfo=UTC)
    res = svc.backtest(db_session, area_code="1861", coverage=0.02, months=3, train_months=2,
                       now=now)
    assert [m["month"] for m in res["months"]] == ["2025-01", "2025-02", "2025-03"]
    assert res["area"] == {"code": "1861", "name": months_of_town.name}
    # Read: the two training months before January and the three test months.
    first = res["months"][0]
    assert res["mode"] == "coverage"
    assert res["reports"] == first["train_reports"] + d_tests(res) and 850 < res["reports"] < 1000
    rows = {r["method"]: r for r in res["rows"]}
    assert list(rows) == ["default", "grid 25 m", "grid 150 m", "KDE 200 m"]
    d = rows["default"]
    # The steady spot holds a fifth of each month's reports and is flagged every month.
    assert 0 < d["area_share"] <= 0.02 and d["hit_rate"] > 0.15 and d["pai"] > 10
    assert 0 < d["pei"] <= 1 and 0 < d["jaccard"] <= 1
    for m in res["months"]:
        area = m["default"]["area_share"] * res["study_area_m2"]
        # The default reaches the share (empty cells beside busy ones count) ...
        assert area == pytest.approx(0.02 * res["study_area_m2"], abs=625)
        # ... the KDE flags the same area (to one 25 m cell); the 25 m grid has only the
        # cells holding a training report, which in a small town are fewer.
        assert m["KDE 200 m"]["area_share"] * res["study_area_m2"] == pytest.approx(
            area, abs=625 / 2 + 1)
        assert m["grid 25 m"]["area_share"] * res["study_area_m2"] <= area + 625 / 2 + 1
    assert sum(m["test_reports"] for m in res["months"]) == d["test_reports"]
    sig = svc.backtest(db_session, area_code="1861", coverage=None, months=3, train_months=2,
                       now=now)
    assert sig["mode"] == "significance" and sig["rows"][0]["hit_rate"] > 0.15


def d_tests(res):
    return sum(m["test_reports"] for m in res["months"])


def test_backtest_counts_month_dated_reports_in_their_month(db_session, months_of_town,
                                                            category):
    now = datetime(2025, 6, 15, tzinfo=UTC)
    before = svc.backtest(db_session, area_code="1861", months=1, train_months=2, now=now)
    cat = category("klotter")
    march = datetime(2025, 2, 28, 23, tzinfo=UTC)  # 1 March, local midnight
    db_session.add_all([
        Report(kind=cat.kind, category_id=cat.id, time_precision="month",
               geom=from_shape(Point(STATION[0], STATION[1]), srid=4326), occurred_at=march,
               status="reviewed", source="organisation") for _ in range(7)])
    db_session.flush()
    res = svc.backtest(db_session, area_code="1861", months=1, train_months=2, now=now)
    assert res["months"][0]["month"] == "2025-03" and res["reports"] == before["reports"] + 7
    assert res["months"][0]["test_reports"] == before["months"][0]["test_reports"] + 7
    assert res["months"][0]["default"]["captured"] >= before["months"][0]["default"][
        "captured"] + 7


def test_backtest_bad_requests_and_too_little_data(db_session, months_of_town):
    now = datetime(2025, 6, 15, tzinfo=UTC)
    with pytest.raises(ValidationError) as e:
        svc.backtest(db_session, area_code="1861", coverage=0.9, now=now)
    assert e.value.errors.keys() == {"coverage"}
    with pytest.raises(ValidationError) as e:
        svc.backtest(db_session, area_code="1861", months=0, now=now)
    assert e.value.errors.keys() == {"months"}
    with pytest.raises(NotFound):
        svc.backtest(db_session, area_code="0000", now=now)
    with pytest.raises(ValidationError) as e:
        svc.backtest(db_session, area_code="1861", now=datetime(2024, 11, 5, tzinfo=UTC))
    assert "För lite data" in str(e.value) and "2024-10-01" in str(e.value)


def test_month_only_counts_reports_filed_in_the_area_and_unfiled_ones_inside(
        db_session, make_area, category):
    """Filed reports count by their area (from the index), unfiled ones by the outline."""
    area = make_area()
    cat = category("klotter")
    first = datetime(2025, 2, 28, 23, tzinfo=UTC)  # 1 March, local midnight

    def add(n, area_id, lon):
        db_session.add_all([
            Report(kind=cat.kind, category_id=cat.id, area_id=area_id,
                   geom=from_shape(Point(lon, STATION[1]), srid=4326), occurred_at=first,
                   status="reviewed", source="organisation", time_precision="month")
            for _ in range(n)])
        db_session.flush()

    add(3, area.id, STATION[0])
    add(2, None, STATION[0])
    add(4, None, 2.0)  # far outside the municipality, not filed in it
    counts = svc.precision_counts(db_session, area_code="1861", start=first,
                                  end=first + timedelta(days=7))
    assert counts == {"date_only": 0, "month_only": 5}
