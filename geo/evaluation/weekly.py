"""Planted data at EST volumes (reports a week) and the scores of the weekly places.

A municipality of 20–200 reports a week: a thin uniform background over a 5 km square with
one evenly dense town centre, steady spots active over the whole period and recent spots that
start 1, 2 or 3 weeks before the end of the review week. Coordinates are metres in a local
frame; :func:`score_weekly` places them in SWEREF 99 TM and runs the product's pipeline
(:func:`geo.hotspots.emerging.emerging`) from WGS84.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity

from geo.evaluation.planted import CATEGORIES, WEEK_S, PlantedSpot, recall_precision, spot_discs

X0, Y0 = 450_000.0, 6_550_000.0  # SWEREF 99 TM, central Sweden
SIDE_M = 5_000.0
CENTRE = (2_500.0, 2_500.0, 700.0)


@dataclass
class WeeklyData:
    """Planted weekly reports: metres (local frame), UTC times, truth."""

    per_week: int
    x: np.ndarray
    y: np.ndarray
    t: np.ndarray
    category: np.ndarray
    steady: list[PlantedSpot]
    recent: list[tuple[PlantedSpot, int]]  # spot, weeks before the end it started
    end: np.datetime64
    weeks: int


def planted_weekly(
    per_week: int, seed: int = 0, *, weeks: int = 26, end: str = "2025-03-31T00:00:00",
    noise_only: bool = False, recent_starts: tuple[int, ...] = (1, 2, 3),
) -> WeeklyData:
    """Generate ``weeks`` weeks of reports at ``per_week`` background reports a week.

    Parameters
    ----------
    per_week : int
        Background reports per week (40 % uniform over the square, 60 % in the centre disc
        of 700 m radius), Poisson per week.
    seed : int
        Random seed.
    weeks : int
        Length of the data in weeks (more than the 13-week window, so sparse data can extend
        it).
    end : str
        End of the last (review) week, UTC.
    noise_only : bool
        Only the uniform background (no centre, no spots).
    recent_starts : tuple of int
        Weeks before the end at which the recent spots start (1 = the review week only).

    Returns
    -------
    WeeklyData
        Four steady spots (two inside the centre) at ``max(1.5, 0.04 per_week)`` reports a
        week and one recent spot per start (the second inside the centre) with
        ``max(6, Poisson(max(8, 0.06 per_week)))`` reports in each active week; σ 15–30 m.
    """
    rng = np.random.default_rng(seed)
    end64 = np.datetime64(end, "s")
    span = weeks * WEEK_S
    xs, ys, ts = [], [], []
    n_bg = int(rng.poisson(per_week * weeks))
    if noise_only:
        xs.append(rng.uniform(0, SIDE_M, n_bg))
        ys.append(rng.uniform(0, SIDE_M, n_bg))
        ts.append(rng.uniform(0, span, n_bg))
    else:
        n_u = int(n_bg * 0.4)
        xs.append(rng.uniform(0, SIDE_M, n_u))
        ys.append(rng.uniform(0, SIDE_M, n_u))
        cx, cy, rad = CENTRE
        rr = rad * np.sqrt(rng.uniform(0, 1, n_bg - n_u))
        th = rng.uniform(0, 2 * np.pi, n_bg - n_u)
        xs.append(cx + rr * np.cos(th))
        ys.append(cy + rr * np.sin(th))
        ts.append(rng.uniform(0, span, n_bg))
    steady: list[PlantedSpot] = []
    recent: list[tuple[PlantedSpot, int]] = []
    if not noise_only:
        centres = _spot_sites(rng, 4 + len(recent_starts))
        rate_s = max(1.5, 0.04 * per_week)
        rate_r = max(8.0, 0.06 * per_week)
        for i, (sx, sy) in enumerate(centres):
            sigma = float(rng.uniform(15, 30))
            if i < 4:
                n = int(rng.poisson(rate_s * weeks))
                lo = 0.0
                steady.append(PlantedSpot(sx, sy, sigma, n, False))
            else:
                k = recent_starts[i - 4]
                # at least a few reports in each active week, so each week is a real flare
                n_weeks = [max(6, int(rng.poisson(rate_r))) for _ in range(k)]
                n = sum(n_weeks)
                lo = span - k * WEEK_S
                recent.append((PlantedSpot(sx, sy, sigma, n, True), k))
                ts.append(np.concatenate([rng.uniform(span - (j + 1) * WEEK_S,
                                                      span - j * WEEK_S, m)
                                          for j, m in enumerate(n_weeks)]))
            xs.append(rng.normal(sx, sigma, n))
            ys.append(rng.normal(sy, sigma, n))
            if i < 4:
                ts.append(rng.uniform(lo, span, n))
    x, y = np.concatenate(xs), np.concatenate(ys)
    t = end64 - np.timedelta64(span, "s") + np.concatenate(ts).astype("timedelta64[s]")
    category = CATEGORIES[rng.integers(0, CATEGORIES.size, x.size)]
    return WeeklyData(per_week, x, y, t, category, steady, recent, end64, weeks)


def _spot_sites(rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    """Return ``n`` spot centres 600 m apart: numbers 0, 2 and 5 inside the centre."""
    cx, cy, rad = CENTRE
    out: list[tuple[float, float]] = []
    while len(out) < n:
        if len(out) in (0, 2, 5):
            r = rad * np.sqrt(rng.uniform(0, 0.8))
            th = rng.uniform(0, 2 * np.pi)
            sx, sy = cx + r * np.cos(th), cy + r * np.sin(th)
        else:
            sx, sy = rng.uniform(300, SIDE_M - 300, 2)
            if np.hypot(sx - cx, sy - cy) < rad + 300:
                continue
        if all(np.hypot(sx - a, sy - b) > 600 for a, b in out):
            out.append((float(sx), float(sy)))
    return out


@dataclass
class WeeklyScore:
    """Scores of one planted weekly data set."""

    per_week: int
    seed: int
    places: int
    correct: int
    steady: int
    steady_found: int
    recent: int
    recent_ok: int
    classes: dict
    prior_weeks: int
    seconds: float


def run_weekly(data: WeeklyData, **kw):
    """Run the product's weekly places on planted data (via WGS84, EPSG:3006)."""
    from geo.hotspots.detect import PointSet
    from geo.hotspots.emerging import emerging
    from geo.projection import to_wgs84

    x, y = data.x + X0, data.y + Y0
    lon, lat = to_wgs84(x, y, 3006)
    points = PointSet(lon, lat, x, y, data.t, data.category, None, 3006)
    return emerging(points, data.end - np.timedelta64(WEEK_S, "s"), data.end, **kw)


def score_weekly(data: WeeklyData, seed: int = 0, **kw) -> WeeklyScore:
    """Score the weekly places: steady spots found, recent ones new/consecutive, precision.

    A place is correct when ≥ 25 % of its outline lies on planted discs (2.5 σ + 25 m) of
    any spot; a steady spot is found when a correct place touches its disc; a recent spot is
    right when a place touching its disc is classed ``new`` or ``consecutive``.
    """
    import time

    t0 = time.perf_counter()
    res = run_weekly(data, **kw)
    seconds = time.perf_counter() - t0
    polys = [shapely.affinity.translate(h.polygon_m, -X0, -Y0) for h in res.hotspots]
    spots = data.steady + [s for s, _ in data.recent]
    _, precision, _, det = recall_precision(polys, spots)
    correct = 0 if det == 0 else int(round(precision * det))
    found = _found(polys, spots, data.steady)
    recent_ok = 0
    for disc in spot_discs([s for s, _ in data.recent]):
        got = {h.klass for h, p in zip(res.hotspots, polys, strict=True) if p.intersects(disc)}
        recent_ok += bool(got & {"new", "consecutive"})
    classes: dict = {}
    for h in res.hotspots:
        classes[h.klass] = classes.get(h.klass, 0) + 1
    return WeeklyScore(data.per_week, seed, det, correct, len(data.steady), found,
                       len(data.recent), recent_ok, classes, res.prior_weeks, seconds)


def _found(polys, spots, targets) -> int:
    """Count ``targets`` touched by a place that is correct against all ``spots``."""
    if not polys or not targets:
        return 0
    union = shapely.union_all(spot_discs(spots))
    good = [p for p in polys if p.area and p.intersection(union).area / p.area >= 0.25]
    return sum(any(p.intersects(d) for p in good) for d in spot_discs(targets))
