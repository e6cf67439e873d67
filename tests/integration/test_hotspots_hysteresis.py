"""Product runs in coverage mode keep last week's cells (hysteresis) and their lineages."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point

from est.models import Report
from est.services import hotspots as svc
from est.services.hotspots.requests import load_points, resolve_request
from geo.hotspots.coverage import cells_of, coverage
from geo.projection import geometry_to_projected

END = datetime(2025, 3, 31, tzinfo=UTC)
STATION = (15.1122, 59.0651)
SHARE = 0.05


@pytest.fixture
def town(db_session, make_area, category):
    """Hallsberg: 14 weeks of background (ties everywhere) and a steady spot at the station."""
    area = make_area()
    rng = np.random.default_rng(7)
    start = END - timedelta(weeks=14)
    span = (END - start).total_seconds()
    bg, st = category("klotter"), category("stold")
    lons = np.r_[rng.uniform(15.05, 15.17, 700), rng.normal(STATION[0], 0.00025, 80)]
    lats = np.r_[rng.uniform(59.03, 59.10, 700), rng.normal(STATION[1], 0.00013, 80)]
    cats = [bg] * 700 + [st] * 80
    db_session.add_all([
        Report(kind=c.kind, category_id=c.id, geom=from_shape(Point(lo, la), srid=4326),
               occurred_at=start + timedelta(seconds=float(s)), status="reviewed",
               source="organisation")
        for lo, la, c, s in zip(lons, lats, cats, rng.uniform(0, span, 780), strict=True)
    ])
    db_session.flush()
    return area


def _cells(run):
    return cells_of([geometry_to_projected(to_shape(h.polygon), 3006) for h in run.hotspots])


def _jaccard(a, b):
    return np.intersect1d(a, b).size / np.union1d(a, b).size


def test_next_weeks_coverage_run_keeps_last_weeks_cells_and_lineages(db_session, town):
    week1 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=14),
                              end=END - timedelta(days=7), coverage=SHARE)
    week2 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                              end=END, coverage=SHARE)
    u1, u2 = week1.parameters["used"], week2.parameters["used"]
    assert u1["previous_run"] is None and u1["hysteresis"] is False
    assert u2["previous_run"] == week1.id and u2["hysteresis"] is True
    assert u2["rank"] == "smoothed" and "σ 100 m" in u2["score_text"]
    # The share is reached (to one 25 m cell) and recorded.
    assert u2["flagged_m2"] == pytest.approx(SHARE * u2["study_area_m2"], abs=625)
    c1, c2 = _cells(week1), _cells(week2)
    # Without memory, the same data flag other tied cells: the run with hysteresis moves less.
    req = resolve_request(db_session, area_code="1861", start=END - timedelta(days=7),
                          end=END, coverage=SHARE)
    pts = load_points(db_session, req)
    w0 = np.datetime64((req.start - timedelta(weeks=req.baseline_weeks)).replace(tzinfo=None),
                       "s")
    keep = pts.t >= w0
    fresh = coverage(pts.x[keep], pts.y[keep], SHARE)
    assert np.array_equal(np.unique(c2), c2)
    assert _jaccard(c1, c2) > _jaccard(c1, fresh.cells) + 0.05
    assert _jaccard(c1, c2) > 0.8
    # The station place comes back with the same lineage.
    probe = Point(*STATION).buffer(0.0004)
    (s1,) = [h for h in week1.hotspots if to_shape(h.polygon).intersects(probe)]
    (s2,) = [h for h in week2.hotspots if to_shape(h.polygon).intersects(probe)]
    assert s1.lineage_id == s2.lineage_id
    assert shapely.Point(STATION).within(to_shape(s2.polygon))
    # Most places of week 1 keep their lineage in week 2.
    lin1 = {h.lineage_id for h in week1.hotspots}
    kept = sum(h.lineage_id in lin1 for h in week2.hotspots)
    assert kept >= 0.8 * len(week2.hotspots)


def test_a_significance_run_does_not_feed_coverage_hysteresis(db_session, town):
    svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=14),
                      end=END - timedelta(days=7))
    run = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                            end=END, coverage=SHARE)
    assert run.parameters["used"]["previous_run"] is None
    assert run.parameters["used"]["hysteresis"] is False


def test_next_weeks_significance_run_names_the_previous_run_and_keeps_lineages(db_session,
                                                                               town):
    week1 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=14),
                              end=END - timedelta(days=7))
    week2 = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=7),
                              end=END)
    used = week2.parameters["used"]
    assert week1.parameters["used"]["previous_run"] is None
    assert used["previous_run"] == week1.id and used["kept_places"] >= 0
    # Every place of week 1 comes back (found again or kept) under its lineage.
    lin2 = {h.lineage_id for h in week2.hotspots}
    assert {h.lineage_id for h in week1.hotspots} <= lin2
    kept = [h for h in week2.hotspots if h.counts["source"] == "kept"]
    assert len(kept) == used["kept_places"]


def test_a_weekly_run_does_not_feed_a_monthly_runs_hysteresis(db_session, town):
    svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=35),
                      end=END - timedelta(days=28), coverage=SHARE)
    month = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=31),
                              end=END, coverage=SHARE)
    assert month.parameters["used"]["previous_run"] is None
    earlier = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=59),
                                end=END - timedelta(days=31), coverage=SHARE)
    later = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=31),
                              end=END, coverage=0.049)
    assert later.parameters["used"]["previous_run"] is None  # another share: no memory
    again = svc.get_or_detect(db_session, area_code="1861", start=END - timedelta(days=28),
                              end=END + timedelta(days=3), coverage=SHARE)
    # A 28-day window follows the 31-day month before it.
    assert again.parameters["used"]["previous_run"] == month.id
    assert earlier.parameters["used"]["previous_run"] is None  # nothing a month long before
