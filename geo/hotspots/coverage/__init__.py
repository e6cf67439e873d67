"""Coverage mode: flag the best-ranked 25 m cells up to a chosen share of the study area.

Patrol planning and EST work at 1–5 % of the area. The stated score (``rank="smoothed"``, the
default) of each 25 m cell is its reports + 0.03 × the reports around it weighted
exp(−d²/2σ²), σ 100 m (:func:`geo.hotspots.coverage.cells.smoothed_score`), + 1 for a cell
flagged last time (hysteresis, ``prefer``). Empty cells take part beside a higher-scoring
cell with reports, so every outline holds reports and shares beyond the cells with reports
can be reached. Cells are taken in score order until the share is reached (to within one
25 m cell); touching cells become one compact outline each (drawn from the cells), and an
outline holding a report of a scan place at a relaxed cut (α 0.5, ≥ 3 reports, ≥ 1.5 ×
background) is a *place*, listed first by its Poisson z against the scan's background.
Kept for comparison: ``rank="count"`` (own count; stops at the cells with a report) and
``rank="z"`` (places by z, then cells by z). :func:`significance_point` fills the area the
scan's significant places cover with the same rank. The study area is the 150 m cells
holding any report of the window. Metres throughout.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geo.hotspots import grid
from geo.hotspots.clusters import Clusters, empty_clusters, poisson_z
from geo.hotspots.coverage.cells import (
    HYSTERESIS,
    SMOOTH_SIGMA_M,
    SMOOTH_WEIGHT,
    _candidates,
    _memo,
    _take,
    cells_of,
    smoothed_score,
)
from geo.hotspots.polygons import OUTLINE_CELL_M, outline
from geo.hotspots.scan import cell_backgrounds, scan

__all__ = ["CANDIDATE_PARAMS", "HYSTERESIS", "RANKS", "SCORE", "SCORE_SMOOTHED", "SCORE_Z",
           "SMOOTH_SIGMA_M", "SMOOTH_WEIGHT", "cells_of", "coverage", "coverage_flagger",
           "significance_point", "smoothed_score", "study_area_m2"]

STUDY_CELL_M = 150.0
CANDIDATE_PARAMS = {"alpha": 0.5, "min_count": 3, "min_ratio": 1.5}
SCORE = "cell_count"
SCORE_TEXT = ("reports in each 25 m cell of the window (ties: cells flagged last time, then "
              "reports in the 75 m window); touching cells joined into outlines, an outline "
              "holding a scan place (relaxed cut) is a place")
RANKS = ("smoothed", "count", "z")
SCORE_SMOOTHED = "smoothed_cell_count"
SCORE_SMOOTHED_TEXT = (
    "reports in each 25 m cell of the window + 0.03 × the reports around it weighted "
    "exp(−d²/2σ²), σ 100 m, + 1 for a cell flagged last time (hysteresis); an empty cell "
    "counts only beside a busier cell with reports; touching cells joined into outlines, "
    "an outline holding a scan place (relaxed cut) is a place")
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
             min_cell_reports: int = 1, rank: str = "smoothed",
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
    rank : {"smoothed", "count", "z"}, default "smoothed"
        ``"smoothed"``: 25 m cells ranked by :func:`smoothed_score` (own reports + 0.03 ×
        the Gaussian-weighted reports around, σ 100 m, + 1 for a cell in ``prefer``), empty
        cells beside busier ones included, so any share up to 0.5 is reachable.
        ``"count"``: cells with reports by their own count (ties: ``prefer``, then the 75 m
        window; the rule before, stops at the cells holding a report). Either way cells
        are taken until the share is reached; touching cells become one outline each, and
        an outline holding a scan place's report is a place. ``"z"``: places by z first,
        then the fill by z (the earliest rule, kept for comparison).
    prefer : numpy.ndarray, optional
        Keys of 25 m cells flagged last time (:func:`geo.hotspots.grid.pack`): hysteresis,
        they stay unless outranked by more than one report's worth of score (``"count"``:
        on equal counts only).

    Returns
    -------
    Clusters
        Places first (by z), then the filled cell groups. ``params`` holds ``mode``
        "coverage", ``share``, ``score``, ``score_text``, ``study_area_m2``, ``flagged_m2``,
        ``places`` (how many candidates are scan places) and ``filled_cells``.
    """
    if not 0 < share <= 0.5:
        raise ValueError("coverage share must be above 0 and at most 0.5")
    if rank not in RANKS:
        raise ValueError(f"coverage rank must be one of {', '.join(RANKS)}")
    p = {**CANDIDATE_PARAMS, **(params or {})}
    cl = _memo(scan, x, y, p)
    if rank != "z" and fill:
        return _by_count(x, y, share, p, cl, area_m2, prefer, smoothed=rank == "smoothed")
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
    chosen, comp, area, n, _ = _take(keys[order], room, c)
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


def _by_count(x: np.ndarray, y: np.ndarray, share: float, p: dict, cl: Clusters,
              area_m2: float | None, prefer: np.ndarray | None, *,
              smoothed: bool = True) -> Clusters:
    """Flag the best-ranked 25 m cells up to the share (``rank="smoothed"`` or ``"count"``)."""
    total = study_area_m2(x, y) if area_m2 is None else float(area_m2)
    used = {**cl.params, "mode": "coverage", "share": share, "study_area_m2": total,
            "hysteresis": prefer is not None,
            **({"score": SCORE_SMOOTHED, "score_text": SCORE_SMOOTHED_TEXT, "rank": "smoothed",
                "smooth_sigma_m": SMOOTH_SIGMA_M, "smooth_weight": SMOOTH_WEIGHT,
                "hysteresis_bonus": HYSTERESIS} if smoothed else
               {"score": SCORE, "score_text": SCORE_TEXT, "rank": "count"})}
    c = float(p.get("cell_m", OUTLINE_CELL_M))
    keys, own, _win, rate, order = _candidates(x, y, p, prefer, smoothed)
    chosen, comp, area, n, outlines = _take(keys[order], share * total, c)
    if n <= 0:
        return empty_clusters(x.size, {**used, "flagged_m2": 0.0, "places": 0,
                                       "filled_cells": 0, "empty_cells": 0})
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
                            "filled_cells": int(n), "empty_cells": int((own[sel] == 0).sum())},
                    outlines=[outlines[i] for i in rank_c], cells=chosen)


def significance_point(x: np.ndarray, y: np.ndarray, params: dict | None = None, *,
                       area_m2: float | None = None,
                       prefer: np.ndarray | None = None) -> Clusters:
    """Flag the area the significant places cover, cells ranked like coverage mode.

    The scan (default parameters) decides *how much* of the area holds significant
    concentrations: the summed area of its places' compact outlines. That share is then
    filled by :func:`coverage` (smoothed cell rank, hysteresis through ``prefer``): the
    significant outlines spend about a third of their area on cells holding one report,
    the ranked cells spend it where the reports are (Chicago 2018: PAI 41.9 vs 55.7 at the
    same area). ``params`` holds ``mode`` "significance point", ``significant_m2`` and
    ``significant_places``; no significant place flags nothing.
    """
    from geo.evaluation.runs import cluster_polygons

    sig = _memo(scan, x, y, params)
    total = study_area_m2(x, y) if area_m2 is None else float(area_m2)
    polys = cluster_polygons(x, y, sig.labels)
    sig_m2 = float(sum(pg.area for pg in polys))
    info = {"significant_m2": sig_m2, "significant_places": len(polys)}
    if sig_m2 <= 0 or total <= 0:
        return empty_clusters(x.size, {**sig.params, **info, "mode": "significance point",
                                       "study_area_m2": total, "flagged_m2": 0.0})
    cl = coverage(x, y, min(0.5, sig_m2 / total), params, area_m2=total, prefer=prefer)
    cl.params.update(info, mode="significance point")
    return cl


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


def _members(labels: np.ndarray, n: int) -> list[np.ndarray]:
    """Return the point indices of each label 0..n-1."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def coverage_flagger(share: float, params: dict | None = None,
                     prefer: np.ndarray | None = None) -> Callable:
    """Return ``flagger(points) -> Clusters`` for :func:`geo.hotspots.emerging.emerging`.

    ``prefer``: keys of the 25 m cells the previous run flagged (hysteresis).
    """
    return lambda points: coverage(points.x, points.y, share, params, prefer=prefer)
