"""Imprecise times on the review: date-only reports stay out of weekday × hour, month-dated
reports leave the week for the monthly review, and the month is the same page by month."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from est.models.hotspots import Hotspot, HotspotRun
from est.review import Filters, Month, Week, build_review
from est.review.hotspots import hotspot_rows

TZ = "Europe/Stockholm"
ZONE = ZoneInfo(TZ)
W44 = Week(2026, 44, TZ)  # Mon 26 Oct – Sun 1 Nov 2026: touches October and November
NOV, OCT = Month(2026, 11, TZ), Month(2026, 10, TZ)
DONE = date(2026, 12, 10)  # both months complete
STATION = (15.1110, 59.0645, 15.1135, 59.0657)


def local(y, m, d, h=0):
    return datetime(y, m, d, h, tzinfo=ZONE)


@pytest.fixture
def mixed(make_area, make_report):
    """Exact, date-only and month-dated reports around the turn of October/November 2026."""
    area = make_area()
    for _ in range(3):  # Wednesday 28 Oct 14:00, exact
        make_report(area=area, occurred_at=local(2026, 10, 28, 14))
    for _ in range(4):  # Friday 30 Oct, date only (stored at local midnight)
        make_report(area=area, occurred_at=local(2026, 10, 30), time_precision="day")
    for _ in range(5):  # "2026-11" in an export: the 1st at local midnight (in week 44)
        make_report(area=area, occurred_at=local(2026, 11, 1), time_precision="month",
                    code="belysning")
    for _ in range(2):  # "2026-10"
        make_report(area=area, occurred_at=local(2026, 10, 1), time_precision="month")
    for _ in range(2):  # Tuesday 10 Nov 09:00, exact
        make_report(area=area, occurred_at=local(2026, 11, 10, 9))
    return area


def test_month_interface_and_swedish_labels():
    assert NOV.label == "november 2026" and NOV.short_label == "nov 2026"
    assert NOV.slug == "2026-11" and Month.parse("2026-11", TZ) == NOV
    assert NOV.shift(-1) == OCT and NOV.shift(2) == Month(2027, 1, TZ)
    assert NOV.same_last_year() == Month(2025, 11, TZ)
    assert NOV.start == local(2026, 11, 1) and NOV.end == local(2026, 12, 1)
    assert OCT.length == 31 and Month(2026, 2, TZ).length == 28
    # Like with like: 30 days into a 28-day February is the whole February.
    assert Month(2026, 2, TZ).cut(30) == local(2026, 3, 1)
    assert NOV.days_done(date(2026, 11, 25)) == 24 and NOV.in_progress(date(2026, 11, 25))
    assert W44.months() == [OCT, NOV] and Week(2026, 46, TZ).months() == [NOV]
    for bad in ("2026-13", "2026-1", "1999-12", "26-11"):
        with pytest.raises(Exception, match="månad|2000"):
            Month.parse(bad, TZ)


def test_week_keeps_imprecise_times_out_of_the_matrix(db_session, mixed):
    page = build_review(db_session, "1861", W44, Filters(), detect=False, today=DONE)
    # Month-dated reports do not count in the week of the 1st …
    assert page.total_now == 3 + 4
    assert "Dålig belysning" not in [t["label"] for t in page.totals]
    assert len(page.points) == 7
    # … the week says how many there are, per month it touches.
    assert page.month_only == [(OCT, 2), (NOV, 5)]
    assert page.date_only == 4
    # Only the timed reports are in weekday × hour: Wednesday 14:00; nothing at Friday 0:00.
    assert sum(map(sum, page.matrix)) == 3
    assert page.matrix[2][14] == 3 and page.matrix[4][0] == 0 and page.matrix[6][0] == 0


def test_month_page_counts_month_dated_reports(db_session, mixed):
    page = build_review(db_session, "1861", NOV, Filters(), detect=False, today=DONE)
    assert page.period == NOV and page.is_month and not page.in_progress
    assert page.week == Week.containing(NOV.last_day, TZ)
    assert page.total_now == 5 + 2
    assert page.total_last_week == 3 + 4 + 2  # last month, its month-dated reports included
    assert page.total_last_year is None  # no data a year before: missing, not zero
    assert all(t["last_year"] is None for t in page.totals)
    by_label = {t["label"]: t for t in page.totals}
    assert by_label["Dålig belysning"]["now"] == 5 and by_label["Dålig belysning"]["last_week"] == 0
    assert page.month_only == [(NOV, 5)] and page.date_only == 0
    assert sum(map(sum, page.matrix)) == 2 and page.matrix[1][9] == 2
    assert len(page.points) == 7


def test_month_in_progress_compares_the_same_days(db_session, mixed, make_report):
    area = mixed
    make_report(area=area, occurred_at=local(2026, 10, 5, 8))  # inside 1–10 Oct
    make_report(area=area, occurred_at=local(2026, 10, 20, 8))  # after the cut
    page = build_review(db_session, "1861", NOV, Filters(), detect=False,
                        today=date(2026, 11, 11))
    assert page.in_progress and page.compare_days == 10 and page.compare_label == "1–10 nov"
    # 1–10 Nov against 1–10 Oct, reports dated only to a month left out of both.
    assert page.total_now == 2 and page.total_last_week == 1
    assert page.total_so_far == 7  # so far, month-dated included


def test_places_get_monthly_counts_and_weeks_leave_month_dates_out(db_session, mixed,
                                                                     make_report):
    area = mixed
    week = Week.containing(NOV.last_day, TZ)
    run = HotspotRun(area_id=area.id, window_start=week.start, window_end=week.end,
                     baseline_weeks=12, method="scan", parameters={}, params_hash="m",
                     data_version="m", n_reports=0)
    poly = MultiPolygon([box(*STATION)])
    run.hotspots = [Hotspot(rank=1, lineage_id=uuid.uuid4(), klass="persistent",
                            polygon=from_shape(poly, srid=4326),
                            centroid=from_shape(poly.centroid, srid=4326), count=1,
                            area_m2=25000.0, counts={"weekly": [1, 1, 1, 1]},
                            profile={})]
    db_session.add(run)
    db_session.flush()
    make_report(area=area, occurred_at=local(2026, 11, 30, 18))  # Monday of the run's week
    (month_row,) = hotspot_rows(db_session, run, area, None, period=NOV)
    # All of November's reports at the station: 5 month-dated, 2 on the 10th, 1 on the 30th.
    assert month_row.week_count == 8
    assert dict(month_row.week_categories)["Dålig belysning"] == 5
    assert month_row.previous_mean == pytest.approx(30 / 7, abs=0.05)  # 1 a week × 30 days
    (week_row,) = hotspot_rows(db_session, run, area, None)
    assert week_row.week_count == 1 and week_row.trend[-1] == 1
    # A week that holds the 1st never counts month-dated reports inside a place either.
    run44 = HotspotRun(area_id=area.id, window_start=W44.start, window_end=W44.end,
                       baseline_weeks=12, method="scan", parameters={}, params_hash="n",
                       data_version="n", n_reports=0)
    run44.hotspots = [Hotspot(rank=1, lineage_id=uuid.uuid4(), klass="new",
                              polygon=from_shape(poly, srid=4326),
                              centroid=from_shape(poly.centroid, srid=4326), count=1,
                              area_m2=25000.0, counts={"weekly": []}, profile={})]
    db_session.add(run44)
    db_session.flush()
    (row44,) = hotspot_rows(db_session, run44, area, None)
    assert row44.week_count == 3 + 4


def test_date_only_reports_never_make_busiest_days_or_hours(db_session, make_area,
                                                            make_report):
    """A place whose week holds timed reports on Saturday 22:00 and date-only reports on
    Friday (midnight in the database) is busiest on Saturday at 22, never Friday at 0."""
    area = make_area()
    rng = np.random.default_rng(5)
    week = Week(2026, 47, TZ)
    for i in range(13 * 7):  # thin background over the places window
        day = week.monday - timedelta(days=13 * 7 - i)
        for _ in range(3):
            make_report(float(rng.uniform(15.06, 15.16)), float(rng.uniform(59.035, 59.095)),
                        area=area, occurred_at=local(day.year, day.month, day.day,
                                                     int(rng.integers(8, 20))))
    lon, lat = 15.1122, 59.0651
    saturday, friday = week.monday + timedelta(days=5), week.monday + timedelta(days=4)
    for _ in range(14):
        make_report(lon + float(rng.normal(0, 1e-4)), lat + float(rng.normal(0, 5e-5)),
                    area=area, occurred_at=local(2026, 11, saturday.day, 22))
    for _ in range(20):
        make_report(lon + float(rng.normal(0, 1e-4)), lat + float(rng.normal(0, 5e-5)),
                    area=area, occurred_at=local(2026, 11, friday.day), time_precision="day")
    page = build_review(db_session, "1861", week, Filters(), today=date(2026, 12, 1))
    assert page.run is not None and page.hotspots, page.run_message
    station = [r for r in page.hotspots if r.week_count >= 30]
    assert station, [(r.name, r.week_count) for r in page.hotspots]
    for row in page.hotspots:
        assert "fri" not in row.busiest_weekdays and 0 not in row.busiest_hours, row.name
    assert station[0].busiest_weekdays[:1] == ["sat"] and station[0].busiest_hours[:1] == [22]
    assert page.date_only == 20
    assert page.matrix[4][0] == 0 and page.matrix[5][22] == 14
