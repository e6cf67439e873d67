"""Coverage mode: flag the strongest candidate places up to a chosen share of the study area.

Patrol planning and EST work at 1–5 % of the area. Candidates are the scan's windows at a
relaxed cut (``alpha`` 0.5, ≥ 3 reports, ≥ 1.5 × the background); they are ranked by their
Poisson z-score against the local background (the stated score) and kept, strongest first,
while the area of their outlines (the scan's 25 m cells holding their reports, closed for
display, see :func:`geo.hotspots.polygons.cell_outline`) stays within ``share`` of the study
area (the 150 m cells holding any report of the window). Metres throughout.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geo.hotspots import grid
from geo.hotspots.clusters import Clusters, empty_clusters
from geo.hotspots.polygons import OUTLINE_CELL_M, outline
from geo.hotspots.scan import scan

STUDY_CELL_M = 150.0
CANDIDATE_PARAMS = {"alpha": 0.5, "min_count": 3, "min_ratio": 1.5}


def study_area_m2(x: np.ndarray, y: np.ndarray, cell_m: float = STUDY_CELL_M) -> float:
    """Return the area of the ``cell_m`` cells holding any of the points, m²."""
    if x.size == 0:
        return 0.0
    ix, iy = grid.cell_index(x, y, cell_m)
    return float(np.unique(grid.pack(ix, iy)).size) * cell_m**2


def coverage(x: np.ndarray, y: np.ndarray, share: float, params: dict | None = None, *,
             area_m2: float | None = None) -> Clusters:
    """Return the strongest scan candidates covering at most ``share`` of the study area.

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

    Returns
    -------
    Clusters
        ``params`` holds ``mode`` "coverage", ``share``, ``study_area_m2`` and
        ``flagged_m2``.
    """
    if not 0 < share <= 0.5:
        raise ValueError("coverage share must be above 0 and at most 0.5")
    p = {**CANDIDATE_PARAMS, **(params or {})}
    cl = scan(x, y, p)
    total = study_area_m2(x, y) if area_m2 is None else float(area_m2)
    used = {**cl.params, "mode": "coverage", "share": share, "study_area_m2": total,
            "score": "poisson_z"}
    if cl.n_clusters == 0:
        return empty_clusters(x.size, {**used, "flagged_m2": 0.0})
    order = np.lexsort((np.arange(cl.n_clusters), -cl.z))
    groups = _members(cl.labels, cl.n_clusters)
    budget = share * total
    smallest = OUTLINE_CELL_M**2
    keep: list[int] = []
    flagged = 0.0
    for i in order:
        if budget - flagged < smallest:
            break
        # The flagged area is the outline's area (the product's compact cell outline).
        a = float(outline(x[groups[i]], y[groups[i]]).area)
        if flagged + a > budget:
            continue
        keep.append(int(i))
        flagged += a
    lab = cl.labels
    remap = np.full(cl.n_clusters + 1, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    labels = np.where(lab >= 0, remap[np.where(lab >= 0, lab, cl.n_clusters)], -1)
    return Clusters(labels=labels, expected=cl.expected[keep], z=cl.z[keep],
                    params={**used, "flagged_m2": flagged})


def _members(labels: np.ndarray, n: int) -> list[np.ndarray]:
    """Return the point indices of each label 0..n-1."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def coverage_flagger(share: float, params: dict | None = None) -> Callable:
    """Return ``flagger(points) -> Clusters`` for :func:`geo.hotspots.emerging.emerging`."""
    return lambda points: coverage(points.x, points.y, share, params)
