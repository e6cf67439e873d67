"""Alternative detectors kept selectable beside the default scan: DBSCAN, HDBSCAN, KDE, Gi*.

Every function takes point coordinates in metres (projected CRS) and returns
:class:`~geo.hotspots.clusters.Clusters`.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import ndimage, stats

from geo.hotspots import grid
from geo.hotspots.clusters import Clusters, empty_clusters, poisson_z, relabel_by_size

DBSCAN_EPS_M = 50.0
HDBSCAN_MAX_POINTS = 200_000


def _check_keys(params: dict | None, allowed: set[str], method: str) -> dict:
    p = {k: v for k, v in (params or {}).items() if v is not None}
    unknown = set(p) - allowed
    if unknown:
        raise ValueError(f"unknown {method} parameter(s): {', '.join(sorted(unknown))}")
    return p


def _background_rate(x: np.ndarray, y: np.ndarray, cell_m: float = 250.0) -> np.ndarray:
    """Return, per point, the report density (per m²) of its ``cell_m`` grid cell."""
    ix, iy = grid.cell_index(x, y, cell_m)
    keys = grid.pack(ix, iy)
    _, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inv] / cell_m**2


def dbscan_defaults(x: np.ndarray, y: np.ndarray, eps_m: float | None = None) -> dict:
    """Derive DBSCAN parameters from the data's own density.

    ``eps_m`` defaults to 50 m (the scale of a station entrance or a square).
    ``min_samples`` is twice the reports expected within ``eps_m`` at the 90th percentile
    of the point-weighted density on a 250 m grid, and at least 5, so only places clearly
    denser than the densest common surroundings form clusters.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres.
    eps_m : float, optional
        Neighbourhood radius in metres.

    Returns
    -------
    dict
        ``{"eps_m": float, "min_samples": int}``
    """
    eps = float(eps_m or DBSCAN_EPS_M)
    if x.size == 0:
        return {"eps_m": eps, "min_samples": 5}
    dens = np.percentile(_background_rate(x, y), 90)
    return {"eps_m": eps, "min_samples": int(max(5, np.ceil(2 * dens * np.pi * eps**2)))}


def dbscan(x: np.ndarray, y: np.ndarray, params: dict | None = None) -> Clusters:
    """Cluster with scikit-learn DBSCAN in metres.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres.
    params : dict, optional
        ``eps_m`` (radius in metres) and ``min_samples``; missing values are derived by
        :func:`dbscan_defaults`.

    Returns
    -------
    Clusters
        Expected counts from the 250 m grid density around each cluster.
    """
    from sklearn.cluster import DBSCAN

    p = _check_keys(params, {"eps_m", "min_samples"}, "dbscan")
    derived = dbscan_defaults(x, y, p.get("eps_m"))
    p = {**derived, **p}
    if p["eps_m"] <= 0 or int(p["min_samples"]) < 1:
        raise ValueError("dbscan needs eps_m > 0 and min_samples >= 1")
    p["min_samples"] = int(p["min_samples"])
    if x.size == 0:
        return empty_clusters(0, p)
    xy = np.column_stack([x, y])
    labels = DBSCAN(eps=p["eps_m"], min_samples=p["min_samples"]).fit_predict(xy)
    return _finish(x, y, labels.astype(np.int64), p)


def hdbscan(x: np.ndarray, y: np.ndarray, params: dict | None = None) -> Clusters:
    """Cluster with scikit-learn HDBSCAN in metres.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres.
    params : dict, optional
        ``min_cluster_size`` (default: max(10, n / 2000)) and ``min_samples`` (default 10).

    Returns
    -------
    Clusters

    Raises
    ------
    ValueError
        Above 200 000 points (HDBSCAN's memory and time grow too fast there).
    """
    from sklearn.cluster import HDBSCAN

    p = _check_keys(params, {"min_cluster_size", "min_samples"}, "hdbscan")
    n = x.size
    p.setdefault("min_cluster_size", int(max(10, n // 2000)))
    p.setdefault("min_samples", 10)
    if n > HDBSCAN_MAX_POINTS:
        raise ValueError(
            f"hdbscan is limited to {HDBSCAN_MAX_POINTS:,} points ({n:,} given); "
            "use the default method"
        )
    if n < max(2, int(p["min_cluster_size"])):
        return empty_clusters(n, p)
    xy = np.column_stack([x, y])
    labels = HDBSCAN(
        min_cluster_size=int(p["min_cluster_size"]), min_samples=int(p["min_samples"]),
        copy=True,
    ).fit_predict(xy)
    return _finish(x, y, labels.astype(np.int64), p)


def _finish(x: np.ndarray, y: np.ndarray, labels: np.ndarray, p: dict) -> Clusters:
    """Score point clusters against the 250 m grid density around them."""
    if labels.size == 0 or labels.max() < 0:
        return empty_clusters(labels.size, p)
    ncl = int(labels.max()) + 1
    sel = labels >= 0
    cx = ndimage.mean(x[sel], labels[sel], np.arange(ncl))
    cy = ndimage.mean(y[sel], labels[sel], np.arange(ncl))
    # Expected reports: the 1 km surroundings' density over the cluster's bounding area.
    rate = _background_rate(x, y, 1000.0)
    mean_rate = ndimage.mean(rate[sel], labels[sel], np.arange(ncl))
    span_x = ndimage.maximum(x[sel], labels[sel], np.arange(ncl)) - ndimage.minimum(
        x[sel], labels[sel], np.arange(ncl))
    span_y = ndimage.maximum(y[sel], labels[sel], np.arange(ncl)) - ndimage.minimum(
        y[sel], labels[sel], np.arange(ncl))
    area = np.maximum((np.asarray(span_x) + 20) * (np.asarray(span_y) + 20), 400.0)
    expected = np.asarray(mean_rate) * area
    ckeys = grid.pack(*grid.cell_index(np.asarray(cx), np.asarray(cy), 1.0))
    labels, expected = relabel_by_size(labels, expected, keys=ckeys)
    z = poisson_z(np.bincount(labels[labels >= 0], minlength=ncl), expected)
    return Clusters(labels=labels, expected=expected, z=z, params=p)


KDE_DEFAULTS = {"cell_m": 25.0, "fine_m": 30.0, "coarse_m": 400.0, "min_ratio": 2.0,
                "min_count": 8}


def kde(x: np.ndarray, y: np.ndarray, params: dict | None = None) -> Clusters:
    """Flag cells where a fine kernel density clearly exceeds a coarse one.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres.
    params : dict, optional
        ``cell_m`` (grid, m), ``fine_m`` and ``coarse_m`` (Gaussian bandwidths, m),
        ``min_ratio`` (fine ÷ coarse density) and ``min_count`` (reports under the fine
        kernel, i.e. density × 2π fine_m²).

    Returns
    -------
    Clusters
    """
    p = {**KDE_DEFAULTS, **_check_keys(params, set(KDE_DEFAULTS), "kde")}
    n = x.size
    if n == 0:
        return empty_clusters(0, p)
    c = p["cell_m"]
    sf, sc = p["fine_m"] / c, p["coarse_m"] / c
    pad = int(np.ceil(4 * sc)) + 1
    ix, iy = grid.cell_index(x, y, c)
    hot_keys, hot_rate = [], []
    for tile in grid.tiles_for(ix, iy, pad=pad):
        fine = ndimage.gaussian_filter(tile.counts, sf, mode="constant")
        coarse = ndimage.gaussian_filter(tile.counts, sc, mode="constant")
        kernel_cells = 2 * np.pi * sf**2
        hot = (fine >= p["min_ratio"] * coarse) & (fine * kernel_cells >= p["min_count"])
        core = np.zeros(hot.shape, dtype=bool)
        core[tile.core] = True
        rows, cols = np.nonzero(hot & core & (tile.counts > 0))
        hot_keys.append(grid.pack(cols + tile.ix0, rows + tile.iy0))
        hot_rate.append(coarse[rows, cols])
    return _cells_to_clusters(ix, iy, np.concatenate(hot_keys), np.concatenate(hot_rate), p)


def _cells_to_clusters(
    ix: np.ndarray, iy: np.ndarray, keys: np.ndarray, rate: np.ndarray, p: dict
) -> Clusters:
    """Label points by 8-connected components of hot cells; ``rate`` is reports per cell."""
    n = ix.size
    if keys.size == 0:
        return empty_clusters(n, p)
    order = np.argsort(keys)
    keys, rate = keys[order], rate[order]
    comp = grid.components(keys)
    pos = grid.lookup(keys, grid.pack(ix, iy))
    labels = np.where(pos >= 0, comp[np.maximum(pos, 0)], -1).astype(np.int64)
    ncomp = int(comp.max()) + 1
    counts = np.bincount(labels[labels >= 0], minlength=ncomp)
    expected = np.bincount(comp, weights=rate, minlength=ncomp)
    first_key = np.asarray(ndimage.minimum(keys.astype(np.float64), comp, np.arange(ncomp)))
    z = poisson_z(counts, expected)
    labels, expected, z = relabel_by_size(labels, expected, z, keys=first_key)
    return Clusters(labels=labels, expected=expected, z=z, params=p)


GISTAR_DEFAULTS = {"cell_m": 50.0, "alpha": 0.05, "max_cells": 400_000}


def gistar(x: np.ndarray, y: np.ndarray, params: dict | None = None) -> Clusters:
    """Flag grid cells with significant Getis-Ord Gi* (PySAL esda), FDR-corrected.

    Counts on a ``cell_m`` grid over the points' bounding box (cell enlarged when the box
    would exceed ``max_cells``), queen contiguity including the cell itself, analytic
    z-scores (``permutations=0``), Benjamini–Hochberg at ``alpha`` on one-sided p-values.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres.
    params : dict, optional
        ``cell_m``, ``alpha``, ``max_cells``.

    Returns
    -------
    Clusters
    """
    p = {**GISTAR_DEFAULTS, **_check_keys(params, set(GISTAR_DEFAULTS), "gistar")}
    n = x.size
    if n < 2:
        return empty_clusters(n, p)
    c = float(p["cell_m"])
    span = max(np.ptp(x), 1.0) * max(np.ptp(y), 1.0)
    if span / c**2 > p["max_cells"]:
        c = float(np.ceil(np.sqrt(span / p["max_cells"])))
    p["cell_m_used"] = c
    ix, iy = grid.cell_index(x, y, c)
    tile = grid.single_tile(ix, iy, pad=0)
    counts = tile.counts
    h, w = counts.shape
    if h * w < 9:
        return empty_clusters(n, p)
    y_vals = counts.ravel()
    wsp = _queen(h, w)
    import esda
    from libpysal.weights import W

    weights = W.from_sparse(wsp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y_vals, weights, star=True, permutations=0, transform="B")
    z = np.asarray(g.Zs, dtype=np.float64)
    pv = stats.norm.sf(z)
    cut = grid.bh_threshold(pv[y_vals > 0], int((y_vals > 0).sum()), p["alpha"])
    hot = (pv <= cut) & (z > 0) & (y_vals > 0)
    rows, cols = np.divmod(np.flatnonzero(hot), w)
    keys = grid.pack(cols + tile.ix0, rows + tile.iy0)
    rate = np.full(keys.size, y_vals.mean())
    return _cells_to_clusters(ix, iy, keys, rate, p)


def _queen(h: int, w: int):
    """Return the sparse queen contiguity (with self-weights) of an ``h × w`` lattice."""
    from scipy import sparse

    idx = np.arange(h * w).reshape(h, w)
    rows, cols = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            a = idx[max(0, -dr): h - max(0, dr), max(0, -dc): w - max(0, dc)]
            b = idx[max(0, dr): h + min(0, dr), max(0, dc): w + min(0, dc)]
            rows.append(a.ravel())
            cols.append(b.ravel())
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    return sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(h * w, h * w))
