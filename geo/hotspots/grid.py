"""Grid helpers shared by the grid-based detectors: cell keys, tiles, window sums, components.

All coordinates are in metres in a projected CRS. Cells are aligned to multiples of the cell
size (``floor(x / cell_m)``), so adding points elsewhere never shifts the grid under a place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

# Cell keys pack (ix, iy) into one int64; 2**31 cells of 1 m cover any projected CRS.
_OFFSET = np.int64(2**30)
_SHIFT = np.int64(2**31)


def cell_index(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Return integer column/row indices of each point on a grid aligned to ``cell_m``.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres (projected CRS).
    cell_m : float
        Cell size in metres.

    Returns
    -------
    ix, iy : numpy.ndarray of int64
    """
    return (
        np.floor(np.asarray(x) / cell_m).astype(np.int64),
        np.floor(np.asarray(y) / cell_m).astype(np.int64),
    )


def pack(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Pack column/row indices into sortable int64 cell keys."""
    return (np.asarray(ix, dtype=np.int64) + _OFFSET) * _SHIFT + (
        np.asarray(iy, dtype=np.int64) + _OFFSET
    )


def unpack(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`pack`."""
    keys = np.asarray(keys, dtype=np.int64)
    return keys // _SHIFT - _OFFSET, keys % _SHIFT - _OFFSET


@dataclass(frozen=True)
class Tile:
    """A dense window onto the sparse grid: ``counts[r, c]`` is cell ``(ix0 + c, iy0 + r)``."""

    ix0: int
    iy0: int
    counts: np.ndarray
    core: tuple[slice, slice]  # rows, cols of the tile proper (without the padding)


def iter_tiles(
    ix: np.ndarray, iy: np.ndarray, pad: int, tile: int = 1024
) -> Iterator[Tile]:
    """Yield dense count arrays for every tile holding points, padded by ``pad`` cells.

    Parameters
    ----------
    ix, iy : numpy.ndarray of int64
        Cell indices of the points.
    pad : int
        Padding in cells added on every side (the reach of the widest window).
    tile : int, default 1024
        Tile size in cells; bounds memory to about ``(tile + 2 pad)**2`` cells per array.

    Yields
    ------
    Tile
    """
    if ix.size == 0:
        return
    keys, counts = np.unique(pack(ix, iy), return_counts=True)
    cx, cy = unpack(keys)
    tx, ty = cx // tile, cy // tile
    tile_keys = np.unique(pack(tx, ty))
    for tk in tile_keys:
        (tix,), (tiy,) = unpack(np.array([tk]))
        x0, y0 = int(tix) * tile - pad, int(tiy) * tile - pad
        size = tile + 2 * pad
        sel = (cx >= x0) & (cx < x0 + size) & (cy >= y0) & (cy < y0 + size)
        dense = np.zeros((size, size), dtype=np.float64)
        np.add.at(dense, (cy[sel] - y0, cx[sel] - x0), counts[sel])
        yield Tile(x0, y0, dense, (slice(pad, pad + tile), slice(pad, pad + tile)))


def single_tile(ix: np.ndarray, iy: np.ndarray, pad: int) -> Tile:
    """Return one padded dense tile over the bounding box of the points."""
    x0, y0 = int(ix.min()) - pad, int(iy.min()) - pad
    w, h = int(ix.max()) - x0 + 1 + pad, int(iy.max()) - y0 + 1 + pad
    flat = np.bincount((iy - y0) * w + (ix - x0), minlength=w * h).astype(np.float64)
    return Tile(x0, y0, flat.reshape(h, w), (slice(pad, h - pad), slice(pad, w - pad)))


def tiles_for(ix: np.ndarray, iy: np.ndarray, pad: int, max_cells: int = 16_000_000):
    """Yield one tile over the bounding box when it is small enough, else sparse tiles."""
    if ix.size == 0:
        return iter(())
    w = int(ix.max() - ix.min()) + 1 + 2 * pad
    h = int(iy.max() - iy.min()) + 1 + 2 * pad
    if w * h <= max_cells:
        return iter((single_tile(ix, iy, pad),))
    return iter_tiles(ix, iy, pad)


def integral(a: np.ndarray) -> np.ndarray:
    """Return the summed-area table of ``a`` with a leading row and column of zeros."""
    out = np.zeros((a.shape[0] + 1, a.shape[1] + 1), dtype=np.float64)
    np.cumsum(a, axis=0, out=out[1:, 1:])
    np.cumsum(out[1:, 1:], axis=1, out=out[1:, 1:])
    return out


def rect_sum(sat: np.ndarray, dr0: int, dr1: int, dc0: int, dc1: int) -> np.ndarray:
    """Sum of the rectangle rows ``r+dr0..r+dr1``, cols ``c+dc0..c+dc1`` for every cell.

    Parameters
    ----------
    sat : numpy.ndarray
        Summed-area table from :func:`integral` (shape ``(h + 1, w + 1)``).
    dr0, dr1, dc0, dc1 : int
        Inclusive offsets of the rectangle relative to each cell (may be negative).

    Returns
    -------
    numpy.ndarray
        Array of shape ``(h, w)``; parts of the rectangle outside the array count as zero.
    """
    h, w = sat.shape[0] - 1, sat.shape[1] - 1
    # Indices past the table's edges are clipped to them: an edge-padded copy read by
    # slices gives the same as clipped fancy indexing, several times faster on big tiles.
    pr = max(abs(dr0), abs(dr1 + 1)) + 1
    pc = max(abs(dc0), abs(dc1 + 1)) + 1
    sp = np.pad(sat, ((pr, pr), (pc, pc)), mode="edge")

    def at(dr: int, dc: int) -> np.ndarray:
        return sp[pr + dr: pr + dr + h, pc + dc: pc + dc + w]

    return at(dr1 + 1, dc1 + 1) - at(dr0, dc1 + 1) - at(dr1 + 1, dc0) + at(dr0, dc0)


def components(keys: np.ndarray) -> np.ndarray:
    """Label 8-connected components of a set of cells.

    Parameters
    ----------
    keys : numpy.ndarray of int64
        Sorted, unique cell keys from :func:`pack`.

    Returns
    -------
    numpy.ndarray of int64
        Component label per key, numbered 0.. in order of each component's smallest key.
    """
    n = keys.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ix, iy = unpack(keys)
    rows, cols = [np.arange(n)], [np.arange(n)]
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            nb = pack(ix + dx, iy + dy)
            pos = np.searchsorted(keys, nb)
            pos_c = np.minimum(pos, n - 1)
            hit = keys[pos_c] == nb
            rows.append(np.flatnonzero(hit))
            cols.append(pos_c[hit])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = sparse.coo_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    # Renumber so labels follow the order of each component's first (smallest) key.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    remap = np.empty_like(order)
    remap[order] = np.arange(order.size)
    return remap[labels].astype(np.int64)


def lookup(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Return the position of each ``query`` key in sorted ``keys``, or -1 when absent."""
    if keys.size == 0:
        return np.full(query.shape, -1, dtype=np.int64)
    pos = np.searchsorted(keys, query)
    pos_c = np.minimum(pos, keys.size - 1)
    return np.where(keys[pos_c] == query, pos_c, -1).astype(np.int64)


def bh_threshold(pvalues: np.ndarray, m: int, alpha: float) -> float:
    """Return the Benjamini–Hochberg p-value cut-off for ``m`` tests at FDR ``alpha``.

    Parameters
    ----------
    pvalues : numpy.ndarray
        p-values of the candidate tests (tests not listed are taken as p = 1).
    m : int
        Total number of tests.
    alpha : float
        False discovery rate.

    Returns
    -------
    float
        The largest p-value that is declared significant, or -1.0 when none is.
    """
    if pvalues.size == 0 or m <= 0:
        return -1.0
    p = np.sort(pvalues)
    ok = p <= alpha * np.arange(1, p.size + 1) / m
    if not ok.any():
        return -1.0
    return float(p[np.flatnonzero(ok)[-1]])
