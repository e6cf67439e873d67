"""Space-time classes and lineage matching."""

import numpy as np
import pytest
import shapely

from geo.hotspots import PointSet, classify, match_lineages
from geo.hotspots.spacetime import class_of
from geo.projection import to_wgs84

X0, Y0 = 510_000.0, 6_550_000.0
END = np.datetime64("2025-03-31T00:00:00", "s")
WEEK = 7 * 24 * 3600


def weeks_ago(rng, n, first_week, last_week):
    """Times uniformly within weeks ``first_week``..``last_week`` before END (1 = review)."""
    off = rng.uniform((last_week - 1) * WEEK, first_week * WEEK, n).astype("timedelta64[s]")
    return END - off


def build(parts):
    xs, ys, ts = zip(*parts, strict=True)
    x = np.concatenate(xs) + X0
    y = np.concatenate(ys) + Y0
    lon, lat = to_wgs84(x, y, 3006)
    return PointSet.from_lonlat(lon, lat, crs=3006, t=np.concatenate(ts))


def background(rng, n=1300):
    return rng.uniform(0, 3000, n), rng.uniform(0, 3000, n), weeks_ago(rng, n, 13, 1)


def spot(rng, cx, cy, n, first_week, last_week, sigma=12.0):
    return (rng.normal(cx, sigma, n), rng.normal(cy, sigma, n),
            weeks_ago(rng, n, first_week, last_week))


def classes_at(result, cx, cy):
    p = shapely.Point(cx + X0, cy + Y0)
    return [h.klass for h in result.hotspots if h.polygon_m.buffer(25).contains(p)]


def test_classes_of_planted_places():
    rng = np.random.default_rng(11)
    pts = build([
        background(rng),
        spot(rng, 500, 500, 15, 1, 1),            # only in the review week → new
        spot(rng, 1500, 500, 90, 13, 1),          # steady 7/week → persistent
        spot(rng, 2500, 500, 60, 13, 2),          # steady before ...
        spot(rng, 2500, 500, 30, 1, 1),           # ... and 30 in the review week → intensifying
        spot(rng, 500, 2000, 120, 13, 2),         # busy before, silent now → diminishing
        spot(rng, 1500, 2000, 15, 1, 1),          # flares now ...
        spot(rng, 1500, 2000, 15, 9, 9),          # ... and flared once before → sporadic
    ])
    res = classify(pts, END - np.timedelta64(WEEK, "s"), END, baseline_weeks=12)
    assert classes_at(res, 500, 500) == ["new"]
    assert classes_at(res, 1500, 500) == ["persistent"]
    assert classes_at(res, 2500, 500) == ["intensifying"]
    assert classes_at(res, 500, 2000) == ["diminishing"]
    assert classes_at(res, 1500, 2000) == ["sporadic"]
    dim = next(h for h in res.hotspots if h.klass == "diminishing")
    assert dim.count == 0 and sum(dim.extra["weekly"]) >= 100
    assert len(dim.extra["weekly"]) == 12


@pytest.mark.parametrize(
    ("n_now", "weekly", "hot_now", "hot_before", "expected"),
    [
        (10, [0] * 12, True, False, "new"),
        (10, [0] * 8 + [6] + [0] * 3, True, False, "sporadic"),
        (5, [5] * 12, True, True, "persistent"),
        (15, [5] * 12, True, True, "intensifying"),
        (0, [5] * 12, False, True, "diminishing"),
        (4, [5] * 12, False, True, "persistent"),
        (1, [0] * 9 + [9, 9, 9], False, True, "sporadic"),
        (30, [0] * 11 + [20], True, True, "sporadic"),
    ],
)
def test_class_rules(n_now, weekly, hot_now, hot_before, expected):
    assert class_of(n_now, np.array(weekly), 1.0, 0.2, hot_now, hot_before) == expected


def test_baseline_zero_gives_no_classes_and_empty_window_is_fine():
    rng = np.random.default_rng(12)
    pts = build([background(rng), spot(rng, 500, 500, 20, 1, 1)])
    res = classify(pts, END - np.timedelta64(WEEK, "s"), END, baseline_weeks=0)
    assert res.hotspots and all(h.klass is None for h in res.hotspots)
    with pytest.raises(ValueError, match="end after"):
        classify(pts, END, END)


def test_lineages_match_by_overlap_one_to_one():
    a = shapely.Point(0, 0).buffer(50)
    b = shapely.Point(1000, 0).buffer(50)
    previous = [("A", a), ("B", b), ("A", shapely.Point(5000, 0).buffer(50))]
    moved = shapely.Point(30, 0).buffer(60)      # grew and shifted, same place
    split = shapely.Point(-40, 0).buffer(20)     # a small second piece of A
    far = shapely.Point(3000, 0).buffer(50)
    result = match_lineages([split, moved, far, b], previous)
    assert result == [None, "A", None, "B"]
    assert match_lineages([], previous) == []
    assert match_lineages([a], []) == [None]


def test_no_reports_before_the_window_makes_everything_new():
    """An empty baseline (e.g. the first weeks of a new municipality) is not an error."""
    rng = np.random.default_rng(3)
    pts = build([(rng.uniform(0, 3000, 300), rng.uniform(0, 3000, 300),
                  weeks_ago(rng, 300, 1, 1)), spot(rng, 800, 800, 25, 1, 1)])
    res = classify(pts, END - np.timedelta64(WEEK, "s"), END, baseline_weeks=12)
    assert classes_at(res, 800, 800) == ["new"]
