"""Coverage mode's cells: the smoothed score, candidates, taking cells up to a share, outlines.

Metres throughout; cell keys are :func:`geo.hotspots.grid.pack` keys of 25 m cells.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import shapely

from geo.hotspots import grid
from geo.hotspots.polygons import OUTLINE_CELL_M, outline
from geo.hotspots.scan import cell_backgrounds

SMOOTH_SIGMA_M = 100.0
SMOOTH_WEIGHT = 0.03
HYSTERESIS = 1.0
_MEMO: dict = {}
_MEMO_SIZE = 32
_OUTLINES: dict = {}
_OUTLINES_SIZE = 50_000
_LOCK = threading.Lock()


def _memo(fn: Callable, x: np.ndarray, y: np.ndarray, p: dict | None):
    """Return ``fn(x, y, p)``, remembering the last few results (same points, same params).

    A backtest asks the same training window at several shares; the scan and the cell
    backgrounds do not depend on the share. Callers must not modify the result.
    """
    import hashlib
    import json

    xa, ya = np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64)
    key = (fn.__name__, hashlib.blake2b(xa.tobytes() + ya.tobytes(), digest_size=16).digest(),
           json.dumps(p, sort_keys=True, default=str))
    with _LOCK:
        hit = _MEMO.get(key)
    if hit is None:
        hit = fn(xa, ya, p)
        with _LOCK:
            while len(_MEMO) >= _MEMO_SIZE:
                _MEMO.pop(next(iter(_MEMO)))
            _MEMO[key] = hit
    return hit


def _take(ranked: np.ndarray, room: float, c: float
          ) -> tuple[np.ndarray, np.ndarray, float, int, list]:
    """Take the first ``n`` of the ranked cell keys whose closed outlines fit in ``room`` m².

    Returns the chosen keys (sorted), their 8-connected component, the outlines' area, n
    and the outline of each component (metres).
    """
    cache: dict = {}

    def fit(k: int) -> tuple[np.ndarray, np.ndarray, float, list]:
        keys = np.sort(ranked[:k])
        comp = grid.components(keys)
        shapes = _cell_outlines(keys, comp, c, cache)
        return keys, comp, float(sum(g.area for g in shapes)), shapes

    n = int(min(ranked.size, room // (c * c)))
    best: tuple = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0.0, [])
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
    return best[0], best[1], best[2], n, best[3]


def smoothed_score(x: np.ndarray, y: np.ndarray, keys: np.ndarray, *,
                   cell_m: float = OUTLINE_CELL_M, sigma_m: float = SMOOTH_SIGMA_M,
                   weight: float = SMOOTH_WEIGHT) -> np.ndarray:
    """Return ``weight`` × the Gaussian-weighted reports around each cell in ``keys``.

    The kernel is exp(−d²/2σ²) between cell centres (1 at the cell itself, so the cell's
    own reports count too), truncated at 3σ. Keys are :func:`geo.hotspots.grid.pack` keys of
    ``cell_m`` cells; metres throughout.
    """
    from scipy import ndimage

    out = np.zeros(keys.size)
    if x.size == 0 or keys.size == 0:
        return out
    s = sigma_m / cell_m
    norm = 2 * np.pi * s * s
    ix, iy = grid.cell_index(x, y, cell_m)
    kx, ky = grid.unpack(keys)
    done = np.zeros(keys.size, dtype=bool)
    for tile in grid.tiles_for(ix, iy, pad=int(np.ceil(3 * s)) + 2):
        dens = ndimage.gaussian_filter(tile.counts, s, mode="constant", truncate=3.0) * norm
        h, w = dens.shape
        r, c = ky - tile.iy0, kx - tile.ix0
        core = tile.core
        within = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        own = within & (r >= core[0].start) & (r < core[0].stop) & (c >= core[1].start) \
            & (c < core[1].stop)
        # A cell in no tile's core (beside the data's edge) takes the first tile's padding.
        take = own | (within & ~done)
        out[take] = dens[r[take], c[take]]
        done |= own
    return weight * out


def _cells_and_scores(x: np.ndarray, y: np.ndarray, p: dict):
    """Return :func:`geo.hotspots.scan.cell_backgrounds` plus each cell's smoothed score."""
    keys, own, win, rate = cell_backgrounds(x, y, p)
    c = float(p.get("cell_m", OUTLINE_CELL_M))
    return keys, own, win, rate, smoothed_score(x, y, keys, cell_m=c)


def _candidates(x: np.ndarray, y: np.ndarray, p: dict, prefer: np.ndarray | None,
                smoothed: bool):
    """Return candidate cells, their reports, 75 m window, background, score and sort order."""
    keys, own, win, rate, smooth = _memo(_cells_and_scores, x, y, p)
    before = np.zeros(keys.size, dtype=bool)
    if prefer is not None and len(prefer):
        before = grid.lookup(np.unique(np.asarray(prefer, dtype=np.int64)), keys) >= 0
    if not smoothed:
        occ = own > 0
        keys, own, win, rate, before = keys[occ], own[occ], win[occ], rate[occ], before[occ]
        return keys, own, win, rate, np.lexsort((keys, -win, ~before, -own))
    score = own + smooth + HYSTERESIS * before
    # An empty cell is a candidate only beside a cell with reports that ranks above it, so
    # every flagged outline holds reports (the cells are taken in rank order).
    best = np.zeros(keys.size)
    kx, ky = grid.unpack(keys)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx or dy:
                pos = grid.lookup(keys, grid.pack(kx + dx, ky + dy))
                ok = pos >= 0
                nb = np.where(ok, np.where(own[np.maximum(pos, 0)] > 0,
                                           score[np.maximum(pos, 0)], 0.0), 0.0)
                best = np.maximum(best, nb)
    keep = (own > 0) | (best > score)
    keys, own, win, rate, score = keys[keep], own[keep], win[keep], rate[keep], score[keep]
    return keys, own, win, rate, np.lexsort((keys, -own, -score))


def _cell_outlines(keys: np.ndarray, comp: np.ndarray, cell_m: float,
                   cache: dict | None = None) -> list:
    """Return each component's closed cell outline (metres), in component order.

    ``cache`` maps a component's cells (bytes of its sorted keys) to its outline, so the
    bisection in :func:`_take` only outlines the components that changed; outlines are also
    remembered across calls (the same places come back month after month).
    """
    if keys.size == 0:
        return []
    cache = {} if cache is None else cache
    with _LOCK:
        if len(_OUTLINES) > _OUTLINES_SIZE:
            _OUTLINES.clear()
    cx, cy = grid.unpack(keys)
    order = np.argsort(comp, kind="stable")
    bounds = np.searchsorted(comp[order], np.arange(int(comp.max()) + 2))
    sizes = np.diff(bounds)
    # A lone cell's outline is its square (what cell_outline returns), made in one call.
    lone = order[bounds[:-1][sizes == 1]]
    squares = iter(shapely.normalize(shapely.box(cx[lone] * cell_m, cy[lone] * cell_m,
                                                 (cx[lone] + 1) * cell_m,
                                                 (cy[lone] + 1) * cell_m)))
    out = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b - a == 1:
            out.append(next(squares))
            continue
        idx = order[a:b]
        tag = (cell_m, keys[idx].tobytes())
        shape = cache.get(tag) or _OUTLINES.get(tag)
        if shape is None:
            shape = outline((cx[idx] + 0.5) * cell_m, (cy[idx] + 0.5) * cell_m, cell_m=cell_m)
            _OUTLINES[tag] = shape
        cache[tag] = shape
        out.append(shape)
    return out


def cells_of(polygons: list, cell_m: float = OUTLINE_CELL_M) -> np.ndarray:
    """Return the keys of the ``cell_m`` cells whose centre lies in any polygon (metres).

    Recovers a stored run's flagged cells from its cell outlines (the closing never covers
    the centre of a cell it did not hold).
    """
    out = []
    for pg in polygons:
        if pg is None or pg.is_empty:
            continue
        x0, y0, x1, y1 = pg.bounds
        gx = np.arange(np.floor(x0 / cell_m), np.ceil(x1 / cell_m))
        gy = np.arange(np.floor(y0 / cell_m), np.ceil(y1 / cell_m))
        if gx.size * gy.size > 4_000_000:
            continue
        mx, my = np.meshgrid(gx, gy)
        inside = shapely.contains_xy(pg, (mx.ravel() + 0.5) * cell_m, (my.ravel() + 0.5) * cell_m)
        out.append(grid.pack(mx.ravel()[inside].astype(np.int64),
                             my.ravel()[inside].astype(np.int64)))
    return np.unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)
