"""Mann–Kendall trend test on a short series of counts (the weekly activity of a place)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def mann_kendall(values: np.ndarray) -> tuple[float, float]:
    """Return the Mann–Kendall statistic S and its two-sided p-value.

    The variance is corrected for ties (many weeks of a small place hold the same count),
    and the p-value uses the normal approximation with a continuity correction, as in
    ArcGIS's Emerging Hot Spot Analysis.

    Parameters
    ----------
    values : numpy.ndarray
        The series in time order (e.g. reports per week).

    Returns
    -------
    s, p : float
        ``s > 0`` for an upward trend; ``p = 1`` for fewer than 4 values or a flat series.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    if n < 4:
        return 0.0, 1.0
    s = float(np.sign(v[None, :] - v[:, None])[np.triu_indices(n, 1)].sum())
    _, ties = np.unique(v, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18
    if var <= 0 or s == 0:
        return s, 1.0
    z = (s - np.sign(s)) / np.sqrt(var)
    return s, float(2 * stats.norm.sf(abs(z)))
