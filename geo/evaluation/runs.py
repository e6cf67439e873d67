"""Runners used by ``est hotspots evaluate`` and ``est hotspots backtest``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import shapely
import shapely.affinity

from geo.evaluation.metrics import _inside, baseline_capture, cell_counts, study_grid
from geo.evaluation.planted import (
    SCALES,
    WEEK_S,
    place_in_crs,
    planted,
    recall_precision,
    spot_discs,
)

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


def cluster_polygons(x: np.ndarray, y: np.ndarray, labels: np.ndarray,
                     style: str = "cells") -> list[shapely.Geometry]:
    """Return one hot spot outline (metres) per label ≥ 0, in label order (product outlines)."""
    from geo.hotspots.polygons import outline

    n = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if n == 0:
        return []
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [outline(x[order[a:b]], y[order[a:b]], style)
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
    coverage: float | None = None,
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
    coverage : float, optional
        Run ``default`` in coverage mode: its strongest places up to this share of the
        study area each week (:func:`geo.hotspots.coverage.coverage`); None = significance.

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
            if coverage is not None and name == "default":
                from geo.hotspots.coverage import coverage as flag_share

                cl = flag_share(x[tr], y[tr], coverage, area_m2=sg.area_m2)
            else:
                cl = run_method(name, x[tr], y[tr])
            # Coverage mode outlines its flagged cells (empty ones beside busy ones too).
            polys = cl.outlines if cl.outlines is not None else cluster_polygons(
                x[tr], y[tr], cl.labels)
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
    """Classify the last planted week in the product's places and check the planted truth.

    Places are found on the whole period and the last week's activity in them classified
    with the product's rules (:func:`geo.hotspots.emerging.emerging`, the 12 weeks before
    the last one). Spots active over the whole period should come out ``persistent``; spots
    planted only in the last week ``new``. The data are placed in SWEREF 99 TM (EPSG:3006).

    Returns
    -------
    list of dict
        Per scale: ``steady`` and ``recent`` spot counts, how many of each got the expected
        class (``steady_ok``, ``recent_ok``), the class counts of all places, and
        ``unmatched`` places touching no planted spot.
    """
    from geo.hotspots.detect import PointSet
    from geo.hotspots.emerging import emerging
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
            res = emerging(points, d.end - np.timedelta64(WEEK_S, "s"), d.end,
                           prior_weeks=d.weeks - 1, method=method)
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
