"""Local Poisson scan: fine grid windows tested against the densest neighbouring quadrant.

The default detector. Each cell's fine window count (``window_m`` square) is compared with a
background rate: the *densest* of the four quadrants of a ``background_m`` box around it,
leaving out a ``guard_m`` square so the hot spot does not raise its own background. Taking the
densest quadrant means the inside of an evenly dense town centre, and its edges and corners,
are compared with the centre itself, so only places clearly denser than even the centre are
flagged. The count's Poisson upper-tail p-value is corrected for false discoveries
(Benjamini–Hochberg over every occupied window); significant windows with at least
``min_count`` reports and ``min_ratio`` times the background are joined into hot spots by
8-connectivity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage, stats

from geo.hotspots import grid
from geo.hotspots.clusters import Clusters, empty_clusters, poisson_z, relabel_by_size

SCAN_DEFAULTS: dict[str, Any] = {
    "cell_m": 25.0,
    "window_m": (75.0, 150.0),
    "guard_m": 100.0,
    "background_m": 300.0,
    "alpha": 0.05,
    "min_ratio": 2.0,
    "min_count": 5,
}


def scan_params(params: dict | None = None) -> dict[str, Any]:
    """Return the scan parameters with defaults filled in and checked."""
    p: dict[str, Any] = dict(SCAN_DEFAULTS)
    unknown = set(params or {}) - set(p)
    if unknown:
        raise ValueError(f"unknown scan parameter(s): {', '.join(sorted(unknown))}")
    p.update({k: v for k, v in (params or {}).items() if v is not None})
    w = p["window_m"]
    p["window_m"] = tuple(float(v) for v in (w if isinstance(w, list | tuple) else (w,)))
    if p["cell_m"] <= 0 or min(p["window_m"]) < p["cell_m"]:
        raise ValueError("cell_m must be positive and every window_m at least one cell")
    if not max(p["window_m"]) / 2 <= p["guard_m"] < p["background_m"]:
        raise ValueError("need window_m / 2 <= guard_m < background_m")
    if not 0 < p["alpha"] < 1 or p["min_ratio"] < 1 or p["min_count"] < 1:
        raise ValueError("need 0 < alpha < 1, min_ratio >= 1 and min_count >= 1")
    p["min_count"] = int(p["min_count"])
    return p


def scan(x: np.ndarray, y: np.ndarray, params: dict | None = None) -> Clusters:
    """Detect hot spots with the local Poisson scan.

    Parameters
    ----------
    x, y : numpy.ndarray
        Point coordinates in metres in a projected CRS.
    params : dict, optional
        Overrides of :data:`SCAN_DEFAULTS`: ``cell_m`` (grid cell, m), ``window_m`` (fine
        window side, m), ``guard_m`` (half-side of the square left out of the background,
        m), ``background_m`` (half-side of the background box, m), ``alpha`` (false
        discovery rate), ``min_ratio`` (window count ÷ background expectation) and
        ``min_count`` (reports in the window).

    Returns
    -------
    Clusters
        Labels per point and, per hot spot, the expected count under the background and the
        Poisson z-score.
    """
    p = scan_params(params)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = x.size
    if n == 0:
        return empty_clusters(0, p)
    c = p["cell_m"]
    halves = sorted({max(1, int(round(w / c))) // 2 for w in p["window_m"]})
    hmax = halves[-1]
    g = max(hmax, int(round(p["guard_m"] / c)))
    r = max(g + 1, int(round(p["background_m"] / c)))
    q_cells = float((r - g) ** 2)
    ix, iy = grid.cell_index(x, y, c)

    cand_keys, cand_p, cand_rate, cand_h = [], [], [], []
    m_tests = 0
    for tile in grid.tiles_for(ix, iy, pad=r + hmax + 1):
        sat = grid.integral(tile.counts)
        quads = [
            grid.rect_sum(sat, g + 1, r, g + 1, r),
            grid.rect_sum(sat, g + 1, r, -r, -g - 1),
            grid.rect_sum(sat, -r, -g - 1, g + 1, r),
            grid.rect_sum(sat, -r, -g - 1, -r, -g - 1),
        ]
        # Half a report of prior per quadrant keeps empty surroundings from a zero rate.
        rate = (np.maximum.reduce(quads) + 0.5) / q_cells  # reports per cell
        del quads
        core = np.zeros(tile.counts.shape, dtype=bool)
        core[tile.core] = True
        for h in halves:
            k = 2 * h + 1
            fine = grid.rect_sum(sat, -h, h, -h, h)
            occupied = core & (fine > 0)
            m_tests += int(occupied.sum())
            mu = rate * (k * k)
            cand = occupied & (fine >= p["min_count"]) & (fine >= p["min_ratio"] * mu)
            rows, cols = np.nonzero(cand)
            if rows.size == 0:
                continue
            cand_p.append(stats.poisson.sf(fine[rows, cols] - 1, mu[rows, cols]))
            cand_keys.append(grid.pack(cols + tile.ix0, rows + tile.iy0))
            cand_rate.append(rate[rows, cols])
            cand_h.append(np.full(rows.size, h, dtype=np.int64))
    if not cand_keys:
        return empty_clusters(n, p)
    keys = np.concatenate(cand_keys)
    pv = np.concatenate(cand_p)
    rates = np.concatenate(cand_rate)
    hs = np.concatenate(cand_h)
    sig = _significant(keys, pv, hs, m_tests, p["alpha"])
    if not sig.any():
        return empty_clusters(n, p)
    return _assemble(ix, iy, keys[sig], rates[sig], hs[sig], p)


def _window_cells(centre_keys: np.ndarray, hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the cells covered by windows of half-sizes ``hs`` and the window of each."""
    cx, cy = grid.unpack(centre_keys)
    cells, owners = [], []
    for h in np.unique(hs):
        idx = np.flatnonzero(hs == h)
        offs = np.arange(-h, h + 1)
        dx, dy = np.meshgrid(offs, offs)
        mx = (cx[idx, None] + dx.ravel()[None, :]).ravel()
        my = (cy[idx, None] + dy.ravel()[None, :]).ravel()
        cells.append(grid.pack(mx, my))
        owners.append(np.repeat(idx, dx.size))
    return np.concatenate(cells), np.concatenate(owners)


def _significant(
    keys: np.ndarray, pv: np.ndarray, hs: np.ndarray, m: int, alpha: float
) -> np.ndarray:
    """Select windows so that the false discovery rate holds over hot spots, not windows.

    One hot spot covers many overlapping significant windows, so a window-level
    Benjamini–Hochberg cut would let one false hot spot in for every twenty *windows* of
    true ones. Instead windows passing the window-level cut are grouped into hot spots,
    each hot spot is represented by its smallest p-value, and the Benjamini–Hochberg cut
    is taken over those (still with ``m`` = every occupied window, which is conservative).
    """
    cut = grid.bh_threshold(pv, m, alpha)
    sel = np.flatnonzero(pv <= cut)
    if sel.size == 0:
        return np.zeros(pv.size, dtype=bool)
    cells, owner = _window_cells(keys[sel], hs[sel])
    ucells, inv = np.unique(cells, return_inverse=True)
    comp = grid.components(ucells)[inv]
    win_comp = np.empty(sel.size, dtype=np.int64)
    win_comp[owner] = comp
    minp = ndimage.minimum(pv[sel], win_comp, np.arange(win_comp.max() + 1))
    cut2 = grid.bh_threshold(np.asarray(minp), m, alpha)
    return pv <= cut2


def _assemble(
    ix: np.ndarray, iy: np.ndarray, centre_keys: np.ndarray, centre_rate: np.ndarray,
    hs: np.ndarray, p: dict,
) -> Clusters:
    """Grow significant window centres to the cells their windows cover and label points."""
    # Every cell of a significant window joins the hot spot (components are taken over
    # whole windows, so one window never splits); a cell's background rate is the lowest
    # rate among the significant windows covering it, which keeps the ratio conservative.
    mkeys, owner = _window_cells(centre_keys, hs)
    mrate = centre_rate[owner]
    order = np.lexsort((mrate, mkeys))
    mkeys, mrate = mkeys[order], mrate[order]
    first = np.r_[True, mkeys[1:] != mkeys[:-1]]
    mkeys, mrate = mkeys[first], mrate[first]
    comp = grid.components(mkeys)

    point_keys = grid.pack(ix, iy)
    keep = _core_cells(point_keys, mkeys, mrate, comp, p["min_ratio"])
    mkeys, mrate, comp = mkeys[keep], mrate[keep], comp[keep]
    comp = np.unique(comp, return_inverse=True)[1].astype(np.int64)

    pos = grid.lookup(mkeys, point_keys)
    labels = np.where(pos >= 0, comp[np.maximum(pos, 0)], -1).astype(np.int64)
    ncomp = int(comp.max()) + 1
    counts = np.bincount(labels[labels >= 0], minlength=ncomp).astype(np.float64)
    # Expected count over the occupied cells only: empty fringe cells of a window add area
    # but no reports, and the polygon is drawn around the reports.
    occupied = np.zeros(mkeys.size, dtype=bool)
    occupied[pos[pos >= 0]] = True
    expected = np.bincount(comp[occupied], weights=mrate[occupied], minlength=ncomp)
    first_key = ndimage.minimum(mkeys.astype(np.float64), comp, np.arange(ncomp))
    z = poisson_z(counts, expected)
    labels, expected, z = relabel_by_size(labels, expected, z, keys=np.asarray(first_key))
    return Clusters(labels=labels, expected=expected, z=z, params=p)


def _core_cells(
    point_keys: np.ndarray, mkeys: np.ndarray, mrate: np.ndarray, comp: np.ndarray,
    min_ratio: float,
) -> np.ndarray:
    """Keep the occupied cells whose own 3 × 3 neighbourhood is clearly above background.

    A significant 150 m window also covers ordinary background reports around the spot;
    dropping cells whose 75 m neighbourhood is not ``min_ratio`` times the background (and
    holds fewer than two reports) keeps the polygon on the spot itself. A hot spot none of
    whose cells passes keeps all its occupied cells.
    """
    ukeys, ucounts = np.unique(point_keys, return_counts=True)
    mx, my = grid.unpack(mkeys)
    own = grid.lookup(ukeys, mkeys)
    s3 = np.zeros(mkeys.size)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            pos = grid.lookup(ukeys, grid.pack(mx + dx, my + dy))
            s3 += np.where(pos >= 0, ucounts[np.maximum(pos, 0)], 0)
    occupied = own >= 0
    core = occupied & (s3 >= np.maximum(2.0, min_ratio * 9.0 * mrate))
    has_core = np.zeros(int(comp.max()) + 1, dtype=bool)
    has_core[comp[core]] = True
    return np.where(has_core[comp], core, occupied)


def cell_backgrounds(x: np.ndarray, y: np.ndarray, params: dict | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return every cell within one cell of a report with its counts and background rate.

    Parameters
    ----------
    x, y : numpy.ndarray
        Points, metres in a projected CRS.
    params : dict, optional
        Scan parameters (``cell_m``, ``guard_m``, ``background_m``; see :func:`scan`).

    Returns
    -------
    keys, own, window, rate : numpy.ndarray
        Sorted cell keys (:func:`geo.hotspots.grid.pack` on ``cell_m`` cells), reports in the
        cell, reports in its 3 × 3 window, and the scan's background rate (reports per cell:
        the densest quadrant of the background box, guard square left out, + half a report
        of prior), for the cells whose 3 × 3 window holds a report.
    """
    p = scan_params(params)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        z = np.zeros(0)
        return np.zeros(0, dtype=np.int64), z, z, z
    c = p["cell_m"]
    hmax = max(max(1, int(round(w / c))) // 2 for w in p["window_m"])
    g = max(hmax, int(round(p["guard_m"] / c)))
    r = max(g + 1, int(round(p["background_m"] / c)))
    q_cells = float((r - g) ** 2)
    ix, iy = grid.cell_index(x, y, c)
    keys, own, win, rates = [], [], [], []
    for tile in grid.tiles_for(ix, iy, pad=r + 2):
        sat = grid.integral(tile.counts)
        quads = [
            grid.rect_sum(sat, g + 1, r, g + 1, r),
            grid.rect_sum(sat, g + 1, r, -r, -g - 1),
            grid.rect_sum(sat, -r, -g - 1, g + 1, r),
            grid.rect_sum(sat, -r, -g - 1, -r, -g - 1),
        ]
        rate = (np.maximum.reduce(quads) + 0.5) / q_cells
        w3 = grid.rect_sum(sat, -1, 1, -1, 1)
        core = np.zeros(tile.counts.shape, dtype=bool)
        core[tile.core] = True
        rows, cols = np.nonzero(core & (w3 > 0))
        keys.append(grid.pack(cols + tile.ix0, rows + tile.iy0))
        own.append(tile.counts[rows, cols])
        win.append(w3[rows, cols])
        rates.append(rate[rows, cols])
    k = np.concatenate(keys)
    order = np.argsort(k, kind="stable")
    return (k[order], np.concatenate(own)[order].astype(np.float64),
            np.concatenate(win)[order].astype(np.float64), np.concatenate(rates)[order])
