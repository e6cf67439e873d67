"""Predictive accuracy: PAI, PEI*, the study grid and the prior-counts grid baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity

from geo.evaluation.planted import WEEK_S  # noqa: F401


def pai(captured: float, total: float, area_flagged: float, area_total: float) -> float:
    """Return the Predictive Accuracy Index: (captured ÷ total) ÷ (area flagged ÷ area total)."""
    if total <= 0 or area_flagged <= 0:
        return float("nan")
    return (captured / total) / (area_flagged / area_total)


@dataclass(frozen=True)
class StudyGrid:
    """The study area as the set of ``cell_m`` cells holding any report of the whole data.

    ``keys`` are packed cell keys (see :mod:`geo.hotspots.grid`); the area is ``keys.size *
    cell_m**2`` square metres.
    """

    cell_m: float
    keys: np.ndarray

    @property
    def area_m2(self) -> float:
        """Return the study area in m²."""
        return float(self.keys.size) * self.cell_m**2


def study_grid(x: np.ndarray, y: np.ndarray, cell_m: float) -> StudyGrid:
    """Build the study grid from all points (metres)."""
    from geo.hotspots import grid

    ix, iy = grid.cell_index(x, y, cell_m)
    return StudyGrid(cell_m, np.unique(grid.pack(ix, iy)))


def cell_counts(sg: StudyGrid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Count points (metres) per study-grid cell; points outside the grid are ignored."""
    from geo.hotspots import grid

    ix, iy = grid.cell_index(x, y, sg.cell_m)
    pos = grid.lookup(sg.keys, grid.pack(ix, iy))
    return np.bincount(pos[pos >= 0], minlength=sg.keys.size).astype(np.float64)


def top_cells(counts: np.ndarray, k: int) -> np.ndarray:
    """Return indices of the ``k`` cells with most counts (ties broken by index, stable)."""
    k = int(max(0, min(k, counts.size)))
    order = np.lexsort((np.arange(counts.size), -counts))
    return order[:k]


def pei_star(captured: float, test_counts: np.ndarray, n_cells: int) -> float:
    """Return PEI*: reports captured ÷ the most any ``n_cells`` cells could have captured."""
    best = float(np.sort(test_counts)[::-1][: max(1, n_cells)].sum())
    return captured / best if best > 0 else float("nan")


@dataclass
class BacktestResult:
    """Averaged backtest figures of one method (means over the test weeks)."""

    method: str
    weeks: int
    area_share: float
    hit_rate: float
    pai: float
    pei_star: float
    baseline_hit_rate: float
    baseline_pai: float
    seconds: float


def backtest_week(
    flag: Callable[[np.ndarray, np.ndarray], shapely.Geometry | None],
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    sg: StudyGrid,
) -> dict[str, float]:
    """Score one week: flag on the training points, count the test points captured.

    Parameters
    ----------
    flag : callable
        ``flag(train_x, train_y)`` returning the flagged area (metres) or None.
    train_x, train_y, test_x, test_y : numpy.ndarray
        Training and test coordinates in metres.
    sg : StudyGrid
        Study area.

    Returns
    -------
    dict
        ``area_share``, ``hit_rate``, ``pai``, ``pei_star`` of the method and ``base_hit``,
        ``base_pai`` of the prior-counts grid flagging the same area share.
    """
    geom = flag(train_x, train_y)
    n_test = test_x.size
    area = 0.0 if geom is None or geom.is_empty else float(geom.area)
    if area > 0 and n_test:
        captured = float(_inside(geom, test_x, test_y).sum())
    else:
        captured = 0.0
    share = area / sg.area_m2
    test_counts = cell_counts(sg, test_x, test_y)
    n_cells = int(round(area / sg.cell_m**2))
    base = baseline_capture(sg, train_x, train_y, test_counts, n_cells)
    return {
        "area_share": share,
        "hit_rate": captured / n_test if n_test else float("nan"),
        "pai": pai(captured, n_test, area, sg.area_m2) if area > 0 else float("nan"),
        "pei_star": pei_star(captured, test_counts, n_cells) if n_cells else float("nan"),
        "base_hit": base / n_test if n_test else float("nan"),
        "base_pai": pai(base, n_test, n_cells * sg.cell_m**2, sg.area_m2)
        if n_cells
        else float("nan"),
    }


def _inside(geom: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return which points (metres) lie inside or on the boundary of ``geom``."""
    shapely.prepare(geom)
    return shapely.intersects_xy(geom, x, y)


def baseline_capture(
    sg: StudyGrid, train_x: np.ndarray, train_y: np.ndarray, test_counts: np.ndarray, n_cells: int
) -> float:
    """Return the test reports captured by the ``n_cells`` cells with most training reports."""
    if n_cells <= 0:
        return 0.0
    train_counts = cell_counts(sg, train_x, train_y)
    return float(test_counts[top_cells(train_counts, n_cells)].sum())
