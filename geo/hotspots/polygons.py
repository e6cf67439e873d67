"""Tight hot spot polygons from member points (metres), and their conversion to WGS84."""

from __future__ import annotations

import numpy as np
import shapely

DEFAULT_BUFFER_M = 10.0
DEFAULT_HULL_RATIO = 0.3


def hotspot_polygon(
    x: np.ndarray,
    y: np.ndarray,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    ratio: float = DEFAULT_HULL_RATIO,
) -> shapely.Polygon | shapely.MultiPolygon:
    """Return a tight polygon around member points: a buffered concave hull.

    Parameters
    ----------
    x, y : numpy.ndarray
        Member point coordinates in metres (projected CRS).
    buffer_m : float, default 10
        Buffer in metres around the hull, so one point or a line still has an area.
    ratio : float, default 0.3
        Concave hull ratio (0 = tightest, 1 = convex hull), see ``shapely.concave_hull``.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        In the same projected CRS (metres). Depends only on the set of distinct points, not
        on their order.
    """
    if x.size == 0:
        raise ValueError("a hot spot needs at least one point")
    xy = np.unique(np.column_stack([x, y]), axis=0)
    points = shapely.multipoints(xy)
    hull = shapely.concave_hull(points, ratio=ratio) if xy.shape[0] >= 3 else points
    shape = shapely.buffer(hull, buffer_m, quad_segs=4)
    return shapely.normalize(shape)


def as_multipolygon(geom: shapely.Geometry) -> shapely.MultiPolygon:
    """Return ``geom`` as a MultiPolygon (PostGIS ``MULTIPOLYGON`` columns need one)."""
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return shapely.MultiPolygon(polys)
