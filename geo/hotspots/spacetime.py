"""Space-time classes of hot spots: a review window compared with the weeks before it.

In the spirit of emerging hot spot analysis, with rules a coordinator can check by hand:

1. Detect hot spots on the review window R (default the last 7 days) and, separately, on the
   baseline B (the ``baseline_weeks`` whole weeks before R, default 12).
2. A *place* is each hot spot of R, plus each hot spot of B that overlaps no hot spot of R
   (its B polygon is used). A place is *hot now* if it comes from R and *hot before* if an R
   hot spot overlaps a B hot spot (or it comes from B).
3. Inside each place's region (its polygon, united with the overlapping baseline polygons
   so neither period's own outline favours it) count the reports of R (``n_now``) and of
   every baseline week (``weekly``); ``mean`` is the baseline weekly mean scaled to the
   length of R, and ``e`` the local background expectation per week in the polygon (from
   the detector).
   A baseline week is *elevated* when it holds at least ``max(1, 2 e)`` reports, and a
   *burst* when it holds at least ``max(3, 2 e)`` reports with Poisson P(X ≥ n | e) < 0.01.
4. Classes, checked in this order:

   - ``new``: hot now, not hot before, and no burst week in the baseline;
   - ``sporadic``: hot now and not hot before but with a burst week in the baseline; or hot
     before with elevated weeks in fewer than half of the baseline weeks (on and off);
   - ``intensifying``: hot before, and ``n_now ≥ 1.5 mean`` with P(X ≥ n_now | mean) < 0.05;
   - ``diminishing``: hot before, and ``n_now ≤ mean / 1.5`` with P(X ≤ n_now | mean) < 0.05;
   - ``persistent``: every other place hot before (elevated in at least half of the
     baseline weeks, and neither intensifying nor diminishing).

Coordinates are metres in the point set's projected CRS; times are UTC ``datetime64``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import stats

from geo.hotspots.detect import Hotspot, PointSet, cluster, describe, make_hotspot

CLASSES = ("new", "persistent", "intensifying", "diminishing", "sporadic")
WEEK = np.timedelta64(7 * 24 * 3600, "s")


@dataclass
class SpaceTimeResult:
    """Classified places of one review window."""

    method: str
    params: dict
    hotspots: list[Hotspot]
    start: np.datetime64
    end: np.datetime64
    baseline_weeks: int


def classify(
    points: PointSet,
    start: np.datetime64,
    end: np.datetime64,
    *,
    baseline_weeks: int = 12,
    method: str = "default",
    params: dict | None = None,
    tz: str = "Europe/Stockholm",
) -> SpaceTimeResult:
    """Detect hot spots in the review window ``[start, end)`` and classify them.

    Parameters
    ----------
    points : PointSet
        Reports with times (UTC); points outside the review window and its baseline are
        ignored.
    start, end : numpy.datetime64
        Review window (UTC), end exclusive.
    baseline_weeks : int, default 12
        Whole weeks before ``start`` to compare with; 0 means no classes (all ``None``).
    method, params :
        Detection method and parameters (see :func:`geo.hotspots.detect.detect`).
    tz : str
        Time zone for weekday/hour statistics.

    Returns
    -------
    SpaceTimeResult
        One hot spot per place with ``klass`` set and ``extra`` holding ``n_now``,
        ``weekly`` (baseline counts, oldest first), ``hot_now`` and ``hot_before``. The
        statistics (categories, kinds, weekdays, hours, first/last) cover the review window
        for places hot now and the baseline for the others; ``count`` is always ``n_now``.
    """
    if points.t is None:
        raise ValueError("space-time classes need report times")
    start = start.astype("datetime64[s]")
    end = end.astype("datetime64[s]")
    if end <= start:
        raise ValueError("the review window must end after it starts")
    baseline_weeks = int(baseline_weeks)
    b_start = start - baseline_weeks * WEEK
    in_r = (points.t >= start) & (points.t < end)
    in_b = (points.t >= b_start) & (points.t < start)
    pr, pb = points.subset(in_r), points.subset(in_b)
    cl_r = cluster(pr, method, params)
    hot_r = describe(pr, cl_r, tz=tz)
    if baseline_weeks <= 0:
        return SpaceTimeResult(method, cl_r.params, _reindex(hot_r, np.flatnonzero(in_r)),
                               start, end, 0)
    hot_b = describe(pb, cluster(pb, method, params), tz=tz)
    r_weeks = (end - start) / WEEK

    places: list[tuple[Hotspot, bool, bool, float, shapely.Geometry]] = []
    b_polys = [h.polygon_m for h in hot_b]
    b_tree = shapely.STRtree(b_polys) if b_polys else None
    matched_b: set[int] = set()
    for h in hot_r:
        hits = [] if b_tree is None else list(b_tree.query(h.polygon_m, predicate="intersects"))
        matched_b.update(int(i) for i in hits)
        e_week = h.expected / r_weeks if r_weeks > 0 else 0.0
        if hits:
            e_week = max(e_week, max(hot_b[i].expected for i in hits) / baseline_weeks)
        # Count in the union with the matching baseline polygons: the review polygon alone is
        # drawn around this week's reports and would make every place look intensifying.
        region = shapely.union_all([h.polygon_m, *(hot_b[i].polygon_m for i in hits)])
        places.append((_reindex([h], np.flatnonzero(in_r))[0], True, bool(hits), e_week,
                       region))
    for i, h in enumerate(hot_b):
        if i not in matched_b:
            places.append((_reindex([h], np.flatnonzero(in_b))[0], False, True,
                           h.expected / baseline_weeks, h.polygon_m))

    week_of = (np.floor((pb.t - b_start) / WEEK).astype(np.int64) if len(pb)
               else np.zeros(0, dtype=np.int64))
    out = []
    for h, hot_now, hot_before, e_week, poly in places:
        inside_r = shapely.intersects_xy(poly, pr.x, pr.y)
        inside_b = shapely.intersects_xy(poly, pb.x, pb.y)
        weekly = np.bincount(week_of[inside_b], minlength=baseline_weeks)[:baseline_weeks]
        n_now = int(inside_r.sum())
        klass = class_of(n_now, weekly, r_weeks, e_week, hot_now, hot_before)
        if not hot_now:
            # Describe the place by its baseline reports, but count the review window.
            h = make_hotspot(points, np.flatnonzero(in_b)[inside_b], h.polygon_m, h.expected,
                             h.z, tz)
        h.count = n_now
        h.klass = klass
        h.extra = {"n_now": n_now, "weekly": [int(v) for v in weekly],
                   "hot_now": hot_now, "hot_before": hot_before,
                   "expected_per_week": float(e_week)}
        out.append(h)
    out.sort(key=lambda h: (CLASSES.index(h.klass), -h.count, h.centroid))
    return SpaceTimeResult(method, cl_r.params, out, start, end, baseline_weeks)


def class_of(
    n_now: int, weekly: np.ndarray, r_weeks: float, e_week: float, hot_now: bool,
    hot_before: bool,
) -> str:
    """Return the class of one place from its counts (rules in the module docstring).

    Parameters
    ----------
    n_now : int
        Reports in the place during the review window.
    weekly : numpy.ndarray
        Reports in the place per baseline week.
    r_weeks : float
        Length of the review window in weeks.
    e_week : float
        Background reports expected per week in the place.
    hot_now, hot_before : bool
        Whether the place is a hot spot in the review window / in the baseline.
    """
    weekly = np.asarray(weekly, dtype=np.float64)
    k = max(1, weekly.size)
    mean = float(weekly.sum()) / k * r_weeks
    floor = max(e_week * r_weeks, 1e-9)
    elevated = weekly >= max(1.0, 2 * e_week)
    burst = (weekly >= max(3.0, 2 * e_week)) & (
        stats.poisson.sf(weekly - 1, max(e_week, 1e-9)) < 0.01
    )
    if hot_before:
        if elevated.sum() < k / 2:
            return "sporadic"
        ref = max(mean, floor)
        if n_now >= 1.5 * ref and stats.poisson.sf(n_now - 1, ref) < 0.05:
            return "intensifying"
        if n_now <= ref / 1.5 and stats.poisson.cdf(n_now, ref) < 0.05:
            return "diminishing"
        return "persistent"
    if hot_now:
        return "sporadic" if burst.any() else "new"
    raise ValueError("a place is hot now, hot before, or both")


def _reindex(hotspots: list[Hotspot], index: np.ndarray) -> list[Hotspot]:
    """Map member indices of a subset back to the full point set."""
    for h in hotspots:
        h.members = index[h.members]
    return hotspots
