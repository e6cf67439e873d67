"""Compact cell outlines and the rolling monthly backtest with grids and a KDE at equal area."""

import numpy as np
import pytest
import shapely

from geo.evaluation import backtest
from geo.evaluation.rolling import (
    COMPARATORS,
    default_flagger,
    grid_flagger,
    kde_top,
    month_starts,
    rolling_backtest,
)
from geo.hotspots import PointSet, detect
from geo.hotspots.polygons import cell_outline, outline
from geo.projection import to_wgs84

X0, Y0 = 450_000.0, 6_550_000.0


def test_cell_outline_spends_area_only_where_the_reports_are():
    rng = np.random.default_rng(0)
    # An L along two streets, 300 m each, a report every 60 m: a hull spans the corner.
    s = np.arange(0, 300, 60.0) + 3
    x = np.r_[s, np.full(s.size, 3.0)] + X0 + rng.uniform(0, 5, 2 * s.size)
    y = np.r_[np.full(s.size, 3.0), s] + Y0 + rng.uniform(0, 5, 2 * s.size)
    cells = cell_outline(x, y)
    n_cells = np.unique(np.c_[np.floor(x / 25), np.floor(y / 25)], axis=0).shape[0]
    # Cells 60 m apart leave an empty cell between them: nothing is bridged.
    assert cells.area == pytest.approx(n_cells * 625.0)
    assert shapely.intersects_xy(cells, x, y).all()
    hull = outline(x, y, "hull")
    assert hull.area > 4 * cells.area
    with pytest.raises(ValueError, match="unknown outline"):
        outline(x, y, "blob")


def test_closing_joins_corner_neighbours_and_fills_notches_only():
    # Two cells touching at a corner are joined by a small bridge, not a square.
    two = cell_outline(np.array([5.0, 30.0]), np.array([5.0, 30.0]))
    assert isinstance(two, shapely.Polygon) and 1250 < two.area < 1250 + 150
    # Three cells of an L: the notch is rounded off, far less than the missing cell.
    ell = cell_outline(np.array([5.0, 30.0, 5.0]), np.array([5.0, 5.0, 30.0]))
    assert 3 * 625 < ell.area < 3 * 625 + 120
    # One empty cell between two occupied ones stays empty.
    apart = cell_outline(np.array([5.0, 55.0]), np.array([5.0, 5.0]))
    assert apart.area == pytest.approx(1250.0) and apart.geom_type == "MultiPolygon"


def test_detected_area_is_the_outline_area_and_holds_every_member():
    rng = np.random.default_rng(3)
    bg = rng.uniform(0, 3000, (3000, 2))
    spot = rng.normal(1500, 20, (60, 2))
    xy = np.r_[bg, spot] + (X0, Y0)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], 3006)
    det = detect(PointSet.from_lonlat(lon, lat, crs=3006))
    assert det.hotspots
    for h in det.hotspots:
        assert h.area_m2 == pytest.approx(h.polygon_m.area)
        assert shapely.intersects_xy(h.polygon_m, xy[h.members, 0], xy[h.members, 1]).all()
        occupied = np.unique(np.floor(xy[h.members] / 25), axis=0).shape[0]
        assert occupied * 625 <= h.area_m2 < occupied * 625 * 1.5


def test_month_starts_follow_the_local_calendar():
    t0, t1 = np.datetime64("2024-12-31T23:30:00"), np.datetime64("2025-02-10T00:00:00")
    starts = month_starts(t0, t1, "Europe/Stockholm")
    assert [str(s) for s in starts] == ["2024-12-31T23:00:00", "2025-01-31T23:00:00",
                                        "2025-02-28T23:00:00"]


def _months_of_spots(seed=0, months=5, move_last=False):
    """A square of background over ``months`` months (2025) with three steady spots."""
    rng = np.random.default_rng(seed)
    n = 400 * months
    t0 = np.datetime64("2025-01-01T00:00:00").astype(np.int64)
    span = months * 30 * 86400
    xs, ys, ts = [rng.uniform(0, 4000, n)], [rng.uniform(0, 4000, n)], [rng.uniform(0, span, n)]
    for cx, cy in ((800, 800), (2500, 1200), (3000, 3200)):
        m = 60 * months
        tt = rng.uniform(0, span, m)
        shift = 1500 if move_last else 0
        late = tt > span - 30 * 86400
        xs.append(rng.normal(cx, 15, m) - np.where(late, shift, 0) * (cx > 2000))
        ys.append(rng.normal(cy, 15, m))
        ts.append(tt)
    t = (t0 + np.concatenate(ts)).astype("datetime64[s]")
    return np.concatenate(xs) + X0, np.concatenate(ys) + Y0, t


def test_rolling_backtest_at_an_operating_point_beside_grids_and_a_kde():
    x, y, t = _months_of_spots()
    res = rolling_backtest(x, y, t, share=0.02, months=3, train_months=2, tz="UTC")
    assert [m["month"] for m in res["months"]] == ["2025-03", "2025-04", "2025-05"]
    rows = {r["method"]: r for r in res["rows"]}
    assert list(rows) == ["default", *COMPARATORS]
    d = rows["default"]
    assert 0 < d["area_share"] <= 0.02
    # The spots hold 180 of 580 reports a month and are flagged every month.
    assert d["hit_rate"] > 0.25 and d["pai"] > 10 and 0 < d["pei"] <= 1
    # The filled single cells of the uniform background change from month to month.
    assert 0.2 < d["jaccard"] <= 1
    for m in res["months"]:
        a = m["default"]["area_share"] * res["study_area_m2"]
        assert m["grid 25 m"]["area_share"] * res["study_area_m2"] == pytest.approx(a, abs=313)
        assert m["KDE 200 m"]["area_share"] * res["study_area_m2"] == pytest.approx(a, abs=313)
    assert rows["grid 25 m"]["pei"] <= 1 and rows["grid 150 m"]["hit_rate"] > 0
    assert d["test_reports"] == sum(m["test_reports"] for m in res["months"])


def test_rolling_backtest_jaccard_and_too_little_data():
    x, y, t = _months_of_spots(seed=1)
    box = shapely.box(X0 + 700, Y0 + 700, X0 + 900, Y0 + 900)
    res = rolling_backtest(x, y, t, months=3, train_months=1, tz="UTC",
                           comparators=(), flag=lambda xs, ys: box)
    (d,) = res["rows"]
    assert d["jaccard"] == pytest.approx(1.0) and res["mode"] == "significance"
    inside = shapely.intersects_xy(box, x, y) & (t >= np.datetime64("2025-03-01"))
    assert d["captured"] == int(inside[t < np.datetime64("2025-06-01")].sum())
    with pytest.raises(ValueError, match="at least one whole month"):
        rolling_backtest(x[:10], y[:10], np.full(10, np.datetime64("2025-01-05T00:00:00")))
    with pytest.raises(ValueError, match="comparator"):
        rolling_backtest(x, y, t, comparators=("grid 10 m",))


def test_kde_top_flags_the_densest_cells():
    rng = np.random.default_rng(2)
    x = np.r_[rng.uniform(0, 5000, 500), rng.normal(2000, 30, 100)] + X0
    y = np.r_[rng.uniform(0, 5000, 500), rng.normal(3000, 30, 100)] + Y0
    keys = kde_top(x, y, 20)
    assert keys.size == 20 and (np.diff(keys) > 0).all()
    from geo.hotspots import grid

    cx, cy = grid.unpack(keys)
    assert np.abs((cx + 0.5) * 25 - X0 - 2000).max() < 150
    assert np.abs((cy + 0.5) * 25 - Y0 - 3000).max() < 150


def test_weekly_backtest_takes_a_coverage_share():
    x, y, t = _months_of_spots(seed=4, months=3)
    rows, _ = backtest(x, y, t, ("default",), train_weeks=4, test_weeks=2, coverage=0.01)
    assert 0 < rows[0]["area_share"] <= 0.01 and rows[0]["hit_rate"] > 0.2


def test_grid_flagger_covers_the_asked_area_with_the_busiest_cells():
    x, y, t = _months_of_spots(seed=5, months=3)
    g = grid_flagger(25.0, 30 * 625.0)(x, y)
    assert g.area == pytest.approx(30 * 625.0)
    assert shapely.intersects_xy(g, x, y).sum() > 0.2 * x.size  # the three spots
    res = rolling_backtest(x, y, t, months=2, train_months=1, tz="UTC", comparators=(),
                           flag=grid_flagger(25.0, 30 * 625.0))
    assert res["rows"][0]["area_share"] * res["study_area_m2"] == pytest.approx(30 * 625.0)


def test_default_flagger_keeps_last_months_cells_on_equal_counts():
    x, y, t = _months_of_spots(seed=6, months=4)
    feb, mar = np.datetime64("2025-02-01"), np.datetime64("2025-03-01")
    w1, w2 = t < mar, (t >= feb) & (t < np.datetime64("2025-04-01"))
    from geo.hotspots.coverage import study_area_m2

    area = study_area_m2(x, y)
    flag = default_flagger(0.02, area)
    first, second = flag(x[w1], y[w1]), flag(x[w2], y[w2])
    fresh = default_flagger(0.02, area)(x[w2], y[w2])

    def jac(a, b):
        return shapely.intersection(a, b).area / shapely.union(a, b).area

    # Same share, same counts: the remembering flagger moves less than a fresh one.
    assert second.area == pytest.approx(fresh.area, rel=0.05)
    assert jac(first, second) > jac(first, fresh) + 0.02
    # The spots stay flagged either way.
    for cx, cy in ((800, 800), (2500, 1200), (3000, 3200)):
        assert second.contains(shapely.Point(X0 + cx, Y0 + cy))
