"""Greedy label placement for printed maps: no two labels overlap, none covers a marker.

Labels are placed in order (the most important first). Each tries eight positions around its
anchor (right, left, above, below, then the corners), then the same eight twice as far out
with a leader line back to the anchor; a label with no free position is left out (the map's
numbered badge and the table still name the place). Units are pixels; y grows upwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Unit directions (dx, dy) in order of preference: beside, above/below, then corners.
DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels (x0 < x1, y0 < y1)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        """Return True when the two boxes share any area (touching edges do not count)."""
        return (self.x0 < other.x1 and other.x0 < self.x1
                and self.y0 < other.y1 and other.y0 < self.y1)

    def inside(self, frame: Box) -> bool:
        """Return True when the box lies within ``frame``."""
        return (self.x0 >= frame.x0 and self.y0 >= frame.y0
                and self.x1 <= frame.x1 and self.y1 <= frame.y1)


@dataclass(frozen=True)
class Placed:
    """Where a label went: its box and whether it needs a leader line to its anchor."""

    box: Box
    leader: bool = False


def _candidate(x: float, y: float, w: float, h: float, dx: int, dy: int,
               gap: float) -> Box:
    # Put the label's nearest edge (or corner) ``gap`` pixels from the anchor.
    cx = x + dx * (gap + w / 2)
    cy = y + dy * (gap + h / 2)
    return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def place_labels(anchors: Sequence[tuple[float, float]], sizes: Sequence[tuple[float, float]],
                 frame: Box, obstacles: Sequence[Box] = (), gap: float = 6.0,
                 marker: float = 8.0) -> list[Placed | None]:
    """Place one label per anchor so that no two labels overlap.

    Parameters
    ----------
    anchors : (x, y) points in pixels, most important first.
    sizes : (width, height) of each label in pixels.
    frame : the drawable area; every label lies fully inside it.
    obstacles : boxes no label may cover (legend, note, attribution).
    gap : distance in pixels between an anchor and its label (doubled, plus the label's
        height, for a label with a leader line).
    marker : size in pixels of the square kept free around every anchor, so a label never
        hides another place's marker.

    Returns
    -------
    One :class:`Placed` per anchor, or None where no position was free.
    """
    if len(anchors) != len(sizes):
        raise ValueError("one size per anchor")
    half = marker / 2
    markers = [Box(x - half, y - half, x + half, y + half) for x, y in anchors]
    taken = list(obstacles)
    out: list[Placed | None] = []
    for i, ((x, y), (w, h)) in enumerate(zip(anchors, sizes, strict=True)):
        found = None
        others = [m for j, m in enumerate(markers) if j != i]  # a label may touch its own
        for far, spacing in ((False, gap), (True, 3 * gap + h)):
            for dx, dy in DIRECTIONS:
                box = _candidate(x, y, w, h, dx, dy, spacing)
                if (box.inside(frame) and not any(box.overlaps(t) for t in taken)
                        and not any(box.overlaps(m) for m in others)):
                    found = Placed(box, leader=far)
                    break
            if found:
                break
        if found is not None:
            taken.append(found.box)
        out.append(found)
    return out
