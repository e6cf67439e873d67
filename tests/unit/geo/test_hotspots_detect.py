"""The default detector and the alternatives on small hand-made point sets (metres)."""

import numpy as np
import pytest
import shapely

from geo.hotspots import METHODS, PointSet, detect
from geo.hotspots.methods import dbscan_defaults
from geo.hotspots.scan import scan
from geo.projection import to_wgs84

X0, Y0 = 510_000.0, 6_550_000.0  # SWEREF 99 TM, near Hallsberg


def spot(rng, cx, cy, n, sigma=15.0):
    return rng.normal(cx, sigma, n), rng.normal(cy, sigma, n)


def uniform(rng, n, side):
    return rng.uniform(0, side, n), rng.uniform(0, side, n)


def stack(*parts):
    return (np.concatenate([p[0] for p in parts]) + X0,
            np.concatenate([p[1] for p in parts]) + Y0)


def points(x, y, **kw):
    lon, lat = to_wgs84(x, y, 3006)
    return PointSet.from_lonlat(lon, lat, crs=3006, **kw)


def hotspot_centres(det):
    return [shapely.centroid(h.polygon_m) for h in det.hotspots]


def test_two_tight_clusters_in_uniform_background():
    rng = np.random.default_rng(1)
    x, y = stack(uniform(rng, 2000, 3000), spot(rng, 800, 900, 30), spot(rng, 2200, 1900, 30))
    det = detect(points(x, y))
    assert len(det.hotspots) == 2
    for (cx, cy) in [(800, 900), (2200, 1900)]:
        target = shapely.Point(cx + X0, cy + Y0)
        assert sum(h.polygon_m.buffer(20).contains(target) for h in det.hotspots) == 1
    for h in det.hotspots:
        assert 25 <= h.count <= 40
        assert h.area_m2 < np.pi * 100**2  # tight, not the whole neighbourhood
        assert h.score > 5 and h.z > 3


def test_even_dense_centre_is_not_a_hot_spot_but_a_spot_inside_it_is():
    rng = np.random.default_rng(2)
    r = 600 * np.sqrt(rng.uniform(0, 1, 4000))
    th = rng.uniform(0, 2 * np.pi, 4000)
    centre = (1500 + r * np.cos(th), 1500 + r * np.sin(th))
    background = uniform(rng, 1500, 3000)
    x, y = stack(centre, background)
    assert detect(points(x, y)).hotspots == []

    xs, ys = stack(centre, background, spot(rng, 1700, 1600, 60))
    det = detect(points(xs, ys))
    assert len(det.hotspots) == 1
    h = det.hotspots[0]
    assert h.polygon_m.buffer(20).contains(shapely.Point(1700 + X0, 1600 + Y0))
    assert h.area_m2 < 40_000  # not the 1.1 km² centre


def test_empty_and_single_point():
    assert detect(points(np.array([]), np.array([]))).hotspots == []
    assert detect(points(np.array([X0]), np.array([Y0]))).hotspots == []
    assert scan(np.array([]), np.array([])).n_clusters == 0


def test_stacked_duplicates_at_one_address_form_a_hot_spot():
    rng = np.random.default_rng(3)
    bx, by = uniform(rng, 500, 2000)
    x = np.concatenate([bx, np.full(20, 1000.0)]) + X0
    y = np.concatenate([by, np.full(20, 1000.0)]) + Y0
    det = detect(points(x, y))
    assert len(det.hotspots) == 1
    assert det.hotspots[0].count >= 20
    assert det.hotspots[0].area_m2 > 0  # one distinct point still gets a buffered polygon


def test_cluster_at_the_eastern_edge_of_sweref():
    # Haparanda, at the edge of SWEREF 99 TM's area of use.
    rng = np.random.default_rng(4)
    lon = np.concatenate([rng.uniform(24.08, 24.20, 800), rng.normal(24.14, 0.0003, 40)])
    lat = np.concatenate([rng.uniform(65.81, 65.87, 800), rng.normal(65.84, 0.00013, 40)])
    det = detect(PointSet.from_lonlat(lon, lat, crs=3006))
    assert len(det.hotspots) == 1
    clon, clat = det.hotspots[0].centroid
    assert clon == pytest.approx(24.14, abs=0.001) and clat == pytest.approx(65.84, abs=0.001)
    assert det.hotspots[0].polygon.is_valid


def test_statistics_use_local_time_and_categories():
    rng = np.random.default_rng(5)
    x, y = stack(uniform(rng, 300, 2000), spot(rng, 1000, 1000, 25))
    n = x.size
    # Every report on Friday 2025-03-07 at 22:30 Stockholm time (21:30 UTC).
    t = np.full(n, np.datetime64("2025-03-07T21:30:00", "s"))
    cat = np.array(["klotter"] * (n - 5) + ["stold"] * 5, dtype=object)
    kind = np.array(["incident"] * n, dtype=object)
    det = detect(points(x, y, t=t, category=cat, kind=kind))
    h = det.hotspots[0]
    assert h.profile["busiest_weekdays"] == ["fri"]
    assert h.profile["busiest_hours"] == [22]
    assert h.by_kind == {"incident": h.count}
    assert sum(h.by_category.values()) == h.count
    assert h.first == h.last


@pytest.mark.parametrize("method", sorted(set(METHODS) - {"scan"}))
def test_alternative_methods_find_the_clusters(method):
    rng = np.random.default_rng(6)
    x, y = stack(uniform(rng, 1500, 3000), spot(rng, 800, 900, 60), spot(rng, 2200, 1900, 60))
    params = {"eps_m": 30, "min_samples": 15} if method == "dbscan" else None
    det = detect(points(x, y), method, params)
    assert det.method == method
    targets = [shapely.Point(800 + X0, 900 + Y0), shapely.Point(2200 + X0, 1900 + Y0)]
    for target in targets:
        assert any(h.polygon_m.buffer(30).contains(target) for h in det.hotspots)


def test_dbscan_defaults_come_from_the_data():
    rng = np.random.default_rng(7)
    sparse_x, sparse_y = uniform(rng, 1000, 5000)
    dense_x, dense_y = uniform(rng, 20000, 2000)
    sparse = dbscan_defaults(sparse_x, sparse_y)
    dense = dbscan_defaults(dense_x, dense_y)
    assert sparse["eps_m"] == dense["eps_m"] == 50.0
    assert sparse["min_samples"] == 5
    assert dense["min_samples"] > 3 * sparse["min_samples"]


def test_unknown_method_and_parameters_are_rejected():
    x, y = np.array([X0]), np.array([Y0])
    with pytest.raises(ValueError, match="unknown method"):
        detect(points(x, y), "magic")
    with pytest.raises(ValueError, match="unknown scan parameter"):
        detect(points(x, y), "default", {"eps_m": 10})
    with pytest.raises(ValueError, match="guard_m"):
        scan(x, y, {"guard_m": 1000})
