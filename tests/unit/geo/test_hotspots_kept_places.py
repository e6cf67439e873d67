"""Significance-mode hysteresis: last run's places are kept while a relaxed candidate holds them."""

import numpy as np
import shapely

from geo.hotspots.emerging import WEEK, emerging
from geo.hotspots.polygons import cell_outline
from geo.projection import geometry_to_wgs84, to_projected

START = np.datetime64("2025-03-24T00:00:00")
CENTRE = (15.11, 59.06)


def _points(seed: int, spot_reports: int):
    """Uniform background over 13 weeks on 4 km, one strong spot and one weak spot (lon/lat)."""
    from geo.hotspots import PointSet

    rng = np.random.default_rng(seed)
    x0, y0 = to_projected(np.array([CENTRE[0]]), np.array([CENTRE[1]]), 3006)
    n = 1300
    x = rng.uniform(0, 4000, n)
    y = rng.uniform(0, 4000, n)
    strong = (1000.0, 1000.0)
    weak = (3000.0, 3000.0)
    x = np.r_[x, rng.normal(strong[0], 12, 60), rng.normal(weak[0], 6, spot_reports)]
    y = np.r_[y, rng.normal(strong[1], 12, 60), rng.normal(weak[1], 6, spot_reports)]
    span = int(13 * WEEK / np.timedelta64(1, "s"))
    t = START - 12 * WEEK + rng.integers(0, span, x.size).astype("timedelta64[s]")
    from geo.projection import to_wgs84

    lon, lat = to_wgs84(x + x0[0] - 2000, y + y0[0] - 2000, 3006)
    pts = PointSet.from_lonlat(lon, lat, crs=3006, t=t)
    return pts, (strong[0] + x0[0] - 2000, strong[1] + y0[0] - 2000), \
        (weak[0] + x0[0] - 2000, weak[1] + y0[0] - 2000)


def _at(res, xy):
    p = shapely.Point(xy)
    return [h for h in res.hotspots if h.polygon_m.distance(p) < 30]


def test_a_weak_place_of_last_run_is_kept_and_an_unsupported_one_dropped():
    pts, strong, weak = _points(1, 8)
    end = START + WEEK
    plain = emerging(pts, START, end, prior_weeks=12)
    assert _at(plain, strong) and not _at(plain, weak)
    last_weak = cell_outline(np.array([weak[0]]), np.array([weak[1]]))
    nowhere = shapely.box(strong[0] + 20_000, strong[1], strong[0] + 20_100, strong[1] + 100)
    last_strong = _at(plain, strong)[0].polygon_m
    res = emerging(pts, START, end, prior_weeks=12, keep=[last_strong, last_weak, nowhere])
    (kept,) = _at(res, weak)
    assert kept.extra["source"] == "kept" and kept.count >= 0
    assert shapely.equals(kept.polygon_m, last_weak) and kept.klass is not None
    assert res.params["kept_places"] == 1
    # The strong place is found again (not duplicated), the unsupported one is gone.
    assert len(_at(res, strong)) == 1
    assert not [h for h in res.hotspots if h.polygon_m.intersects(nowhere)]
    assert len(res.hotspots) == len(plain.hotspots) + 1
    # The kept outline is stored like any other (WGS84 polygon of the same shape).
    assert kept.polygon.equals_exact(geometry_to_wgs84(last_weak, 3006), 1e-7) or \
        kept.polygon.area > 0


def test_a_kept_place_needs_a_relaxed_candidate():
    # Two reports at the weak spot: below the relaxed cut (≥ 3 reports), so it goes.
    pts, _, weak = _points(2, 2)
    last_weak = cell_outline(np.array([weak[0]]), np.array([weak[1]]))
    res = emerging(pts, START, START + WEEK, prior_weeks=12, keep=[last_weak])
    assert res.params["kept_places"] == 0 and not _at(res, weak)
