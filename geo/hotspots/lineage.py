"""Stable hot spot identities across runs: match new polygons to earlier ones by overlap."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import shapely

MIN_OVERLAP = 0.25


def overlap(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Return intersection area ÷ the smaller of the two areas (0 … 1).

    Parameters
    ----------
    a, b : shapely.Geometry
        Polygons in the same projected CRS (metres).
    """
    small = min(a.area, b.area)
    if small <= 0:
        return 0.0
    return float(a.intersection(b).area / small)


def match_lineages(
    new: Sequence[shapely.Geometry],
    previous: Sequence[tuple[Hashable, shapely.Geometry]],
    *,
    min_overlap: float = MIN_OVERLAP,
) -> list[Hashable | None]:
    """Give each new polygon the identity of the earlier polygon it overlaps most.

    Matching is one-to-one and greedy on decreasing overlap (ties by position), so two new
    hot spots never inherit the same identity and a split keeps the identity on the larger
    share. The overlap measure is intersection ÷ smaller area, so a hot spot that grew or
    shrank around the same core keeps its identity.

    Parameters
    ----------
    new : sequence of shapely.Geometry
        Polygons of the current run, metres (projected CRS).
    previous : sequence of (identity, shapely.Geometry)
        Earlier hot spots with their identities, same CRS. If an identity occurs more
        than once, its first entry wins (pass the most recent first).
    min_overlap : float, default 0.25
        Smallest overlap accepted as the same place.

    Returns
    -------
    list
        For each new polygon the inherited identity, or None for a new place.
    """
    seen: set[Hashable] = set()
    prev: list[tuple[Hashable, shapely.Geometry]] = []
    for ident, geom in previous:
        if ident not in seen:
            seen.add(ident)
            prev.append((ident, geom))
    result: list[Hashable | None] = [None] * len(new)
    if not new or not prev:
        return result
    tree = shapely.STRtree([g for _, g in prev])
    pairs = []
    for i, geom in enumerate(new):
        for j in tree.query(geom, predicate="intersects"):
            ov = overlap(geom, prev[int(j)][1])
            if ov >= min_overlap:
                pairs.append((-ov, i, int(j)))
    pairs.sort()
    used_new, used_prev = set(), set()
    for _, i, j in pairs:
        if i in used_new or j in used_prev:
            continue
        used_new.add(i)
        used_prev.add(j)
        result[i] = prev[j][0]
    return result
