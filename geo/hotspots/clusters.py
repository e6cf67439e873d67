"""The common result of every detection method: a hot spot label per point plus scores."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats


@dataclass
class Clusters:
    """Hot spot membership of points and one score per hot spot.

    Attributes
    ----------
    labels : numpy.ndarray of int64
        Hot spot number per input point, ``-1`` for points in no hot spot.
    expected : numpy.ndarray
        Expected report count of each hot spot under its local background (NaN if the
        method has no background model).
    z : numpy.ndarray
        A z-score per hot spot (Poisson or Gi*; NaN if not defined).
    params : dict
        The parameters actually used, including data-derived defaults (units in names).
    outlines : list of shapely geometries, optional
        One outline per hot spot (metres) when the method flags cells rather than points
        (coverage mode may flag an empty cell beside busy ones); None = outline the members.
    cells : numpy.ndarray of int64, optional
        Keys of the flagged 25 m cells (:func:`geo.hotspots.grid.pack`), when known.
    """

    labels: np.ndarray
    expected: np.ndarray
    z: np.ndarray
    params: dict = field(default_factory=dict)
    outlines: list | None = None
    cells: np.ndarray | None = None

    @property
    def n_clusters(self) -> int:
        """Return the number of hot spots."""
        return int(self.expected.size)


def empty_clusters(n: int, params: dict | None = None) -> Clusters:
    """Return a result with no hot spots for ``n`` points."""
    return Clusters(
        labels=np.full(n, -1, dtype=np.int64),
        expected=np.zeros(0),
        z=np.zeros(0),
        params=dict(params or {}),
    )


def relabel_by_size(labels: np.ndarray, *extra: np.ndarray, keys: np.ndarray | None = None):
    """Renumber hot spots 0.. by decreasing size, ties broken by ``keys`` (then old label).

    Parameters
    ----------
    labels : numpy.ndarray of int64
        Label per point, -1 for none.
    *extra : numpy.ndarray
        Per-hot-spot arrays indexed by old label, reordered alongside.
    keys : numpy.ndarray, optional
        A per-hot-spot tie-breaker independent of input order (e.g. smallest cell key).

    Returns
    -------
    tuple
        New labels followed by the reordered ``extra`` arrays.
    """
    n = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    sizes = np.bincount(labels[labels >= 0], minlength=n)
    tie = keys if keys is not None else np.arange(n)
    order = np.lexsort((np.arange(n), tie, -sizes))
    remap = np.full(n + 1, -1, dtype=np.int64)
    remap[order] = np.arange(n)
    new = np.where(labels >= 0, remap[np.where(labels >= 0, labels, n)], -1)
    return (new, *[np.asarray(e)[order] for e in extra])


def poisson_z(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Return the normal-equivalent z of the Poisson upper tail P(X >= observed)."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-12)
    logp = stats.poisson.logsf(observed - 1, expected)
    return -stats.norm.ppf(np.exp(np.minimum(logp, 0.0))).clip(-40, 40) if logp.size else logp


def components_by_cluster_scores(
    labels: np.ndarray, x: np.ndarray, y: np.ndarray, rate: np.ndarray, area_m2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return expected counts and Poisson z per hot spot from a uniform background ``rate``.

    Parameters
    ----------
    labels : numpy.ndarray
        Label per point.
    x, y : numpy.ndarray
        Coordinates in metres (unused beyond sizing; kept for symmetry of callers).
    rate : numpy.ndarray
        Background reports per m² for each hot spot.
    area_m2 : float or numpy.ndarray
        Area of each hot spot in m².
    """
    n = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    counts = np.bincount(labels[labels >= 0], minlength=n).astype(np.float64)
    expected = np.asarray(rate) * np.asarray(area_m2)
    return expected, poisson_z(counts, expected)
