"""Hot spot detection: methods, polygons, statistics, space-time classes and lineages.

Everything here works on NumPy arrays and Shapely geometries in a projected CRS (metres);
WGS84 appears only at the edges (input points, output polygons).
"""

from geo.hotspots.clusters import Clusters
from geo.hotspots.detect import (
    DEFAULT_METHOD,
    METHODS,
    Detection,
    Hotspot,
    PointSet,
    cluster,
    describe,
    detect,
    resolve_method,
)
from geo.hotspots.lineage import match_lineages
from geo.hotspots.spacetime import CLASSES, SpaceTimeResult, classify

__all__ = [
    "CLASSES",
    "DEFAULT_METHOD",
    "METHODS",
    "Clusters",
    "Detection",
    "Hotspot",
    "PointSet",
    "SpaceTimeResult",
    "classify",
    "cluster",
    "describe",
    "detect",
    "match_lineages",
    "resolve_method",
]
