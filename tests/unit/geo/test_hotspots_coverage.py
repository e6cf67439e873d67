"""Coverage mode fills the requested share: 25 m cells by a smoothed count (default), by
count, or places by z; the significance point fills the significant places' area."""

import numpy as np
import pytest
import shapely

from geo.evaluation.runs import cluster_polygons
from geo.hotspots import grid
from geo.hotspots.coverage import (
    SCORE,
    SCORE_SMOOTHED,
    SCORE_Z,
    cells_of,
    coverage,
    significance_point,
    smoothed_score,
    study_area_m2,
)
from geo.hotspots.polygons import OUTLINE_CELL_M


def _city(seed: int = 0, n_background: int = 6000):
    """Uniform background on a 4 km square plus three compact spots (metres)."""
    rng = np.random.default_rng(seed)
    bx, by = rng.uniform(0, 4000, n_background), rng.uniform(0, 4000, n_background)
    spots = [(800.0, 900.0), (2500.0, 3100.0), (3300.0, 1200.0)]
    sx = np.concatenate([rng.normal(cx, 15, 60) for cx, _ in spots])
    sy = np.concatenate([rng.normal(cy, 15, 60) for _, cy in spots])
    return np.concatenate([bx, sx]) + 500_000, np.concatenate([by, sy]) + 6_500_000


@pytest.mark.parametrize("rank", ["smoothed", "count", "z"])
@pytest.mark.parametrize("share", [0.01, 0.02, 0.05])
def test_coverage_reaches_the_share_within_one_cell(share, rank):
    x, y = _city()
    cl = coverage(x, y, share, rank=rank)
    p = cl.params
    budget = share * p["study_area_m2"]
    assert p["rank"] == rank
    if rank == "count":
        assert p["score"] == SCORE and "25 m cell" in p["score_text"]
    elif rank == "smoothed":
        assert p["score"] == SCORE_SMOOTHED and "σ 100 m" in p["score_text"]
    else:
        assert p["score"] == SCORE_Z and "Poisson z" in p["score_text"]
    assert budget - OUTLINE_CELL_M**2 <= p["flagged_m2"] <= budget
    # The flagged area is what the outlines of the candidates really cover.
    polys = cl.outlines if cl.outlines is not None else cluster_polygons(x, y, cl.labels)
    assert len(polys) == cl.n_clusters
    union = shapely.union_all(polys)
    assert union.area == pytest.approx(p["flagged_m2"], rel=0.02)
    assert p["places"] >= 3 and p["filled_cells"] > 0


def test_places_come_first_and_the_three_spots_are_flagged():
    x, y = _city(1)
    cl = coverage(x, y, 0.02)
    n_places = cl.params["places"]
    assert n_places >= 3 and cl.n_clusters > n_places
    zs = cl.z[:n_places]
    assert np.all(np.diff(zs) <= 0) and zs[0] > 5
    assert (cl.labels[-180:] >= 0).mean() > 0.9
    # The spots' centres are in places (the fringe may be filled cells).
    for cx, cy in [(800.0, 900.0), (2500.0, 3100.0), (3300.0, 1200.0)]:
        near = np.hypot(x - cx - 500_000, y - cy - 6_500_000) < 12
        assert near.any() and (cl.labels[near] >= 0).all() and (cl.labels[near] < n_places).all()


def test_shares_differ_and_grow_with_the_share():
    x, y = _city(2)
    areas = [coverage(x, y, s).params["flagged_m2"] for s in (0.01, 0.02, 0.05)]
    assert areas[0] < areas[1] < areas[2]


def test_places_only_without_fill_and_share_beyond_the_reports():
    x, y = _city(3, n_background=300)
    places = coverage(x, y, 0.05, fill=False)
    assert places.params["filled_cells"] == 0
    assert places.params["flagged_m2"] < 0.05 * places.params["study_area_m2"]
    # Few reports, count rank: every 25 m cell with a report is flagged and 5 % is not
    # reached; the smoothed rank adds empty cells beside busier ones and reaches it.
    full = coverage(x, y, 0.05, rank="count")
    assert (full.labels >= 0).all()
    assert full.params["flagged_m2"] < 0.04 * study_area_m2(x, y)
    smooth = coverage(x, y, 0.05)
    budget = 0.05 * study_area_m2(x, y)
    assert budget - OUTLINE_CELL_M**2 <= smooth.params["flagged_m2"] <= budget
    assert smooth.params["empty_cells"] > 0 and (smooth.labels >= 0).all()
    assert sum(g.area for g in smooth.outlines) == pytest.approx(smooth.params["flagged_m2"])
    # Every outline holds reports (an empty cell only beside a busier cell with reports).
    counts = np.bincount(smooth.labels[smooth.labels >= 0], minlength=smooth.n_clusters)
    assert (counts > 0).all()
    # Beyond the cells beside reports the share stops where the candidates end.
    most = coverage(x, y, 0.5)
    assert most.params["flagged_m2"] < 0.5 * study_area_m2(x, y)
    assert most.params["flagged_m2"] > smooth.params["flagged_m2"]


def test_coverage_checks_the_share():
    x, y = _city()
    with pytest.raises(ValueError, match="share"):
        coverage(x, y, 0.0)


def test_outlines_of_repeat_cells_only_still_fill_the_share():
    x, y = _city(4)
    one = coverage(x, y, 0.02, rank="z")
    two = coverage(x, y, 0.02, rank="z", min_cell_reports=2)
    budget = 0.02 * two.params["study_area_m2"]
    assert budget - OUTLINE_CELL_M**2 <= two.params["flagged_m2"] <= budget
    assert two.params["places"] == one.params["places"]
    # Places keep fewer members (their single-report cells go to the fill).
    assert (two.labels[two.labels >= 0] < two.params["places"]).sum() < \
        (one.labels[one.labels >= 0] < one.params["places"]).sum()


def _cell_keys(x, y):
    ix, iy = grid.cell_index(x, y, OUTLINE_CELL_M)
    return grid.pack(ix, iy)


def test_count_rank_flags_the_busiest_cells_first():
    x, y = _city(5)
    cl = coverage(x, y, 0.01, rank="count")
    keys, counts = np.unique(_cell_keys(x, y), return_counts=True)
    flagged = np.unique(_cell_keys(x[cl.labels >= 0], y[cl.labels >= 0]))
    inside = grid.lookup(flagged, keys) >= 0
    # No cell left out holds more reports than a flagged one.
    assert counts[~inside].max() <= counts[inside].min()
    assert flagged.size == cl.params["filled_cells"] > 0
    # The three planted spots are places and come first.
    n_places = cl.params["places"]
    assert n_places >= 3 and (cl.labels[-180:] >= 0).mean() > 0.9
    assert (cl.labels[-180:][cl.labels[-180:] >= 0] < n_places).all()


def test_cells_flagged_last_time_win_ties():
    x, y = _city(6, n_background=3000)
    first = coverage(x, y, 0.01, rank="count")
    keys, counts = np.unique(_cell_keys(x, y), return_counts=True)
    chosen = np.unique(_cell_keys(x[first.labels >= 0], y[first.labels >= 0]))
    lowest = counts[grid.lookup(keys, chosen)].min()
    ties = keys[counts == lowest]
    # Prefer the tied cells that were not chosen: they replace the chosen tied ones.
    other = np.setdiff1d(ties, chosen)
    assert other.size > 0
    above = chosen[counts[grid.lookup(keys, chosen)] > lowest]
    again = coverage(x, y, 0.01, rank="count", prefer=np.union1d(above, other))
    moved = np.unique(_cell_keys(x[again.labels >= 0], y[again.labels >= 0]))
    assert again.params["hysteresis"] is True
    assert np.intersect1d(moved, other).size > np.intersect1d(chosen, other).size == 0
    # The same prefer set as last time keeps the flagged cells where they were.
    same = coverage(x, y, 0.01, rank="count", prefer=chosen)
    kept = np.unique(_cell_keys(x[same.labels >= 0], y[same.labels >= 0]))
    assert np.intersect1d(kept, chosen).size >= 0.95 * chosen.size


def test_coverage_checks_the_rank():
    x, y = _city()
    with pytest.raises(ValueError, match="rank"):
        coverage(x, y, 0.01, rank="kde")


def test_smoothed_rank_orders_cells_by_the_stated_score():
    x, y = _city(7)
    cl = coverage(x, y, 0.02)
    keys = np.unique(_cell_keys(x, y))
    score = np.unique(_cell_keys(x, y), return_counts=True)[1] + smoothed_score(x, y, keys)
    flagged = cl.cells
    assert flagged is not None and flagged.size == cl.params["filled_cells"]
    inside = grid.lookup(flagged, keys) >= 0
    # No cell with reports left out scores above a flagged cell with reports.
    assert score[~inside].max() <= score[inside].min() + 1e-9
    # The smoothing is a stated kernel: 0.03 × Σ exp(−d²/2σ²), σ 100 m, own reports at 1.
    one = smoothed_score(np.array([12.5]), np.array([12.5]), grid.pack(np.array([0, 4]),
                                                                       np.array([0, 0])))
    assert one[0] == pytest.approx(0.03, rel=0.02)
    assert one[1] == pytest.approx(0.03 * np.exp(-(100.0**2) / (2 * 100.0**2)), rel=0.05)
    # The busy cells win: the three planted spots are places.
    assert cl.params["places"] >= 3 and (cl.labels[-180:] >= 0).mean() > 0.9


def test_smoothed_rank_keeps_last_times_cells_unless_clearly_outranked():
    x, y = _city(8, n_background=3000)
    first = coverage(x, y, 0.01)
    assert first.params["hysteresis"] is False
    # New data: a little more background. Without memory the flagged cells move more.
    rng = np.random.default_rng(80)
    x2 = np.concatenate([x, rng.uniform(0, 4000, 600) + 500_000])
    y2 = np.concatenate([y, rng.uniform(0, 4000, 600) + 6_500_000])
    fresh = coverage(x2, y2, 0.01)
    kept = coverage(x2, y2, 0.01, prefer=first.cells)
    assert kept.params["hysteresis"] is True

    def jac(a, b):
        return np.intersect1d(a, b).size / np.union1d(a, b).size

    assert jac(first.cells, kept.cells) > jac(first.cells, fresh.cells) + 0.05
    # Clearly outranked cells still go: a cell flagged before but now empty of reports
    # and away from any is dropped.
    far = grid.pack(np.array([10**6]), np.array([10**6]))
    again = coverage(x2, y2, 0.01, prefer=np.union1d(first.cells, far))
    assert np.intersect1d(again.cells, far).size == 0


def test_cells_of_recovers_flagged_cells_from_outlines():
    x, y = _city(9)
    cl = coverage(x, y, 0.02)
    assert np.array_equal(cells_of(cl.outlines), cl.cells)


def test_significance_point_fills_the_significant_area_with_ranked_cells():
    x, y = _city(10)
    cl = significance_point(x, y)
    p = cl.params
    assert p["mode"] == "significance point" and p["significant_places"] >= 3
    assert p["significant_m2"] - OUTLINE_CELL_M**2 <= p["flagged_m2"] <= p["significant_m2"]
    assert p["rank"] == "smoothed" and p["places"] >= 3
    # Uniform noise: nothing significant, nothing flagged.
    rng = np.random.default_rng(11)
    nx, ny = rng.uniform(0, 4000, 3000), rng.uniform(0, 4000, 3000)
    empty = significance_point(nx, ny)
    assert empty.n_clusters == 0 and empty.params["flagged_m2"] == 0.0


@pytest.mark.parametrize("offsets", [(-1, 1, -1, 1), (5, 12, 5, 12), (-12, -5, 5, 12),
                                     (0, 0, 0, 0), (-50, 50, -3, 60), (2, 3, -1, 0)])
def test_rect_sum_is_the_window_sum_with_zeros_outside(offsets):
    rng = np.random.default_rng(12)
    a = rng.poisson(0.7, (23, 31)).astype(float)
    got = grid.rect_sum(grid.integral(a), *offsets)
    dr0, dr1, dc0, dc1 = offsets
    want = np.zeros_like(a)
    for r in range(a.shape[0]):
        for c in range(a.shape[1]):
            want[r, c] = a[max(0, r + dr0): max(0, r + dr1 + 1),
                           max(0, c + dc0): max(0, c + dc1 + 1)].sum()
    assert np.array_equal(got, want)
