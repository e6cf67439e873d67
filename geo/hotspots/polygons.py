"""Hot spot outlines from member points (metres): compact cell outlines or concave hulls.

The default outline spends area only where the reports are: the union of the scan's 25 m
grid cells holding a member report, smoothed for display by a closing (+r, then −r, with
r = 0.45 cell) that fills notches and joins cells touching at a corner but never bridges
an empty cell. A concave hull + 10 m (the earlier outline) stretched along streets and
across empty ground between a spot's reports; at equal area that halved the PAI against a
25 m prior-counts grid (issue 16). The flagged area of a hot spot is its outline's area.
"""

from __future__ import annotations

import numpy as np
import shapely

DEFAULT_BUFFER_M = 10.0
DEFAULT_HULL_RATIO = 0.3
OUTLINE_CELL_M = 25.0
OUTLINES = ("cells", "hull")
DEFAULT_OUTLINE = "cells"
# Below half a cell, so two cells with an empty one between them stay apart.
CLOSE_SHARE = 0.45


def cell_outline(
    x: np.ndarray,
    y: np.ndarray,
    *,
    cell_m: float = OUTLINE_CELL_M,
    close_m: float | None = None,
) -> shapely.Polygon | shapely.MultiPolygon:
    """Return the union of the grid cells holding the points, closed for display.

    Parameters
    ----------
    x, y : numpy.ndarray
        Member point coordinates in metres (projected CRS).
    cell_m : float, default 25
        Cell side in metres; cells are aligned to multiples of ``cell_m`` like the scan's.
    close_m : float, optional
        Closing radius in metres (default 0.45 cell): fills notches and joins cells that
        touch at a corner, never an empty cell between two occupied ones.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        In the same projected CRS (metres); every point lies inside or on the boundary.
        Depends only on the set of occupied cells.
    """
    if x.size == 0:
        raise ValueError("a hot spot needs at least one point")
    if cell_m <= 0:
        raise ValueError("cell_m must be positive")
    r = CLOSE_SHARE * cell_m if close_m is None else float(close_m)
    ix = np.floor(np.asarray(x, dtype=np.float64) / cell_m)
    iy = np.floor(np.asarray(y, dtype=np.float64) / cell_m)
    cells = np.unique(np.column_stack([ix, iy]), axis=0)
    boxes = shapely.box(cells[:, 0] * cell_m, cells[:, 1] * cell_m,
                        (cells[:, 0] + 1) * cell_m, (cells[:, 1] + 1) * cell_m)
    # Grid cells share whole edges and never overlap: a coverage union is exact and faster.
    shape = shapely.coverage_union_all(boxes)
    if r > 0 and cells.shape[0] > 1:
        closed = shapely.buffer(shapely.buffer(shape, r, quad_segs=4), -r, quad_segs=4)
        # The closing never removes a cell; union guards against rounding at the edges.
        shape = shapely.union(closed, shape)
    # Drop the collinear vertices the buffers leave along straight cell edges.
    return shapely.normalize(shapely.simplify(shapely.make_valid(shape), 0.01))


def outline(x: np.ndarray, y: np.ndarray, style: str = DEFAULT_OUTLINE, *,
            buffer_m: float | None = None,
            cell_m: float = OUTLINE_CELL_M) -> shapely.Polygon | shapely.MultiPolygon:
    """Return the outline of member points (metres) in ``style`` ``cells`` or ``hull``."""
    if style == "cells":
        return cell_outline(x, y, cell_m=cell_m)
    if style == "hull":
        return hotspot_polygon(x, y, buffer_m=DEFAULT_BUFFER_M if buffer_m is None else buffer_m)
    raise ValueError(f"unknown outline {style!r}; choose {', '.join(OUTLINES)}")


def hotspot_polygon(
    x: np.ndarray,
    y: np.ndarray,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    ratio: float = DEFAULT_HULL_RATIO,
) -> shapely.Polygon | shapely.MultiPolygon:
    """Return a buffered concave hull around member points (the ``hull`` outline).

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
