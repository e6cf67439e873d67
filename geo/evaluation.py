"""Evaluation built into the product: planted hot spots, recall/precision, PAI/PEI* backtests.

Coordinates are in metres in a projected CRS unless a docstring says otherwise; times are
``datetime64[s]`` in UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import shapely
import shapely.affinity

WEEK_S = 7 * 24 * 3600


@dataclass(frozen=True)
class PlantedSpot:
    """A planted hot spot: centre (m), Gaussian spread (m), reports, and when it is active."""

    x: float
    y: float
    sigma_m: float
    count: int
    recent_only: bool


@dataclass
class PlantedData:
    """Synthetic reports in metres with the truth used to score a detector.

    Attributes
    ----------
    x, y : numpy.ndarray
        Coordinates in metres (a local projected frame; add an offset to place it in a CRS).
    t : numpy.ndarray of datetime64[s]
        Report times (UTC) over ``weeks`` weeks ending at ``end``.
    category, kind : numpy.ndarray of str
    spots : list of PlantedSpot
    centres : list of (x, y, radius_m)
        The evenly dense town centres (not hot spots).
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    t: np.ndarray
    category: np.ndarray
    kind: np.ndarray
    spots: list[PlantedSpot]
    centres: list[tuple[float, float, float]]
    end: np.datetime64
    weeks: int
    side_m: float
    extra: dict = field(default_factory=dict)


SCALES: dict[str, dict] = {
    # name: total reports, study square side (m), number of town centres, planted spots
    "town": {"n": 3_000, "side_m": 6_000.0, "centres": 1, "spots": 8},
    "city": {"n": 30_000, "side_m": 15_000.0, "centres": 4, "spots": 20},
    "metropolis": {"n": 300_000, "side_m": 30_000.0, "centres": 10, "spots": 40},
}

CATEGORIES = np.array(
    ["skadegorelse", "nedskrapning", "belysning", "folksamling", "narkotika", "stold"]
)


def planted(
    scale: str | int = "town",
    seed: int = 0,
    *,
    weeks: int = 13,
    end: str = "2025-03-31T00:00:00",
) -> PlantedData:
    """Generate reports with evenly dense town centres and compact planted hot spots.

    The background is a thin uniform spread over a square study area plus a few evenly
    dense town centres (uniform discs of 400–1200 m radius holding most reports). Hot spots
    are tight Gaussian clusters (σ 15–40 m) placed both inside centres and outside them,
    each holding 4–10 times the reports the local background puts in a 150 m square over
    the spot's active time, and at least ``max(12, n / 10 000)`` reports. A quarter of the
    spots occur only in the last week (``recent_only``).

    Parameters
    ----------
    scale : str or int
        A key of :data:`SCALES` or a total number of reports (spots and centres scale
        with it).
    seed : int
        Random seed; the same seed gives the same data.
    weeks : int
        Length of the period in weeks.
    end : str
        End of the period (UTC, ISO 8601).

    Returns
    -------
    PlantedData
    """
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        cfg = dict(SCALES[scale])
        name = scale
    else:
        n = int(scale)
        side = float(np.clip(6_000 * np.sqrt(n / 3_000), 6_000, 40_000))
        cfg = {
            "n": n,
            "side_m": side,
            "centres": max(1, int(round((side / 6_000) ** 2 / 2.5))),
            "spots": int(np.clip(8 * np.sqrt(n / 3_000), 8, 60)),
        }
        name = f"{n:,}"
    rng = np.random.default_rng(seed)
    n, side = cfg["n"], cfg["side_m"]
    # Town centres: uniform discs, kept apart and inside the square.
    centres: list[tuple[float, float, float]] = []
    while len(centres) < cfg["centres"]:
        rad = float(rng.uniform(400, 1200))
        cx, cy = rng.uniform(rad + 200, side - rad - 200, 2)
        if all(np.hypot(cx - a, cy - b) > rad + r2 + 300 for a, b, r2 in centres):
            centres.append((float(cx), float(cy), rad))
    n_bg = int(n * 0.92)
    n_uniform = int(n_bg * 0.35)
    n_centre = n_bg - n_uniform
    areas = np.array([np.pi * r * r for _, _, r in centres])
    per_centre = rng.multinomial(n_centre, areas / areas.sum())
    xs = [rng.uniform(0, side, n_uniform)]
    ys = [rng.uniform(0, side, n_uniform)]
    for (cx, cy, rad), m in zip(centres, per_centre, strict=True):
        rr = rad * np.sqrt(rng.uniform(0, 1, m))
        th = rng.uniform(0, 2 * np.pi, m)
        xs.append(cx + rr * np.cos(th))
        ys.append(cy + rr * np.sin(th))
    uniform_density = n_uniform / side**2
    centre_density = [m / a for m, a in zip(per_centre, areas, strict=True)]

    def density_at(px: float, py: float) -> float:
        d = uniform_density
        for (cx, cy, rad), cd in zip(centres, centre_density, strict=True):
            if np.hypot(px - cx, py - cy) <= rad:
                d += cd
        return d

    spots: list[PlantedSpot] = []
    budget = n - n_bg
    floor = max(12, n // 10_000)
    for i in range(cfg["spots"]):
        inside = i % 2 == 0
        for _ in range(1000):
            if inside:
                cx, cy, rad = centres[int(rng.integers(len(centres)))]
                rr = rad * np.sqrt(rng.uniform(0, 0.8))
                th = rng.uniform(0, 2 * np.pi)
                sx, sy = cx + rr * np.cos(th), cy + rr * np.sin(th)
            else:
                sx, sy = rng.uniform(300, side - 300, 2)
                if any(np.hypot(sx - a, sy - b) < r + 300 for a, b, r in centres):
                    continue
            if all(np.hypot(sx - s.x, sy - s.y) > 600 for s in spots):
                break
        recent = i % 4 == 3
        bg_window = density_at(sx, sy) * 150.0**2 * ((1 / weeks) if recent else 1.0)
        count = int(max(floor, round(rng.uniform(4, 10) * bg_window)))
        spots.append(PlantedSpot(float(sx), float(sy), float(rng.uniform(15, 40)), count, recent))
    spot_t = []
    for s in spots:
        xs.append(rng.normal(s.x, s.sigma_m, s.count))
        ys.append(rng.normal(s.y, s.sigma_m, s.count))
        spot_t.append((s.count, s.recent_only))
        budget -= s.count
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    end64 = np.datetime64(end, "s")
    span = weeks * WEEK_S
    t_off = rng.uniform(0, span, x.size)
    pos = x.size - sum(c for c, _ in spot_t)
    for count, recent in spot_t:
        if recent:
            t_off[pos : pos + count] = rng.uniform(span - WEEK_S, span, count)
        pos += count
    t = end64 - np.timedelta64(span, "s") + t_off.astype("timedelta64[s]")
    category = CATEGORIES[rng.integers(0, CATEGORIES.size, x.size)]
    kind = np.where(np.isin(category, ["belysning", "folksamling", "nedskrapning"]),
                    "otrygghet", "incident")
    return PlantedData(name, x, y, t, category, kind, spots, centres, end64, weeks, side)


def spot_discs(spots: Sequence[PlantedSpot], k: float = 2.5, pad_m: float = 25.0):
    """Return the planted spots as discs of radius ``k σ + pad_m`` metres (Shapely)."""
    return [shapely.Point(s.x, s.y).buffer(k * s.sigma_m + pad_m) for s in spots]


def recall_precision(
    polygons_m: Sequence[shapely.Geometry], spots: Sequence[PlantedSpot]
) -> tuple[float, float, int, int]:
    """Score detected hot spot polygons against planted spots.

    Each planted spot is a disc of 2.5 σ + 25 m. A hot spot is *correct* when at least a
    quarter of its polygon lies on planted discs, so a polygon swallowing a whole town
    centre that happens to hold a planted spot counts as a false detection. A planted spot
    is *found* when a correct hot spot intersects its disc.

    Parameters
    ----------
    polygons_m : sequence of shapely.Geometry
        Detected hot spot polygons in metres (same frame as the planted data).
    spots : sequence of PlantedSpot

    Returns
    -------
    recall, precision : float
        ``nan`` precision when nothing was detected.
    found, detected : int
    """
    discs = spot_discs(spots)
    if not polygons_m:
        return (0.0 if spots else float("nan")), float("nan"), 0, 0
    polys = list(polygons_m)
    if not discs:
        return float("nan"), 0.0, 0, len(polys)
    union = shapely.union_all(discs)
    share = np.array([p.intersection(union).area / p.area if p.area else 0.0 for p in polys])
    correct = share >= 0.25
    good = [p for p, ok in zip(polys, correct, strict=True) if ok]
    found = 0
    if good:
        tree = shapely.STRtree(good)
        found = np.unique(tree.query(discs, predicate="intersects")[0]).size
    return found / len(spots), float(correct.mean()), int(found), len(polys)


# --- Predictive accuracy -------------------------------------------------------------------


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


# --- Runners used by `est hotspots evaluate` and `est hotspots backtest` --------------------

PLAIN_DBSCAN = {"eps_m": 50.0, "min_samples": 10}
EVAL_METHODS = ("default", "dbscan", "hdbscan", "kde", "gistar", "plain-dbscan")


def run_method(name: str, x: np.ndarray, y: np.ndarray, params: dict | None = None):
    """Run a named method (``plain-dbscan`` = sklearn DBSCAN, eps 50 m, min_samples 10).

    Parameters
    ----------
    name : str
        ``default``, a method of :data:`geo.hotspots.METHODS` or ``plain-dbscan``.
    x, y : numpy.ndarray
        Coordinates in metres.
    params : dict, optional
        Method parameters.

    Returns
    -------
    Clusters
    """
    from geo.hotspots.detect import METHODS, resolve_method

    if name == "plain-dbscan":
        return METHODS["dbscan"](x, y, dict(PLAIN_DBSCAN))
    return METHODS[resolve_method(name)](x, y, params)


def cluster_polygons(x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> list[shapely.Geometry]:
    """Return one hot spot polygon (metres) per label ≥ 0, in label order."""
    from geo.hotspots.polygons import hotspot_polygon

    n = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if n == 0:
        return []
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [hotspot_polygon(x[order[a:b]], y[order[a:b]])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


@dataclass
class EvalRow:
    """Recall and precision of one method on one planted data set."""

    scale: str
    seed: int
    n_points: int
    method: str
    recall: float
    precision: float
    found: int
    planted: int
    detected: int
    seconds: float
    error: str | None = None


def place_in_crs(data: PlantedData, crs: int | str) -> PlantedData:
    """Move planted data to the centre of a projected CRS's area of use, via WGS84.

    The study square is centred on the CRS's area of use, converted to WGS84 longitude and
    latitude and projected back, exactly as real reports reach the detector; the truth moves
    with it. This lets ``est hotspots evaluate --crs EPSG:NNNN`` check the detector in the
    metres of another CRS.

    Parameters
    ----------
    data : PlantedData
        Planted data in local metres (origin at the study square's corner).
    crs : int or str
        A projected CRS with metre units, e.g. 26916.

    Returns
    -------
    PlantedData
        A copy with ``x``, ``y``, spot and centre positions in ``crs`` metres.
    """
    from dataclasses import replace

    from pyproj import CRS

    from geo.projection import to_projected, to_wgs84, validate_projected_crs

    code = validate_projected_crs(crs)
    area_of_use = CRS.from_epsg(code).area_of_use
    if area_of_use is None:
        raise ValueError(f"EPSG:{code} has no area of use to place the planted data in")
    bounds = area_of_use.bounds  # west, south, east, north (degrees)
    cx, cy = to_projected([(bounds[0] + bounds[2]) / 2], [(bounds[1] + bounds[3]) / 2], code)
    dx, dy = float(cx[0]) - data.side_m / 2, float(cy[0]) - data.side_m / 2
    lon, lat = to_wgs84(data.x + dx, data.y + dy, code)
    x, y = to_projected(lon, lat, code)
    return replace(
        data, x=x, y=y,
        spots=[replace(sp, x=sp.x + dx, y=sp.y + dy) for sp in data.spots],
        centres=[(a + dx, b + dy, r) for a, b, r in data.centres],
        extra={**data.extra, "crs": code},
    )


def evaluate(
    scales: Sequence[str | int] = tuple(SCALES),
    seeds: Sequence[int] = (0, 1, 2),
    methods: Sequence[str] = EVAL_METHODS,
    progress: Callable[[EvalRow], None] | None = None,
    crs: int | str | None = None,
) -> list[EvalRow]:
    """Run every method on planted data at every scale and seed, without parameters.

    With ``crs`` the data are first placed in that CRS (see :func:`place_in_crs`).

    Returns
    -------
    list of EvalRow
        A method that refuses the input (e.g. HDBSCAN above its point limit) gets a row
        with ``error`` set and NaN scores.
    """
    import time

    rows = []
    for scale in scales:
        for seed in seeds:
            data = planted(scale, seed)
            if crs is not None:
                data = place_in_crs(data, crs)
            for name in methods:
                t0 = time.perf_counter()
                try:
                    cl = run_method(name, data.x, data.y)
                    polys = cluster_polygons(data.x, data.y, cl.labels)
                except (ValueError, MemoryError) as exc:
                    row = EvalRow(data.name, seed, data.x.size, name, float("nan"),
                                  float("nan"), 0, len(data.spots), 0,
                                  time.perf_counter() - t0, str(exc))
                else:
                    r, p, found, det = recall_precision(polys, data.spots)
                    row = EvalRow(data.name, seed, data.x.size, name, r, p, found,
                                  len(data.spots), det, time.perf_counter() - t0)
                rows.append(row)
                if progress:
                    progress(row)
    return rows


def summarise(rows: Sequence[EvalRow]) -> list[dict]:
    """Pool rows per (scale, method): recall = found ÷ planted, precision pooled likewise."""
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r.scale, r.method)
        s = out.setdefault(key, {"scale": r.scale, "method": r.method, "n_points": 0,
                                 "found": 0, "planted": 0, "detected": 0, "correct": 0.0,
                                 "seconds": 0.0, "runs": 0, "error": None})
        s["runs"] += 1
        s["n_points"] += r.n_points
        s["seconds"] += r.seconds
        if r.error:
            s["error"] = r.error
            continue
        s["found"] += r.found
        s["planted"] += r.planted
        s["detected"] += r.detected
        s["correct"] += 0.0 if np.isnan(r.precision) else r.precision * r.detected
    for s in out.values():
        s["n_points"] //= max(1, s["runs"])
        s["seconds"] /= max(1, s["runs"])
        s["recall"] = s["found"] / s["planted"] if s["planted"] else float("nan")
        s["precision"] = s["correct"] / s["detected"] if s["detected"] else float("nan")
    return list(out.values())


def backtest(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    methods: Sequence[str] = ("default",),
    *,
    train_weeks: int = 52,
    test_weeks: int = 52,
    cell_m: float = 150.0,
    shares: Sequence[float] = (0.01, 0.05),
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[dict], list[dict]]:
    """Replay the last ``test_weeks`` weeks: flag on the ``train_weeks`` before, score the week.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in metres (projected CRS).
    t : numpy.ndarray of datetime64
        Report times (UTC).
    methods : sequence of str
        Methods to flag hot spots with (their polygons' union is the flagged area).
    train_weeks, test_weeks : int
        Training window and number of test weeks (the most recent whole weeks).
    cell_m : float
        Cell of the study grid and of the prior-counts baseline, metres.
    shares : sequence of float
        Area shares at which the prior-counts grid is also reported on its own.

    Returns
    -------
    per_method : list of dict
        ``method``, ``weeks``, ``area_share`` (mean), ``hit_rate`` (pooled captured ÷
        pooled test reports), ``pai`` (hit rate ÷ mean area share), ``pei_star`` (pooled
        captured ÷ pooled best possible with the same number of cells), ``base_hit_rate``
        and ``base_pai`` (prior-counts grid at the same area share each week), ``seconds``.
    baselines : list of dict
        The prior-counts grid at each of ``shares``: ``share``, ``hit_rate``, ``pai``,
        ``pei_star``.
    """
    import time

    t = np.asarray(t, dtype="datetime64[s]")
    sg = study_grid(x, y, cell_m)
    week = np.timedelta64(WEEK_S, "s")
    end = t.max() + np.timedelta64(1, "s")
    test_starts = [end - (i + 1) * week for i in range(test_weeks)][::-1]
    if test_starts[0] - train_weeks * week < t.min():
        raise ValueError(
            f"the data span {str(t.min())[:10]}..{str(t.max())[:10]} is too short for "
            f"{train_weeks} training weeks and {test_weeks} test weeks"
        )
    weeks = []
    for ws in test_starts:
        train = (t >= ws - train_weeks * week) & (t < ws)
        test = (t >= ws) & (t < ws + week)
        weeks.append((np.flatnonzero(train), np.flatnonzero(test)))

    per_method = []
    for name in methods:
        acc = {"captured": 0.0, "test": 0, "share": 0.0, "best": 0.0, "base": 0.0}
        t0 = time.perf_counter()
        for wi, (tr, te) in enumerate(weeks):
            cl = run_method(name, x[tr], y[tr])
            polys = cluster_polygons(x[tr], y[tr], cl.labels)
            geom = shapely.union_all(polys) if polys else None
            area = 0.0 if geom is None else float(geom.area)
            captured = 0.0
            if area > 0 and te.size:
                captured = float(_inside(geom, x[te], y[te]).sum())
            test_counts = cell_counts(sg, x[te], y[te])
            n_cells = int(round(area / cell_m**2))
            acc["captured"] += captured
            acc["test"] += te.size
            acc["share"] += area / sg.area_m2
            acc["best"] += float(np.sort(test_counts)[::-1][:n_cells].sum()) if n_cells else 0.0
            acc["base"] += baseline_capture(sg, x[tr], y[tr], test_counts, n_cells)
            if progress:
                progress(name, wi + 1, len(weeks))
        nw = len(weeks)
        share = acc["share"] / nw
        hit = acc["captured"] / acc["test"] if acc["test"] else float("nan")
        base_hit = acc["base"] / acc["test"] if acc["test"] else float("nan")
        per_method.append({
            "method": name, "weeks": nw, "area_share": share, "hit_rate": hit,
            "pai": hit / share if share > 0 else float("nan"),
            "pei_star": acc["captured"] / acc["best"] if acc["best"] else float("nan"),
            "base_hit_rate": base_hit,
            "base_pai": base_hit / share if share > 0 else float("nan"),
            "seconds": (time.perf_counter() - t0) / nw,
        })

    baselines = []
    for share in shares:
        n_cells = max(1, int(round(share * sg.keys.size)))
        cap = best = 0.0
        total = 0
        for tr, te in weeks:
            test_counts = cell_counts(sg, x[te], y[te])
            cap += baseline_capture(sg, x[tr], y[tr], test_counts, n_cells)
            best += float(np.sort(test_counts)[::-1][:n_cells].sum())
            total += te.size
        real_share = n_cells / sg.keys.size
        hit = cap / total if total else float("nan")
        baselines.append({"share": real_share, "hit_rate": hit, "pai": hit / real_share,
                          "pei_star": cap / best if best else float("nan")})
    return per_method, baselines


class ClassCheck(TypedDict):
    """Outcome of :func:`evaluate_classes` for one scale, summed over the seeds."""

    scale: str | None
    steady: int
    recent: int
    steady_ok: int
    recent_ok: int
    classes: Counter[str | None]
    unmatched: int
    places: int


def evaluate_classes(
    scales: Sequence[str | int] = tuple(SCALES), seeds: Sequence[int] = (0, 1, 2),
    method: str = "default",
) -> list[ClassCheck]:
    """Classify the last planted week against the 12 before and check the planted truth.

    Spots active over the whole period should come out ``persistent``; spots planted only
    in the last week ``new``. The data are placed in SWEREF 99 TM (EPSG:3006).

    Returns
    -------
    list of dict
        Per scale: ``steady`` and ``recent`` spot counts, how many of each got the expected
        class (``steady_ok``, ``recent_ok``), the class counts of all places, and
        ``unmatched`` places touching no planted spot.
    """
    from geo.hotspots.detect import PointSet
    from geo.hotspots.spacetime import classify
    from geo.projection import to_wgs84

    out: list[ClassCheck] = []
    for scale in scales:
        row: ClassCheck = {"scale": None, "steady": 0, "recent": 0, "steady_ok": 0,
                           "recent_ok": 0, "classes": Counter(), "unmatched": 0, "places": 0}
        for seed in seeds:
            d = planted(scale, seed)
            row["scale"] = d.name
            x, y = d.x + 450_000.0, d.y + 6_550_000.0
            lon, lat = to_wgs84(x, y, 3006)
            points = PointSet(lon, lat, x, y, d.t, d.category, d.kind, 3006)
            res = classify(points, d.end - np.timedelta64(WEEK_S, "s"), d.end,
                           baseline_weeks=d.weeks - 1, method=method)
            discs = [shapely.affinity.translate(g, 450_000.0, 6_550_000.0)
                     for g in spot_discs(d.spots)]
            row["places"] += len(res.hotspots)
            row["classes"].update(h.klass for h in res.hotspots)
            for h in res.hotspots:
                if not any(h.polygon_m.intersects(g) for g in discs):
                    row["unmatched"] += 1
            for s, disc in zip(d.spots, discs, strict=True):
                got = {h.klass for h in res.hotspots if h.polygon_m.intersects(disc)}
                if s.recent_only:
                    row["recent"] += 1
                    row["recent_ok"] += got == {"new"}
                else:
                    row["steady"] += 1
                    row["steady_ok"] += got == {"persistent"}
        out.append(row)
    return out
