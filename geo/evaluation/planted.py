"""Planted hot spots: seeded synthetic reports with the truth, and recall/precision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
