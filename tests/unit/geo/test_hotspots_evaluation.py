"""Planted data, recall/precision scoring, PAI and the weekly backtest."""

import numpy as np
import pytest
import shapely

from geo.evaluation import (
    PlantedSpot,
    backtest,
    cluster_polygons,
    evaluate,
    pai,
    pei_star,
    planted,
    recall_precision,
    run_method,
    summarise,
)


def test_planted_data_is_seeded_and_plants_recent_spots():
    a, b = planted("town", 3), planted("town", 3)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.t, b.t)
    assert not np.array_equal(a.x, planted("town", 4).x)
    assert len(a.spots) == 8 and sum(s.recent_only for s in a.spots) == 2
    recent = next(s for s in a.spots if s.recent_only)
    near = np.hypot(a.x - recent.x, a.y - recent.y) < 2 * recent.sigma_m
    assert (a.t[near] >= a.end - np.timedelta64(14, "D")).mean() > 0.7
    with pytest.raises(ValueError, match="unknown scale"):
        planted("village")


def test_recall_precision_rejects_polygons_swallowing_a_centre():
    spots = [PlantedSpot(0, 0, 20, 30, False), PlantedSpot(1000, 0, 20, 30, False)]
    tight = shapely.Point(0, 0).buffer(40)
    whole_centre = shapely.Point(1000, 0).buffer(600)
    stray = shapely.Point(5000, 0).buffer(40)
    r, p, found, det = recall_precision([tight, whole_centre, stray], spots)
    assert (found, det) == (1, 3)
    assert r == 0.5 and p == pytest.approx(1 / 3)
    assert recall_precision([], spots)[:2] == (0.0, pytest.approx(float("nan"), nan_ok=True))


def test_pai_and_pei_star():
    assert pai(10, 100, 1, 100) == pytest.approx(10.0)
    assert np.isnan(pai(0, 0, 1, 100))
    assert pei_star(6, np.array([5.0, 3.0, 1.0]), 2) == pytest.approx(6 / 8)


def test_default_method_scores_on_the_town_without_parameters():
    rows = evaluate(["town"], [0], ["default", "plain-dbscan"])
    s = {row["method"]: row for row in summarise(rows)}
    assert s["default"]["recall"] >= 0.9 and s["default"]["precision"] >= 0.9
    assert s["plain-dbscan"]["detected"] > 0


def test_cluster_polygons_one_per_label():
    x = np.array([0.0, 1.0, 2.0, 100.0, 101.0])
    y = np.full(5, 3.0)
    polys = cluster_polygons(x, y, np.array([0, 0, 0, 1, -1]))
    assert len(polys) == 2 and polys[0].contains(shapely.Point(1, 3))
    # The default outline is the 25 m cells holding the reports; the hull is still there.
    assert polys[0].area == pytest.approx(625.0) and polys[1].area == pytest.approx(625.0)
    hull = cluster_polygons(x, y, np.array([0, 0, 0, 1, -1]), style="hull")
    assert hull[0].contains(shapely.Point(1, 3)) and hull[0].area < 625.0


def test_backtest_on_a_stable_synthetic_city():
    rng = np.random.default_rng(8)
    weeks = 20
    n_bg, n_spot = 6000, 1200
    x = np.concatenate([rng.uniform(0, 5000, n_bg), rng.normal(2500, 15, n_spot)])
    y = np.concatenate([rng.uniform(0, 5000, n_bg), rng.normal(2500, 15, n_spot)])
    span = weeks * 7 * 86400
    t = (np.datetime64("2024-01-01T00:00:00") + rng.uniform(0, span, x.size)
         .astype("timedelta64[s]"))
    per_method, baselines = backtest(x, y, t, ["default"], train_weeks=8, test_weeks=4,
                                     cell_m=150)
    (m,) = per_method
    assert m["weeks"] == 4 and 0 < m["area_share"] < 0.01
    assert m["hit_rate"] > 0.1 and m["pai"] > 10
    assert [round(b["share"], 3) for b in baselines] == [0.01, 0.05]
    with pytest.raises(ValueError, match="too short"):
        backtest(x, y, t, ["default"], train_weeks=30, test_weeks=4)


def test_plain_dbscan_is_the_fixed_sklearn_call():
    x = np.concatenate([np.zeros(12), np.arange(5) * 1000.0])
    cl = run_method("plain-dbscan", x, np.zeros(x.size))
    assert cl.params == {"eps_m": 50.0, "min_samples": 10}
    assert cl.n_clusters == 1


def test_planted_data_in_another_crs_keeps_its_truth_and_scores():
    from geo.evaluation import place_in_crs

    local = planted("town", 0)
    moved = place_in_crs(local, 26916)  # UTM 16N, the Chicago CRS
    assert moved.x.mean() > 100_000 and moved.extra["crs"] == 26916
    dx = moved.spots[0].x - local.spots[0].x
    # the WGS84 round trip moves nothing by more than a millimetre
    assert np.allclose(moved.x - dx, local.x, atol=1e-3)
    rows = evaluate(["town"], [0], ["default"], crs="EPSG:26916")
    s = summarise(rows)[0]
    assert s["recall"] >= 0.9 and s["precision"] >= 0.9
    with pytest.raises(ValueError, match="not a projected CRS"):
        place_in_crs(local, 4326)
