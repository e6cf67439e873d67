"""Rolling monthly backtest at an operating point, beside grids and a KDE at equal area.

Each test month is flagged from the ``train_months`` whole months before it and scored on
its own reports; months are local calendar months (``tz``). The default method flags the
product's compact outlines (:func:`geo.hotspots.polygons.cell_outline`) of the scan's
places: in coverage mode the strongest places up to ``share`` of the study area
(:func:`geo.hotspots.coverage.coverage`), otherwise the significant ones. Each comparator
flags, every month, the same area as the default did that month:

- ``grid 25 m`` and ``grid 150 m``: prior-counts grids, the cells with most training
  reports (ties broken by cell order);
- ``KDE 200 m``: a Gaussian kernel density (σ 200 m) of the training reports on 25 m cells,
  the densest cells.

Figures, pooled over the test months:

- hit rate: test reports inside the flagged area ÷ test reports;
- PAI: hit rate ÷ (mean flagged area ÷ study area), the study area being the 150 m cells
  holding any report of the data;
- PEI: reports captured ÷ the most that the same area in 25 m cells could have captured
  (the test month's busiest 25 m cells), so 1 is perfect;
- Jaccard: overlap of consecutive months' flagged areas (intersection ÷ union), mean.

Coordinates are metres in a projected CRS; times are UTC ``datetime64[s]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from scipy import ndimage

from geo.hotspots import grid

STUDY_CELL_M = 150.0
FINE_CELL_M = 25.0
KDE_SIGMA_M = 200.0
DEFAULT_NAME = "default"
COMPARATORS = ("grid 25 m", "grid 150 m", "KDE 200 m")


def month_starts(first: np.datetime64, last: np.datetime64, tz: str) -> list[np.datetime64]:
    """Return the local month starts (as UTC instants) from ``first``'s month to after ``last``."""
    zone = ZoneInfo(tz)

    def local(v: np.datetime64) -> datetime:
        return datetime.fromtimestamp(int(v.astype("datetime64[s]").astype(np.int64)), zone)

    a = local(first)
    y, m = a.year, a.month
    out: list[np.datetime64] = []
    while not out or out[-1] <= last:
        out.append(np.datetime64(int(datetime(y, m, 1, tzinfo=zone).timestamp()), "s"))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_label(start: np.datetime64, tz: str) -> str:
    """Return ``YYYY-MM`` of the local month starting at ``start`` (UTC)."""
    d = datetime.fromtimestamp(int(start.astype("datetime64[s]").astype(np.int64)), ZoneInfo(tz))
    return f"{d:%Y-%m}"


@dataclass
class _Acc:
    """Pooled figures of one method over the test months."""

    captured: int = 0
    area: float = 0.0
    best: float = 0.0
    jac: list[float] = field(default_factory=list)


class _Grid:
    """Cell counts of a set of points on a grid aligned to ``cell_m`` (metres)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, cell_m: float):
        ix, iy = grid.cell_index(x, y, cell_m)
        self.cell_m = cell_m
        self.keys, self.counts = np.unique(grid.pack(ix, iy), return_counts=True)

    def top(self, n: int) -> np.ndarray:
        """Return the keys of the ``n`` cells with most points (sorted keys)."""
        n = int(max(0, min(n, self.keys.size)))
        order = np.lexsort((self.keys, -self.counts))
        return np.sort(self.keys[order[:n]])


def _count_in(keys: np.ndarray, x: np.ndarray, y: np.ndarray, cell_m: float) -> int:
    if keys.size == 0 or x.size == 0:
        return 0
    ix, iy = grid.cell_index(x, y, cell_m)
    return int((grid.lookup(keys, grid.pack(ix, iy)) >= 0).sum())


def kde_top(x: np.ndarray, y: np.ndarray, n: int, *, sigma_m: float = KDE_SIGMA_M,
            cell_m: float = FINE_CELL_M) -> np.ndarray:
    """Return the keys of the ``n`` densest ``cell_m`` cells of a Gaussian KDE (σ metres).

    Parameters
    ----------
    x, y : numpy.ndarray
        Training points, metres.
    n : int
        Number of cells to flag.
    sigma_m, cell_m : float
        Kernel bandwidth and cell side, metres.

    Returns
    -------
    numpy.ndarray of int64
        Sorted cell keys (see :func:`geo.hotspots.grid.pack`); ties broken by cell order.
    """
    if n <= 0 or x.size == 0:
        return np.zeros(0, dtype=np.int64)
    # The densest cells are computed once per training window for up to ``k`` cells (the
    # backtest asks the same window at several shares) and the first ``n`` taken.
    k = max(n, _KDE_KEEP)
    ranked = _kde_ranked(np.ascontiguousarray(x, dtype=np.float64),
                         np.ascontiguousarray(y, dtype=np.float64), k, sigma_m, cell_m)
    return np.sort(ranked[:n])


_KDE_KEEP = 50_000
_KDE_MEMO: dict = {}


def _kde_ranked(x: np.ndarray, y: np.ndarray, k: int, sigma_m: float, cell_m: float
                ) -> np.ndarray:
    """Return up to ``k`` cell keys, densest first (ties by key); remembered for a few windows."""
    import hashlib

    key = (hashlib.blake2b(x.tobytes() + y.tobytes(), digest_size=16).digest(), sigma_m, cell_m)
    hit = _KDE_MEMO.get(key)
    if hit is not None and (hit[0] >= k or hit[1].size < hit[0]):
        return hit[1]
    ix, iy = grid.cell_index(x, y, cell_m)
    s = sigma_m / cell_m
    pad = int(np.ceil(4 * s)) + 1
    keys, vals = [], []
    for tile in grid.tiles_for(ix, iy, pad=pad):
        dens = ndimage.gaussian_filter(tile.counts, s, mode="constant", truncate=4.0)
        kk = min(k, dens.size)
        flat = dens.ravel()
        part = np.argpartition(-flat, kk - 1)[:kk]
        rows, cols = np.divmod(part, dens.shape[1])
        keys.append(grid.pack(cols + tile.ix0, rows + tile.iy0))
        vals.append(flat[part])
    # Tiles overlap in their padding: keep each cell once, with its (identical) density.
    allk, first = np.unique(np.concatenate(keys), return_index=True)
    allv = np.concatenate(vals)[first]
    ranked = allk[np.lexsort((allk, -np.round(allv, 12)))][:k]
    if len(_KDE_MEMO) >= 16:
        _KDE_MEMO.pop(next(iter(_KDE_MEMO)))
    _KDE_MEMO[key] = (k, ranked)
    return ranked


def _jaccard_cells(a: np.ndarray, b: np.ndarray) -> float:
    union = np.union1d(a, b).size
    return float(np.intersect1d(a, b).size / union) if union else float("nan")


def _jaccard_geom(a: shapely.Geometry | None, b: shapely.Geometry | None) -> float:
    if a is None or b is None or a.is_empty or b.is_empty:
        return 0.0 if (a is not None and not a.is_empty) or (b is not None and not b.is_empty) \
            else float("nan")
    union = shapely.union(a, b).area
    return float(shapely.intersection(a, b).area / union) if union else float("nan")


def default_flagger(share: float | None, study_m2: float) -> Callable:
    """Return ``flag(x, y) -> geometry | None``: the product's flagged cell outlines.

    Coverage mode flags up to ``share`` of the study area
    (:func:`geo.hotspots.coverage.coverage`); ``share=None`` is the significance point
    (:func:`geo.hotspots.coverage.significance_point`: the area of the scan's significant
    places, filled by the same cell rank). The flagger remembers the cells it flagged on its
    previous call and passes them as ``prefer`` (hysteresis), as a month-to-month review
    would; call it on consecutive windows in order.
    """
    from geo.hotspots.coverage import coverage, significance_point

    last: list[np.ndarray] = []

    def flag(x: np.ndarray, y: np.ndarray):
        prefer = last[0] if last else None
        if share is None:
            cl = significance_point(x, y, area_m2=study_m2, prefer=prefer)
        else:
            cl = coverage(x, y, share, area_m2=study_m2, prefer=prefer)
        last[:] = [cl.cells if cl.cells is not None else np.zeros(0, dtype=np.int64)]
        polys = cl.outlines or []
        return shapely.union_all(polys) if polys else None

    return flag


def significant_places_flagger() -> Callable:
    """Return ``flag(x, y)``: the outlines of the scan's significant places (earlier rule)."""
    from geo.evaluation.runs import cluster_polygons
    from geo.hotspots.scan import scan

    def flag(x: np.ndarray, y: np.ndarray):
        polys = cluster_polygons(x, y, scan(x, y).labels)
        return shapely.union_all(polys) if polys else None

    return flag


def grid_flagger(cell_m: float, area_m2: float) -> Callable:
    """Return ``flag(x, y)``: the ``cell_m`` cells with most reports covering ``area_m2`` m²."""

    def flag(x: np.ndarray, y: np.ndarray):
        keys = _Grid(x, y, cell_m).top(int(round(area_m2 / cell_m**2)))
        if keys.size == 0:
            return None
        ix, iy = grid.unpack(keys)
        return shapely.union_all(shapely.box(ix * cell_m, iy * cell_m, (ix + 1) * cell_m,
                                             (iy + 1) * cell_m))

    return flag


def rolling_backtest(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    *,
    share: float | None = None,
    months: int = 6,
    train_months: int = 12,
    tz: str = "Europe/Stockholm",
    end: np.datetime64 | None = None,
    comparators: Sequence[str] = COMPARATORS,
    flag: Callable | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Replay the last ``months`` whole months, each flagged from the months before it.

    Parameters
    ----------
    x, y : numpy.ndarray
        Reports, metres in a projected CRS.
    t : numpy.ndarray of datetime64
        Report times (UTC); month-dated reports (stored on the 1st) count in their month.
    share : float, optional
        Coverage mode: flag up to this share of the study area (e.g. 0.02); None = the
        significance point (whatever area the significant places cover).
    months : int
        Test months: the most recent whole months before ``end``.
    train_months : int
        Months of training before each test month (fewer when the data start later; at
        least one month of data is needed).
    tz : str
        Time zone of the calendar months.
    end : numpy.datetime64, optional
        Exclusive end (UTC) of the last test month; default: the start of the month after
        the last report.
    comparators : sequence of str
        Any of :data:`COMPARATORS`, each flagging the default's area every month.
    flag : callable, optional
        ``flag(x, y) -> geometry | None`` replacing the default method (metres).

    Returns
    -------
    dict
        ``rows`` (one per method: ``method``, ``area_share``, ``hit_rate``, ``pai``,
        ``pei``, ``jaccard``, ``captured``, ``test_reports``), ``months`` (per month:
        ``month``, ``train_reports``, ``test_reports``, ``area_share`` and ``captured`` per
        method), ``study_area_m2``, ``mode``, ``share``, ``train_months``.

    Raises
    ------
    ValueError
        Too little data: no report before the first test month, or no test month.
    """
    t = np.asarray(t, dtype="datetime64[s]")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if t.size == 0:
        raise ValueError("no reports to backtest")
    if months < 1 or train_months < 1:
        raise ValueError("need at least one test month and one training month")
    if share is not None and not 0 < share <= 0.5:
        raise ValueError("coverage share must be above 0 and at most 0.5")
    unknown = set(comparators) - set(COMPARATORS)
    if unknown:
        raise ValueError(f"unknown comparator(s): {', '.join(sorted(unknown))}")
    if end is None:
        bounds = month_starts(t.min(), t.max(), tz)
    else:
        # Whole months only: a month that ``end`` cuts is not tested.
        end_s = np.datetime64(int(np.asarray(end, dtype="datetime64[s]").astype(np.int64)), "s")
        bounds = [b for b in month_starts(t.min(), end_s - np.timedelta64(1, "s"), tz)
                  if b <= end_s]
    if len(bounds) < 3:
        raise ValueError(
            f"the data span {str(t.min())[:10]}..{str(t.max())[:10]}: a backtest needs at "
            "least one whole month to train on and one to test")
    tests = list(zip(bounds[:-1], bounds[1:], strict=True))[-months:]
    if t.min() >= tests[0][0]:
        tests = tests[1:]
    if not tests:
        raise ValueError("no reports before the first test month: nothing to train on")
    keep = (t >= bounds[max(0, bounds.index(tests[0][0]) - train_months)]) & (t < tests[-1][1])
    x, y, t = x[keep], y[keep], t[keep]
    ix, iy = grid.cell_index(x, y, STUDY_CELL_M)
    study_m2 = float(np.unique(grid.pack(ix, iy)).size) * STUDY_CELL_M**2
    flag = flag or default_flagger(share, study_m2)
    names = [DEFAULT_NAME, *comparators]
    acc = {n: _Acc() for n in names}
    prev: dict = {}
    per_month = []
    total = 0
    for ms, me in tests:
        i0 = bounds.index(ms)
        tr = (t >= bounds[max(0, i0 - train_months)]) & (t < ms)
        te = (t >= ms) & (t < me)
        xt, yt = x[te], y[te]
        total += int(te.sum())
        if progress:
            progress(month_label(ms, tz))
        geom = flag(x[tr], y[tr]) if tr.any() else None
        area = 0.0 if geom is None or geom.is_empty else float(geom.area)
        captured = int(shapely.intersects_xy(geom, xt, yt).sum()) if area > 0 else 0
        regions: dict = {DEFAULT_NAME: (geom, area, captured)}
        n25 = int(round(area / FINE_CELL_M**2))
        for name in comparators:
            if name.startswith("grid"):
                c = FINE_CELL_M if name == "grid 25 m" else STUDY_CELL_M
                cells = _Grid(x[tr], y[tr], c).top(int(round(area / c**2)))
            else:
                c = FINE_CELL_M
                cells = kde_top(x[tr], y[tr], n25)
            regions[name] = (cells, cells.size * c**2, _count_in(cells, xt, yt, c))
        best = float(np.sort(_Grid(xt, yt, FINE_CELL_M).counts)[::-1][:max(n25, 1)].sum()) \
            if xt.size else 0.0
        row = {"month": month_label(ms, tz), "train_reports": int(tr.sum()),
               "test_reports": int(te.sum())}
        for name, (reg, a, cap) in regions.items():
            s = acc[name]
            s.captured += cap
            s.area += a
            s.best += best
            if name in prev:
                s.jac.append(_jaccard_geom(prev[name], reg) if name == DEFAULT_NAME
                                else _jaccard_cells(prev[name], reg))
            prev[name] = reg
            row[name] = {"area_share": a / study_m2, "captured": cap}
        per_month.append(row)
    rows = []
    for name in names:
        s = acc[name]
        area_share = s.area / len(tests) / study_m2
        hit = s.captured / total if total else float("nan")
        jac = [v for v in s.jac if np.isfinite(v)]
        rows.append({
            "method": name, "area_share": area_share, "hit_rate": hit,
            "pai": hit / area_share if area_share > 0 and total else float("nan"),
            "pei": s.captured / s.best if s.best else float("nan"),
            "jaccard": float(np.mean(jac)) if jac else float("nan"),
            "captured": s.captured, "test_reports": total,
        })
    return {"rows": rows, "months": per_month, "study_area_m2": study_m2,
            "mode": "significance" if share is None else "coverage", "share": share,
            "train_months": train_months}
