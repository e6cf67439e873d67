"""Run a detection method on points and describe each hot spot (polygon, counts, times)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import shapely

from geo.hotspots import methods
from geo.hotspots.clusters import Clusters
from geo.hotspots.polygons import DEFAULT_OUTLINE, as_multipolygon, outline
from geo.hotspots.scan import scan
from geo.hotspots.stats import counts_of, time_profile
from geo.projection import DEFAULT_PROJECTED_CRS, geometry_to_wgs84, to_projected

Detector = Callable[[np.ndarray, np.ndarray, dict | None], Clusters]

METHODS: dict[str, Detector] = {
    "scan": scan,
    "dbscan": methods.dbscan,
    "hdbscan": methods.hdbscan,
    "kde": methods.kde,
    "gistar": methods.gistar,
}
# Chosen by measurement (see README, "Hot spot detection"): the only method that reaches
# recall and precision >= 0.9 at every scale of the planted evaluation without parameters.
DEFAULT_METHOD = "scan"


def resolve_method(method: str | None) -> str:
    """Return the concrete method name for ``method`` (``"default"`` → the default)."""
    name = (method or "default").strip().lower()
    if name == "default":
        return DEFAULT_METHOD
    if name not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose default, {', '.join(METHODS)}")
    return name


@dataclass
class PointSet:
    """Reports as arrays: WGS84 degrees plus their projection in metres.

    Attributes
    ----------
    lon, lat : numpy.ndarray
        Degrees, EPSG:4326.
    x, y : numpy.ndarray
        Metres in ``crs``.
    t : numpy.ndarray of datetime64[s] or None
        Occurrence instants in UTC.
    category, kind : numpy.ndarray of str or None
    crs : int
        The projected CRS of ``x``/``y``.
    timed : numpy.ndarray of bool or None
        Which reports carry a time of day (None = all). Reports dated only to the day or
        month count in places and weeks but never in weekday/hour profiles.
    """

    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    t: np.ndarray | None = None
    category: np.ndarray | None = None
    kind: np.ndarray | None = None
    crs: int = DEFAULT_PROJECTED_CRS
    timed: np.ndarray | None = None

    @classmethod
    def from_lonlat(
        cls, lon, lat, *, crs: int | str = DEFAULT_PROJECTED_CRS, t=None, category=None,
        kind=None, timed=None,
    ) -> PointSet:
        """Validate WGS84 coordinates (degrees) and project them to ``crs`` (metres)."""
        from geo.projection import validate_projected_crs

        code = validate_projected_crs(crs)
        lon = np.asarray(lon, dtype=np.float64).ravel()
        lat = np.asarray(lat, dtype=np.float64).ravel()
        x, y = to_projected(lon, lat, code)
        n = lon.size
        t_arr = None if t is None else np.asarray(t, dtype="datetime64[s]").ravel()
        cat = None if category is None else np.asarray(category, dtype=object).ravel()
        knd = None if kind is None else np.asarray(kind, dtype=object).ravel()
        tmd = None if timed is None else np.asarray(timed, dtype=bool).ravel()
        for name, arr in (("t", t_arr), ("category", cat), ("kind", knd), ("timed", tmd)):
            if arr is not None and arr.size != n:
                raise ValueError(f"{name} has {arr.size} values for {n} points")
        return cls(lon, lat, x, y, t_arr, cat, knd, code, tmd)

    def __len__(self) -> int:
        return int(self.x.size)

    def subset(self, mask: np.ndarray) -> PointSet:
        """Return the points selected by a boolean mask or index array."""

        def pick(a):
            return None if a is None else a[mask]

        return PointSet(self.lon[mask], self.lat[mask], self.x[mask], self.y[mask],
                        pick(self.t), pick(self.category), pick(self.kind), self.crs,
                        pick(self.timed))


@dataclass
class Hotspot:
    """One detected hot spot.

    Attributes
    ----------
    polygon : shapely.MultiPolygon
        WGS84 (EPSG:4326) outline.
    polygon_m : shapely.Geometry
        The same outline in the projected CRS (metres).
    centroid : tuple of float
        (lon, lat) in degrees of the polygon's centroid.
    count : int
        Reports inside the hot spot in the analysed window.
    area_m2 : float
        Polygon area in square metres.
    score : float
        Reports ÷ reports expected from the local background (``nan`` without a model).
    z : float
        Poisson z-score of the count given the expected count.
    expected : float
        Reports expected from the local background.
    by_category, by_kind : dict
        Report counts.
    profile : dict
        Weekday/hour counts in the local time zone, busiest weekdays/hours, first/last
        (see :func:`geo.hotspots.stats.time_profile`).
    members : numpy.ndarray
        Indices of the member reports in the input point set.
    """

    polygon: shapely.MultiPolygon
    polygon_m: shapely.Geometry
    centroid: tuple[float, float]
    count: int
    area_m2: float
    score: float
    z: float
    expected: float
    by_category: dict[str, int]
    by_kind: dict[str, int]
    profile: dict
    members: np.ndarray = field(repr=False)
    klass: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def first(self) -> datetime | None:
        """Return the first report time (UTC) or None."""
        return self.profile.get("first")

    @property
    def last(self) -> datetime | None:
        """Return the last report time (UTC) or None."""
        return self.profile.get("last")


@dataclass
class Detection:
    """Hot spots found by one method run."""

    method: str
    params: dict
    crs: int
    hotspots: list[Hotspot]
    n_points: int


def cluster(points: PointSet, method: str = "default", params: dict | None = None) -> Clusters:
    """Run a detection method on the projected points and return raw clusters.

    Parameters
    ----------
    points : PointSet
        Reports (metres in ``points.crs``).
    method : str
        ``default`` or one of :data:`METHODS`.
    params : dict, optional
        Method parameters in metres / counts (see each method).

    Returns
    -------
    Clusters
    """
    name = resolve_method(method)
    return METHODS[name](points.x, points.y, dict(params or {}))


def detect(
    points: PointSet,
    method: str = "default",
    params: dict | None = None,
    *,
    tz: str = "Europe/Stockholm",
    buffer_m: float | None = None,
    outline_style: str = DEFAULT_OUTLINE,
) -> Detection:
    """Detect hot spots and describe each one.

    Parameters
    ----------
    points : PointSet
        Reports: WGS84 degrees and their projection in metres (``points.crs``).
    method : str, default "default"
        ``default`` (the local Poisson scan) or ``scan``, ``dbscan``, ``hdbscan``, ``kde``,
        ``gistar``.
    params : dict, optional
        Method parameters (metres, counts); missing ones take the method's defaults.
    tz : str, default "Europe/Stockholm"
        Time zone for busiest weekdays and hours.
    buffer_m : float, optional
        Buffer around the concave hull in metres (``hull`` outlines; default 10 m).
    outline_style : str, default "cells"
        ``cells`` (the 25 m cells holding the hot spot's reports, closed for display) or
        ``hull`` (concave hull + ``buffer_m``), see :mod:`geo.hotspots.polygons`.

    Returns
    -------
    Detection
        Hot spots ordered by decreasing report count; polygons in WGS84 and in metres.
    """
    name = resolve_method(method)
    clusters = cluster(points, name, params)
    hotspots = describe(points, clusters, tz=tz, buffer_m=buffer_m, outline_style=outline_style)
    return Detection(name, clusters.params, points.crs, hotspots, len(points))


def describe(
    points: PointSet, clusters: Clusters, *, tz: str = "Europe/Stockholm",
    buffer_m: float | None = None, outline_style: str = DEFAULT_OUTLINE,
) -> list[Hotspot]:
    """Turn cluster labels into described hot spots (polygons computed in metres).

    Parameters
    ----------
    points : PointSet
        The points the clusters were computed on.
    clusters : Clusters
        Labels per point and scores per hot spot.
    tz : str
        Time zone for weekday/hour statistics.
    buffer_m : float, optional
        Buffer around the concave hull, metres (``hull`` outlines).
    outline_style : str, default "cells"
        ``cells`` or ``hull`` (see :func:`geo.hotspots.polygons.outline`).

    Returns
    -------
    list of Hotspot
    """
    labels = clusters.labels
    if clusters.n_clusters == 0:
        return []
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, np.arange(clusters.n_clusters))
    ends = np.searchsorted(sorted_labels, np.arange(clusters.n_clusters), side="right")
    out = []
    for i in range(clusters.n_clusters):
        idx = np.sort(order[starts[i]: ends[i]])
        if idx.size == 0:
            continue
        poly_m = (clusters.outlines[i] if clusters.outlines is not None
                  else outline(points.x[idx], points.y[idx], outline_style, buffer_m=buffer_m))
        out.append(make_hotspot(points, idx, poly_m, float(clusters.expected[i]),
                                float(clusters.z[i]), tz))
    out.sort(key=lambda h: (-h.count, h.centroid))
    return out


def make_hotspot(
    points: PointSet, idx: np.ndarray, poly_m: shapely.Geometry, expected: float, z: float,
    tz: str,
) -> Hotspot:
    """Describe the member reports ``idx`` inside ``poly_m`` (metres) as a :class:`Hotspot`."""
    poly = as_multipolygon(geometry_to_wgs84(poly_m, points.crs))
    c = shapely.centroid(poly_m)
    clon, clat = geometry_to_wgs84(c, points.crs).coords[0]
    count = int(idx.size)
    return Hotspot(
        polygon=poly,
        polygon_m=poly_m,
        centroid=(round(float(clon), 7), round(float(clat), 7)),
        count=count,
        area_m2=float(poly_m.area),
        score=count / expected if expected > 0 else float("nan"),
        z=z,
        expected=expected,
        by_category=counts_of(None if points.category is None else points.category[idx]),
        by_kind=counts_of(None if points.kind is None else points.kind[idx]),
        profile=time_profile(None if points.t is None else points.t[idx], tz,
                             timed=None if points.timed is None else points.timed[idx]),
        members=idx,
    )
