"""Places from a longer window, activity per week: emerging hot spot classes adapted to places.

A weekly review of a small municipality holds 5–50 reports: too few for any detector to find
a place in one week. So places are found on a longer window (the review week and at least 12
whole weeks before it, extended while the window holds fewer than ``min_reports`` reports,
at most 52 weeks) and each week's activity in them is classified, following ArcGIS's
Emerging Hot Spot Analysis with places instead of bins:

1. A week is *hot* in a place when it holds at least one report and Poisson
   P(X ≥ n | e) < 0.05, with ``e`` the place's background expectation for that week: the
   larger of the detector's local background and the density of a ring 100–400 m around
   the outline over the window, times the outline's area. The review window is the last
   step.
2. ``trend``: Mann–Kendall over the steps' reports per week (p < 0.05).
   A *significant gap* is a run of ``g`` weeks without a hot week that a steady place at the
   place's mean rate would show with probability below 1 % (``q**g`` for the trailing run,
   ``K q**g`` for a run inside the window, ``q`` = P(a week is not hot)).
3. Classes, checked in this order (``final`` = the review window is hot):

   - ``new``: final, and the weeks before were *quiet*: none of them was hot with two or
     more reports, or their reports together are not significant against the background
     of those weeks (a stray report where the background is thin is not a hot spot), or
     their weekly rate is at most a quarter of the run's and each week of the run is
     significant against it;
   - ``consecutive``: final, the last ≥ 2 steps are all hot and the weeks before that run
     were quiet;
   - ``intensifying``: final, and a significant upward trend;
   - ``historical``: not final, and the trailing quiet run is a significant gap (it stopped);
   - ``diminishing``: a significant downward trend;
   - ``oscillating``: final, hot before and after a significant gap (back after a pause);
   - ``persistent``: hot in at least half of the steps (ArcGIS asks 90 % of bins; a place
     with 1–2 reports a week is quiet in a fifth to half of its weeks by chance);
   - ``sporadic``: every other place (on and off).

4. A cluster of the review window's own reports that no place holds is added as a place
   when the detector finds it significant against its surroundings in that window alone; it
   is ``new`` unless an earlier week was hot in its outline.

Coordinates are metres in the point set's projected CRS; times are UTC ``datetime64[s]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import stats

from geo.hotspots.detect import Hotspot, PointSet, cluster, describe, resolve_method
from geo.hotspots.trend import mann_kendall

PLACE_CLASSES = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic",
                 "oscillating", "historical")
WEEK_S = 7 * 24 * 3600
WEEK = np.timedelta64(WEEK_S, "s")
MIN_PRIOR_WEEKS = 12
MAX_PRIOR_WEEKS = 51
MIN_WINDOW_REPORTS = 400
HOT_P = 0.05
TREND_P = 0.05
GAP_P = 0.01
WEEKLY_ALPHA = 0.02
RUN_RATIO = 0.25
RING_M = (100.0, 400.0)


@dataclass
class PlacesResult:
    """Places of one review window and the class of its activity in each.

    ``params`` holds the detector's parameters plus ``window`` (``prior_weeks``,
    ``window_start``, ``reports``) so a page can state what the places were found on.
    """

    method: str
    params: dict
    hotspots: list[Hotspot]
    start: np.datetime64
    end: np.datetime64
    prior_weeks: int
    n_window: int
    n_review: int


def choose_prior_weeks(
    n_review: int, weekly_before: Sequence[int] | np.ndarray, *, min_weeks: int = MIN_PRIOR_WEEKS,
    max_weeks: int = MAX_PRIOR_WEEKS, min_reports: int = MIN_WINDOW_REPORTS,
) -> int:
    """Return how many whole weeks before the review window the places window takes.

    Parameters
    ----------
    n_review : int
        Reports in the review window.
    weekly_before : sequence of int
        Reports per whole week before the review window, the most recent week first (at
        least ``max_weeks`` long if the data reach that far).
    min_weeks, max_weeks : int
        Bounds on the answer; ``min_weeks = 0`` keeps the window to the review window.
    min_reports : int
        The window is extended week by week while it holds fewer reports than this.

    Returns
    -------
    int
        At least ``min_weeks``; more only when the data before reach further back.
    """
    if min_weeks <= 0:
        return 0
    counts = np.asarray(list(weekly_before)[:max_weeks], dtype=np.int64)
    total = n_review + int(counts[:min_weeks].sum())
    k = min_weeks
    # Extend only over weeks that have data: an empty year before a new system adds nothing.
    last_with_data = int(np.flatnonzero(counts)[-1]) + 1 if counts.any() else 0
    while total < min_reports and k < min(max_weeks, last_with_data):
        total += int(counts[k])
        k += 1
    return k


def weekly_counts_before(t: np.ndarray, start: np.datetime64, weeks: int) -> np.ndarray:
    """Return reports per whole week before ``start``, the most recent week first."""
    t = np.asarray(t, dtype="datetime64[s]")
    start = start.astype("datetime64[s]")
    before = t[(t < start) & (t >= start - weeks * WEEK)]
    idx = (start.astype(np.int64) - before.astype(np.int64)) // WEEK_S
    return np.bincount(idx, minlength=weeks)[:weeks]


def emerging(
    points: PointSet,
    start: np.datetime64,
    end: np.datetime64,
    *,
    prior_weeks: int | None = None,
    method: str = "default",
    params: dict | None = None,
    tz: str = "Europe/Stockholm",
    flagger=None,
    keep: Sequence[shapely.Geometry] | None = None,
) -> PlacesResult:
    """Find places on the longer window and classify the review window's activity in them.

    Parameters
    ----------
    points : PointSet
        Reports with times (UTC), metres in ``points.crs``. Reports dated only to the month
        must be left out by the caller (a month is not a week).
    start, end : numpy.datetime64
        Review window ``[start, end)`` in UTC (usually one week).
    prior_weeks : int, optional
        Whole weeks before ``start`` in the places window; None chooses it with
        :func:`choose_prior_weeks` from the data; 0 = detect on the review window only, no
        classes.
    method, params :
        Detection method and parameters (see :func:`geo.hotspots.detect.detect`).
    tz : str
        Time zone of weekday/hour statistics.
    flagger : callable, optional
        ``flagger(points) -> Clusters`` replacing the significance detector on the places
        window (the coverage mode, see :func:`geo.hotspots.coverage.coverage_flagger`).
    keep : sequence of shapely geometries, optional
        Outlines (metres) of the previous run's places (hysteresis, significance mode): a
        place that no place of this window overlaps is kept, with its outline, while it
        still holds a report of a candidate at the scan's relaxed cut (α 0.5, ≥ 3 reports,
        ≥ 1.5 × background; :data:`geo.hotspots.coverage.CANDIDATE_PARAMS`); ``source`` is
        then ``kept``. A place nothing supports any more is clearly outranked and dropped.

    Returns
    -------
    PlacesResult
        Hot spots (one per place) with ``klass``, ``count`` = reports in the review window,
        and ``extra``: ``weekly`` (reports per week before, oldest first), ``hot_weeks``,
        ``expected_per_week``, ``trend_p``, ``source`` (``window`` or ``week``). Categories
        and time profiles cover the place's reports in the whole window.
    """
    if points.t is None:
        raise ValueError("weekly places need report times")
    start = start.astype("datetime64[s]")
    end = end.astype("datetime64[s]")
    if end <= start:
        raise ValueError("the review window must end after it starts")
    if prior_weeks is None:
        n_rev = int(((points.t >= start) & (points.t < end)).sum())
        prior_weeks = choose_prior_weeks(
            n_rev, weekly_counts_before(points.t, start, MAX_PRIOR_WEEKS))
    prior_weeks = int(prior_weeks)
    w_start = start - prior_weeks * WEEK
    in_w = (points.t >= w_start) & (points.t < end)
    in_r = (points.t >= start) & (points.t < end)
    idx_w = np.flatnonzero(in_w)
    pw = points.subset(in_w)
    r_weeks = float((end - start) / WEEK)
    total_weeks = prior_weeks + r_weeks
    params = dict(params or {})
    if prior_weeks > 0 and resolve_method(method) == "scan":
        # Two scans (the window and the review week alone) share the error budget, so a
        # uniform background gives no place in at least 95 % of weeks.
        params.setdefault("alpha", WEEKLY_ALPHA)
    cl = flagger(pw) if flagger is not None else cluster(pw, method, params)
    places = _reindex(describe(pw, cl, tz=tz), idx_w)
    sources = ["window"] * len(places)
    n_kept = 0
    if keep and flagger is None and resolve_method(method) == "scan" and len(pw):
        kept = _kept_places(pw, keep, places, params, tz)
        n_kept = len(kept)
        places += _reindex(kept, idx_w)
        sources += ["kept"] * n_kept
    if prior_weeks > 0:
        pr = points.subset(in_r)
        cl_r = cluster(pr, method, params)
        week_hot = _reindex(describe(pr, cl_r, tz=tz), np.flatnonzero(in_r))
        held = shapely.union_all([h.polygon_m for h in places]) if places else None
        for h in week_hot:
            if held is not None and h.polygon_m.intersects(held):
                continue
            places.append(h)
            sources.append("week")

    week_of = np.floor((pw.t - w_start) / WEEK).astype(np.int64)
    prior = week_of < prior_weeks
    for h, src in zip(places, sources, strict=True):
        e = max(h.expected / (r_weeks if src == "week" else total_weeks),
                ring_expectation(h.polygon_m, pw.x, pw.y) / total_weeks)
        inside = shapely.intersects_xy(h.polygon_m, pw.x, pw.y)
        weekly = np.bincount(week_of[inside & prior], minlength=prior_weeks)[:prior_weeks]
        n_now = int((inside & ~prior).sum())
        klass, info = (None, {}) if prior_weeks == 0 else place_class(
            weekly, n_now, r_weeks, e)
        h.count = n_now
        h.klass = klass
        h.extra = {"n_now": n_now, "weekly": [int(v) for v in weekly], "source": src,
                   "expected_per_week": float(e), **info}
    places.sort(key=lambda h: (PLACE_CLASSES.index(h.klass) if h.klass else 0, -h.count,
                               h.centroid))
    used = dict(cl.params)
    used["window"] = {"prior_weeks": prior_weeks, "window_start": str(w_start),
                      "reports": int(in_w.sum())}
    used["kept_places"] = n_kept
    return PlacesResult(method, used, places, start, end, prior_weeks, int(in_w.sum()),
                        int(in_r.sum()))


def _kept_places(pw: PointSet, keep: Sequence[shapely.Geometry], places: list[Hotspot],
                 params: dict, tz: str) -> list[Hotspot]:
    """Return the previous places no current place overlaps that a relaxed candidate holds."""
    from geo.hotspots.clusters import poisson_z
    from geo.hotspots.coverage import CANDIDATE_PARAMS
    from geo.hotspots.detect import make_hotspot
    from geo.hotspots.scan import scan

    held = shapely.union_all([h.polygon_m for h in places]) if places else None
    relaxed = scan(pw.x, pw.y, {**params, **CANDIDATE_PARAMS}).labels >= 0
    out: list[Hotspot] = []
    for poly in keep:
        if poly is None or poly.is_empty or (held is not None and poly.intersects(held)):
            continue
        inside = shapely.intersects_xy(poly, pw.x, pw.y)
        if not (inside & relaxed).any():
            continue
        idx = np.flatnonzero(inside)
        e = ring_expectation(poly, pw.x, pw.y)
        z = float(poisson_z(np.array([float(idx.size)]), np.array([e]))[0])
        out.append(make_hotspot(pw, idx, poly, e, z, tz))
        held = poly if held is None else shapely.union(held, poly)
    return out


def ring_expectation(poly: shapely.Geometry, x: np.ndarray, y: np.ndarray,
                     inner_m: float = RING_M[0], outer_m: float = RING_M[1]) -> float:
    """Return the reports expected in ``poly`` at the density of a ring around it.

    Parameters
    ----------
    poly : shapely.Geometry
        The place's outline, metres.
    x, y : numpy.ndarray
        The reports of the period, metres (same CRS).
    inner_m, outer_m : float
        The ring lies between these distances from the outline (the inner gap keeps the
        place's own spill-over out of its background).
    """
    ring = shapely.difference(poly.buffer(outer_m, quad_segs=4), poly.buffer(inner_m,
                                                                             quad_segs=4))
    if ring.area <= 0:
        return 0.0
    shapely.prepare(ring)
    n = int(shapely.contains_xy(ring, x, y).sum())
    return (n + 0.5) / ring.area * poly.area


def _hot_threshold(e: np.ndarray) -> np.ndarray:
    """Return the smallest count that is hot given the background expectation ``e``."""
    e = np.maximum(np.asarray(e, dtype=np.float64), 1e-9)
    c = np.maximum(1.0, stats.poisson.isf(HOT_P, e))
    # isf gives the smallest c with sf(c) <= p; hot needs sf(n - 1) < p, i.e. n >= c + 1
    # unless sf(c - 1) already passes.
    c = np.where(stats.poisson.sf(c - 1, e) < HOT_P, c, c + 1)
    return np.maximum(1.0, c)


def place_class(
    weekly: Sequence[int] | np.ndarray, n_now: int, r_weeks: float, e_week: float,
) -> tuple[str, dict]:
    """Return the class of one place and the figures behind it (rules in the module doc).

    Parameters
    ----------
    weekly : sequence of int
        Reports in the place per whole week before the review window, oldest first.
    n_now : int
        Reports in the place in the review window.
    r_weeks : float
        Length of the review window in weeks.
    e_week : float
        Background reports per week expected in the place.

    Returns
    -------
    klass : str
    info : dict
        ``hot_weeks`` (bool per step, the review window last), ``trend_s``, ``trend_p``.
    """
    counts = np.r_[np.asarray(weekly, dtype=np.float64), float(n_now)]
    lengths = np.r_[np.ones(len(weekly)), r_weeks]
    k = counts.size
    thresh = _hot_threshold(e_week * lengths)
    hot = counts >= thresh
    s, p = mann_kendall(counts / lengths)
    info = {"hot_weeks": [bool(v) for v in hot], "trend_s": s, "trend_p": round(p, 6)}
    final = bool(hot[-1])
    rate = counts.sum() / lengths.sum()
    q = float(stats.poisson.cdf(thresh[0] - 1, rate)) if k > 1 else 1.0

    def significant(gap: int, positions: int) -> bool:
        return gap > 0 and positions * q**gap < GAP_P

    def quiet(upto: int) -> bool:
        # Quiet before: no week with two or more reports was hot, or all of them together
        # are not significant (a stray report where the background is thin is not a spot).
        n = counts[:upto].sum()
        if not (hot[:upto] & (counts[:upto] >= 2)).any():
            return True
        if stats.poisson.sf(n - 1, e_week * lengths[:upto].sum()) >= HOT_P:
            return True
        # An outline drawn around reports in a dense centre holds more background than
        # its area suggests; the run still stands out when it is several times the place's
        # own earlier rate and every week of it is significant against that rate.
        before = n / lengths[:upto].sum()
        run_rates = counts[upto:] / lengths[upto:]
        ref = max(before, e_week)
        return bool(before <= RUN_RATIO * run_rates.mean() and (
            stats.poisson.sf(counts[upto:] - 1, ref * lengths[upto:]) < HOT_P).all())

    if final:
        run_start = k - (int(np.flatnonzero(~hot[::-1])[0]) if not hot.all() else k)
        if 0 < run_start <= k - 2 and quiet(run_start):
            return "consecutive", info
        if quiet(k - 1):
            return "new", info
    if p < TREND_P and s > 0 and final:
        return "intensifying", info
    runs = _quiet_runs(hot)
    if not final and runs and runs[-1][0] + runs[-1][1] == k and hot.any() \
            and significant(runs[-1][1], 1):
        return "historical", info
    if p < TREND_P and s < 0:
        return "diminishing", info
    if final and any(significant(g, k) for a, g in runs if a > 0 and a + g < k):
        return "oscillating", info
    if hot.mean() >= 0.5:
        return "persistent", info
    return "sporadic", info


def _quiet_runs(hot: np.ndarray) -> list[tuple[int, int]]:
    """Return (start, length) of every run of steps that are not hot."""
    runs, i, n = [], 0, hot.size
    while i < n:
        if hot[i]:
            i += 1
            continue
        j = i
        while j < n and not hot[j]:
            j += 1
        runs.append((i, j - i))
        i = j
    return runs


def _reindex(hotspots: list[Hotspot], index: np.ndarray) -> list[Hotspot]:
    """Map member indices of a subset back to the full point set."""
    for h in hotspots:
        h.members = index[h.members]
    return hotspots
