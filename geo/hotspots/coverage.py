"""Coverage mode: flag the strongest candidates up to a chosen share of the study area.

Patrol planning and EST work at 1–5 % of the area. The stated score is a **Poisson z-score
against the scan's local background** (the densest quadrant of a 300 m box, 100 m guard
square left out, see :mod:`geo.hotspots.scan`). Candidates, in this order:

1. **places**: the scan's windows at a relaxed cut (``alpha`` 0.5, ≥ 3 reports, ≥ 1.5 × the
   background), grouped into places, ranked by the z of their count; each flags its outline
   (the 25 m cells holding its reports, closed for display, see
   :func:`geo.hotspots.polygons.cell_outline`) when it fits in what is left of the share;
2. **25 m cells with reports** outside the kept places, ranked by the z of the cell's own
   count against the same background (ties: more reports in its 75 m window, then more in
   the cell, then cell order).

Cells are taken until the share is reached (to within one 25 m cell) and the chosen cells
that touch (8-connectivity) become one compact candidate outline each. Cells without a report
are never flagged, so a share larger than all cells with a report (e.g. 5 % of a city whose
reports are geocoded to blocks) is filled as far as they go; ``flagged_m2`` says how far.
The study area is the 150 m cells holding any report of the window. Metres throughout.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geo.hotspots import grid
from geo.hotspots.clusters import Clusters, empty_clusters, poisson_z
from geo.hotspots.polygons import OUTLINE_CELL_M, outline
from geo.hotspots.scan import cell_backgrounds, scan

STUDY_CELL_M = 150.0
CANDIDATE_PARAMS = {"alpha": 0.5, "min_count": 3, "min_ratio": 1.5}
SCORE = "cell_count"
SCORE_TEXT = ("reports in each 25 m cell of the window (ties: cells flagged last time, then "
              "reports in the 75 m window); touching cells joined into outlines, an outline "
              "holding a scan place (relaxed cut) is a place")
SCORE_Z = "poisson_z"
SCORE_Z_TEXT = ("Poisson z against the scan's local background: places (relaxed scan cut) by "
                "their count, then 25 m cells with reports by their own count")


def study_area_m2(x: np.ndarray, y: np.ndarray, cell_m: float = STUDY_CELL_M) -> float:
    """Return the area of the ``cell_m`` cells holding any of the points, m²."""
    if x.size == 0:
        return 0.0
    ix, iy = grid.cell_index(x, y, cell_m)
    return float(np.unique(grid.pack(ix, iy)).size) * cell_m**2


def coverage(x: np.ndarray, y: np.ndarray, share: float, params: dict | None = None, *,
             area_m2: float | None = None, fill: bool = True,
             min_cell_reports: int = 1, rank: str = "count",
             prefer: np.ndarray | None = None) -> Clusters:
    """Return the strongest candidates covering up to ``share`` of the study area.

    Parameters
    ----------
    x, y : numpy.ndarray
        Reports, metres in a projected CRS.
    share : float
        Largest share of the study area to flag (0 < share ≤ 0.5), e.g. 0.02.
    params : dict, optional
        Scan parameters; the candidate defaults above fill in what is missing.
    area_m2 : float, optional
        The study area; default :func:`study_area_m2` of the points.
    fill : bool, default True
        Continue with 25 m cells with reports (tier 2 above) after the places until the
        share is reached; False flags places only.
    min_cell_reports : int, default 1
        A place's outline keeps only its 25 m cells with at least this many of its reports
        (all of them when none has); the others are left to the fill. Only with
        ``rank="z"``.
    rank : {"count", "z"}, default "count"
        ``"count"``: 25 m cells with reports ranked by their own count (ties: cells in
        ``prefer``, then more reports in the 75 m window, then cell order), taken until the
        share is reached; touching cells become one outline each, and an outline holding a
        scan place's report is a place. ``"z"``: places by z first, then the fill by z (the
        earlier rule, kept for comparison).
    prefer : numpy.ndarray, optional
        Keys of 25 m cells flagged last time (:func:`geo.hotspots.grid.pack`): on equal
        counts they go first, so the flagged area moves only when the counts say so.

    Returns
    -------
    Clusters
        Places first (by z), then the filled cell groups. ``params`` holds ``mode``
        "coverage", ``share``, ``score``, ``score_text``, ``study_area_m2``, ``flagged_m2``,
        ``places`` (how many candidates are scan places) and ``filled_cells``.
    """
    if not 0 < share <= 0.5:
        raise ValueError("coverage share must be above 0 and at most 0.5")
    if rank not in ("count", "z"):
        raise ValueError("coverage rank must be 'count' or 'z'")
    p = {**CANDIDATE_PARAMS, **(params or {})}
    cl = scan(x, y, p)
    if rank == "count" and fill:
        return _by_count(x, y, share, p, cl, area_m2, prefer)
    if min_cell_reports > 1 and cl.n_clusters:
        cl = Clusters(_repeat_cells(x, y, cl.labels, min_cell_reports, p), cl.expected, cl.z,
                      cl.params)
    total = study_area_m2(x, y) if area_m2 is None else float(area_m2)
    used = {**cl.params, "mode": "coverage", "share": share, "study_area_m2": total,
            "score": SCORE_Z, "score_text": SCORE_Z_TEXT, "rank": "z"}
    budget = share * total
    smallest = OUTLINE_CELL_M**2
    keep: list[int] = []
    flagged = 0.0
    groups = _members(cl.labels, cl.n_clusters)
    for i in np.lexsort((np.arange(cl.n_clusters), -cl.z)):
        if budget - flagged < smallest:
            break
        # The flagged area is the outline's area (the product's compact cell outline).
        a = float(outline(x[groups[i]], y[groups[i]]).area)
        if flagged + a > budget:
            continue
        keep.append(int(i))
        flagged += a
    remap = np.full(cl.n_clusters + 1, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    lab = cl.labels
    labels = np.where(lab >= 0, remap[np.where(lab >= 0, lab, cl.n_clusters)], -1)
    expected, z = cl.expected[keep], cl.z[keep]
    n_filled = 0
    if fill and budget - flagged >= smallest and x.size:
        labels, expected, z, a, n_filled = _fill(x, y, p, labels, expected, z,
                                                 budget - flagged)
        flagged += a
    if expected.size == 0:
        return empty_clusters(x.size, {**used, "flagged_m2": 0.0, "places": 0,
                                       "filled_cells": 0})
    return Clusters(labels=labels, expected=expected, z=z,
                    params={**used, "flagged_m2": flagged, "places": len(keep),
                            "filled_cells": n_filled})


def _fill(x: np.ndarray, y: np.ndarray, p: dict, labels: np.ndarray, expected: np.ndarray,
          z: np.ndarray, room: float):
    """Add the best-scoring 25 m cells outside the kept places until ``room`` m² is used."""
    c = float(p.get("cell_m", OUTLINE_CELL_M))
    keys, own, win, rate = cell_backgrounds(x, y, p)
    ix, iy = grid.cell_index(x, y, c)
    pkeys = grid.pack(ix, iy)
    taken = np.unique(pkeys[labels >= 0])
    free = grid.lookup(taken, keys) < 0
    keys, own, win, rate = keys[free], own[free], win[free], rate[free]
    occupied = own > 0
    keys, own, win, rate = keys[occupied], own[occupied], win[occupied], rate[occupied]
    zc = poisson_z(own, rate)
    order = np.lexsort((keys, -own, -win, -zc))
    base = int(expected.size)
    chosen, comp, area, n = _take(keys[order], room, c)
    if n <= 0:
        return labels, expected, z, 0.0, 0
    pos = grid.lookup(chosen, pkeys)
    labels = labels.copy()
    hit = pos >= 0
    labels[hit] = base + comp[pos[hit]]
    ncomp = int(comp.max()) + 1
    sel = grid.lookup(keys, chosen)
    exp_c = np.bincount(comp, weights=rate[sel], minlength=ncomp)
    cnt_c = np.bincount(comp, weights=own[sel], minlength=ncomp)
    return (labels, np.concatenate([expected, exp_c]),
            np.concatenate([z, poisson_z(cnt_c, exp_c)]), area, n)


def _take(ranked: np.ndarray, room: float, c: float
          ) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Take the first ``n`` of the ranked cell keys whose closed outlines fit in ``room`` m².

    Returns the chosen keys (sorted), their 8-connected component, the outlines' area and n.
    """
    def fit(k: int) -> tuple[np.ndarray, np.ndarray, float]:
        keys = np.sort(ranked[:k])
        comp = grid.components(keys)
        return keys, comp, _cells_area(keys, comp, c)

    n = int(min(ranked.size, room // (c * c)))
    best = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0.0)
    too_many = n + 1
    while n > 0:
        got = fit(n)
        if got[2] <= room:
            best = got
            break
        too_many = n
        # The closing joins cells touching at a corner with a little extra area.
        n -= max(1, int(np.ceil((got[2] - room) / (c * c))))
    n = max(n, 0)
    # The step down may overshoot: bisect between the last fit and the first misfit.
    while n > 0 and too_many - n > 1 and room - best[2] >= c * c:
        mid = (n + too_many) // 2
        got = fit(mid)
        if got[2] <= room:
            n, best = mid, got
        else:
            too_many = mid
    return best[0], best[1], best[2], n


def _by_count(x: np.ndarray, y: np.ndarray, share: float, p: dict, cl: Clusters,
              area_m2: float | None, prefer: np.ndarray | None) -> Clusters:
    """Flag the 25 m cells with most reports up to the share (``rank="count"``)."""
    total = study_area_m2(x, y) if area_m2 is None else float(area_m2)
    used = {**cl.params, "mode": "coverage", "share": share, "study_area_m2": total,
            "score": SCORE, "score_text": SCORE_TEXT, "rank": "count",
            "hysteresis": prefer is not None}
    c = float(p.get("cell_m", OUTLINE_CELL_M))
    keys, own, win, rate = cell_backgrounds(x, y, p)
    occupied = own > 0
    keys, own, win, rate = keys[occupied], own[occupied], win[occupied], rate[occupied]
    before = np.zeros(keys.size, dtype=bool)
    if prefer is not None and len(prefer):
        before = grid.lookup(np.unique(np.asarray(prefer, dtype=np.int64)), keys) >= 0
    order = np.lexsort((keys, -win, ~before, -own))
    chosen, comp, area, n = _take(keys[order], share * total, c)
    if n <= 0:
        return empty_clusters(x.size, {**used, "flagged_m2": 0.0, "places": 0,
                                       "filled_cells": 0})
    ix, iy = grid.cell_index(x, y, c)
    pos = grid.lookup(chosen, grid.pack(ix, iy))
    lab = np.where(pos >= 0, comp[np.maximum(pos, 0)], -1)
    ncomp = int(comp.max()) + 1
    sel = grid.lookup(keys, chosen)
    exp_c = np.bincount(comp, weights=rate[sel], minlength=ncomp)
    cnt_c = np.bincount(comp, weights=own[sel], minlength=ncomp)
    z = poisson_z(cnt_c, exp_c)
    is_place = np.zeros(ncomp, dtype=bool)
    is_place[lab[(lab >= 0) & (cl.labels >= 0)]] = True
    rank_c = np.lexsort((np.arange(ncomp), -z, ~is_place))
    new = np.empty(ncomp, dtype=np.int64)
    new[rank_c] = np.arange(ncomp)
    labels = np.where(lab >= 0, new[np.maximum(lab, 0)], -1)
    n_places = int(is_place.sum())
    return Clusters(labels=labels, expected=exp_c[rank_c], z=z[rank_c],
                    params={**used, "flagged_m2": area, "places": n_places,
                            "filled_cells": int(n)})


def _repeat_cells(x: np.ndarray, y: np.ndarray, labels: np.ndarray, k: int, p: dict
                  ) -> np.ndarray:
    """Unlabel members in cells holding fewer than ``k`` of their place's reports."""
    c = float(p.get("cell_m", OUTLINE_CELL_M))
    ix, iy = grid.cell_index(x, y, c)
    pairs = np.column_stack([labels.astype(np.int64), grid.pack(ix, iy)])
    _, inv, cnt = np.unique(pairs, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    weak = (labels >= 0) & (cnt[inv] < k)
    n = int(labels.max()) + 1
    strong = np.bincount(labels[(labels >= 0) & ~weak], minlength=n)
    return np.where(weak & (strong[np.maximum(labels, 0)] > 0), -1, labels)


def _cells_area(keys: np.ndarray, comp: np.ndarray, cell_m: float) -> float:
    """Return the summed area of each component's closed cell outline, m²."""
    cx, cy = grid.unpack(keys)
    order = np.argsort(comp, kind="stable")
    bounds = np.searchsorted(comp[order], np.arange(int(comp.max()) + 2))
    total = 0.0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[a:b]
        total += float(outline((cx[idx] + 0.5) * cell_m, (cy[idx] + 0.5) * cell_m,
                               cell_m=cell_m).area)
    return total


def _members(labels: np.ndarray, n: int) -> list[np.ndarray]:
    """Return the point indices of each label 0..n-1."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def coverage_flagger(share: float, params: dict | None = None) -> Callable:
    """Return ``flagger(points) -> Clusters`` for :func:`geo.hotspots.emerging.emerging`."""
    return lambda points: coverage(points.x, points.y, share, params)
