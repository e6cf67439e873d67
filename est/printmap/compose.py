"""Compose a printed map: basemap tiles, area outline, hot spots, otrygga platser, labels.

Drawn with matplotlib (Agg canvas, no display) in Web Mercator (EPSG:3857) so the tiles
fit; input geometries are GeoJSON in WGS84 degrees. Labels are placed by
:func:`est.printmap.labels.place_labels`, so none overlaps another, a marker or the legend.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry import shape

from est import format as sv
from est.models.hotspots import CLASS_COLOURS, CLASS_LABELS, HOTSPOT_CLASSES
from est.printmap.labels import Box, place_labels
from est.printmap.tiles import EARTH_HALF_M, Mosaic, TileSource, mercator

WIDTH_IN, HEIGHT_IN, DPI = 7.5, 6.0, 150
OUTLINE_COLOUR = "#1f3a93"
PLACE_COLOUR = "#6c3483"
MIN_SPAN_M = 1_500.0  # never zoom closer than this (EPSG:3857 metres)
MIN_SHAPE_PX = 12.0  # a hot spot smaller than this on paper also gets a ring in its colour
LABEL_PT = 7.5
SAME_NAME_PX = 150.0
NOTE_UNREACHABLE = "Bakgrundskarta saknas: tile-servern kunde inte nås"


@dataclass
class PrintedMap:
    """A rendered map (PNG) and how its basemap went."""

    png: bytes
    basemap: bool
    note: str | None = None
    labels_placed: int = 0
    labels_skipped: int = 0
    mosaic: Mosaic | None = None


def _merc(geom):
    """Return ``geom`` (WGS84 degrees) in Web Mercator metres."""
    def project(xy: np.ndarray) -> np.ndarray:
        lat = np.clip(xy[:, 1], -85.05112878, 85.05112878)
        return np.column_stack([xy[:, 0] * EARTH_HALF_M / 180.0,
                                np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
                                * EARTH_HALF_M / np.pi])
    return shapely.transform(geom, project)


def _extent(focus, outline, aspect: float) -> tuple[float, float, float, float]:
    geoms = focus or ([outline] if outline is not None else [])
    if not geoms:
        x, y = mercator(15.0, 59.0)
        geoms = [shape({"type": "Point", "coordinates": [x, y]})]
    x0 = min(g.bounds[0] for g in geoms)
    y0 = min(g.bounds[1] for g in geoms)
    x1 = max(g.bounds[2] for g in geoms)
    y1 = max(g.bounds[3] for g in geoms)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max((x1 - x0) * 1.3, MIN_SPAN_M)
    h = max((y1 - y0) * 1.3, MIN_SPAN_M / aspect)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _nice_km(ground_m: float) -> float:
    """Return a round scale-bar length in km at most ``ground_m`` metres long."""
    for km in (20, 10, 5, 2, 1, 0.5, 0.2, 0.1):
        if km * 1000 <= ground_m:
            return km
    return 0.05


def draw_map(outline: dict | None, hotspots: Sequence[dict], places: Sequence[dict] = (),
             source: TileSource | None = None, attribution: str = "",
             districts: Sequence[dict] = ()) -> PrintedMap:
    """Return a printed map of ``hotspots`` and otrygga ``places`` within ``outline``.

    ``outline`` is a GeoJSON geometry and the features are GeoJSON features in WGS84
    degrees; hot spots carry ``rank``, ``class`` and ``name`` properties, places ``name``.
    With a tile ``source`` the basemap comes from the tile server (cached); when it cannot
    be reached the map is drawn without it and says so on the map. Without a source (a map
    built with the data, before any export) the map has no basemap and no note; district
    ``features`` are then drawn as thin grey lines for orientation.
    """
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    width_px, height_px = int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI)
    out_geom = _merc(shape(outline)) if outline else None
    hs = [(f, _merc(shape(f["geometry"]))) for f in hotspots]
    ps = [(f, _merc(shape(f["geometry"]))) for f in places]
    x0, y0, x1, y1 = _extent([g for _, g in hs] + [g for _, g in ps], out_geom,
                             width_px / height_px)
    px_per_m = width_px / (x1 - x0)

    note: str | None = None
    mosaic = None
    if source is not None:
        mosaic = source.mosaic((x0, y0, x1, y1), width_px)
        if mosaic is None:
            note = NOTE_UNREACHABLE
    if mosaic is not None:
        mx0, my0, mx1, my1 = mosaic.extent
        ax.imshow(mosaic.image, extent=(mx0, mx1, my0, my1), interpolation="bilinear",
                  zorder=0)
        ax.fill([x0, x1, x1, x0], [y0, y0, y1, y1], color="white", alpha=0.3, lw=0, zorder=1)
    else:
        ax.fill([x0, x1, x1, x0], [y0, y0, y1, y1], color="#f4f6f7", lw=0, zorder=0)

    def rings(geom):
        for p in getattr(geom, "geoms", [geom]):
            yield p.exterior.xy

    if mosaic is None:
        for d in districts:
            for xs, ys in rings(_merc(shape(d["geometry"]))):
                ax.plot(xs, ys, color="#9aa5b1", lw=0.6, zorder=2)
    if out_geom is not None:
        for xs, ys in rings(out_geom):
            ax.plot(xs, ys, color=OUTLINE_COLOUR, lw=1.6, zorder=2)
    anchors: list[tuple[float, float]] = []
    texts: list[tuple[str, str, str]] = []  # (text, colour, style)
    for f, g in ps:
        for xs, ys in rings(g):
            ax.fill(xs, ys, color=PLACE_COLOUR, alpha=0.18, lw=0, zorder=3)
            ax.plot(xs, ys, color=PLACE_COLOUR, lw=1.2, ls="--", zorder=3)
        c = g.representative_point()
        ax.plot([c.x], [c.y], marker="D", ms=5, color=PLACE_COLOUR, mec="white", zorder=5)
        anchors.append((c.x, c.y))
        texts.append((str(f["properties"].get("name") or "Otrygg plats"), PLACE_COLOUR, "italic"))
    hs_anchor_start = len(anchors)
    for f, g in hs:
        klass = f["properties"].get("class")
        colour = CLASS_COLOURS.get(klass, CLASS_COLOURS[None])
        for xs, ys in rings(g):
            ax.fill(xs, ys, color=colour, alpha=0.45, lw=0, zorder=4)
            ax.plot(xs, ys, color=colour, lw=1.4, zorder=4)
        c = g.representative_point()
        bx0, by0, bx1, by1 = g.bounds
        if max(bx1 - bx0, by1 - by0) * px_per_m < MIN_SHAPE_PX:
            ax.plot([c.x], [c.y], marker="o", ms=15, mfc="none", mec=colour, mew=2.2, zorder=5)
        ax.annotate(str(f["properties"].get("rank", "")), (c.x, c.y), ha="center",
                    va="center", fontsize=7, weight="bold", zorder=7,
                    bbox={"boxstyle": "circle,pad=0.25", "fc": "white", "ec": colour,
                          "lw": 1.6})
        anchors.append((c.x, c.y))
        # The badge shows the rank; the label names the place (the table has both).
        texts.append((str(f["properties"].get("name") or f"Hot spot {f['properties'].get('rank')}"),
                      "#111111", "normal"))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)

    # Legend (only the classes on the map), scale bar, attribution, note: all obstacles.
    present = [k for k in HOTSPOT_CLASSES if any(f["properties"].get("class") == k
                                                 for f in hotspots)]
    handles: list = [Patch(fc=CLASS_COLOURS[k], ec=CLASS_COLOURS[k], alpha=0.6,
                           label=f"Hot spot: {CLASS_LABELS[k]}") for k in present]
    if places:
        handles.append(Line2D([], [], marker="D", ls="--", color=PLACE_COLOUR,
                              label="Otrygg plats"))
    handles.append(Line2D([], [], color=OUTLINE_COLOUR, label="Kommungräns"))
    legend = ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    legend.set_zorder(9)
    renderer = canvas.get_renderer()
    obstacles = [_display_box(legend.get_window_extent(renderer))]

    lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2 / 6378137.0)) - math.pi / 2)
    ground_per_merc = math.cos(math.radians(lat))
    km = _nice_km((x1 - x0) * ground_per_merc * 0.25)
    bar = km * 1000 / ground_per_merc
    sx, sy = x0 + 0.03 * (x1 - x0), y0 + 0.07 * (y1 - y0)
    ax.plot([sx, sx + bar], [sy, sy], color="black", lw=3, solid_capstyle="butt", zorder=8)
    scale = ax.text(sx, sy + 0.012 * (y1 - y0), f"{sv.number(km)} km", fontsize=7, zorder=8,
                    va="bottom")
    credit = ax.text(x0 + 0.01 * (x1 - x0), y0 + 0.012 * (y1 - y0),
                     attribution if mosaic is not None else "", fontsize=6, color="#333",
                     zorder=8, bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})
    obstacles += [_display_box(scale.get_window_extent(renderer)),
                  _display_box(credit.get_window_extent(renderer)),
                  Box(_px(ax, sx, sy)[0], _px(ax, sx, sy)[1] - 3,
                      _px(ax, sx + bar, sy)[0], _px(ax, sx, sy)[1] + 3)]
    if note:
        shown = ax.text(0.5, 0.97, note, transform=ax.transAxes, ha="center", va="top",
                        fontsize=9, weight="bold", color="#7b241c", zorder=10,
                        bbox={"fc": "#fdedec", "ec": "#7b241c", "pad": 4})
        obstacles.append(_display_box(shown.get_window_extent(renderer)))

    font = FontProperties(size=LABEL_PT)
    pad = 2.0
    sizes = []
    for text, _colour, _style in texts:
        w, h, _d = renderer.get_text_width_height_descent(text, font, ismath=False)
        sizes.append((w + 2 * pad, h + 2 * pad))
    pixel_anchors = [_px(ax, x, y) for x, y in anchors]
    # Hot spots first (in rank order), then otrygga platser; a name already written within
    # SAME_NAME_PX is not written again (one "Hallsberg tätort" for a cluster, not six).
    order: list[int] = []
    for i in list(range(hs_anchor_start, len(anchors))) + list(range(hs_anchor_start)):
        if not any(texts[j][0] == texts[i][0]
                   and math.dist(pixel_anchors[j], pixel_anchors[i]) < SAME_NAME_PX
                   for j in order):
            order.append(i)
    obstacles += [Box(x - 9, y - 9, x + 9, y + 9)  # unlabelled markers stay uncovered
                  for i, (x, y) in enumerate(pixel_anchors) if i not in order]
    placed = place_labels([pixel_anchors[i] for i in order], [sizes[i] for i in order],
                          Box(0, 0, width_px, height_px), obstacles, gap=12, marker=18)
    n_placed = 0
    for i, spot in zip(order, placed, strict=True):
        if spot is None:
            continue
        n_placed += 1
        text, colour, style = texts[i]
        cx, cy = (spot.box.x0 + spot.box.x1) / 2, (spot.box.y0 + spot.box.y1) / 2
        inv = ax.transData.inverted()
        dx, dy = inv.transform((cx, cy))
        if spot.leader:
            ax.plot([anchors[i][0], dx], [anchors[i][1], dy], color="#444", lw=0.7, zorder=6)
        ax.text(dx, dy, text, ha="center", va="center", fontsize=LABEL_PT, color=colour,
                style=style, zorder=8,
                bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": pad * 72 / DPI})
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return PrintedMap(buf.getvalue(), basemap=mosaic is not None, note=note,
                      labels_placed=n_placed, labels_skipped=len(texts) - n_placed,
                      mosaic=mosaic)


def _px(ax, x: float, y: float) -> tuple[float, float]:
    px, py = ax.transData.transform((x, y))
    return float(px), float(py)


def _display_box(bbox) -> Box:
    return Box(float(bbox.x0), float(bbox.y0), float(bbox.x1), float(bbox.y1))


def crowded(features: Sequence[dict], share: float = 0.03, least: int = 3) -> list[int]:
    """Return the indices of the largest group of at least ``least`` features that would
    crowd together on a map of them all (within ``share`` of that map's width of one of
    them), or [] when none does (or all of them would: the map is then a detail already).
    Features are GeoJSON in WGS84 degrees, most important first; the group is what a detail
    map should show."""
    points = [_merc(shape(f["geometry"])).representative_point() for f in features]
    if len(points) < least:
        return []
    xs, ys = [p.x for p in points], [p.y for p in points]
    reach = share * max(max(xs) - min(xs), (max(ys) - min(ys)) * WIDTH_IN / HEIGHT_IN, 1.0)
    best: list[int] = []
    for p in points:
        group = [j for j, q in enumerate(points) if math.dist((p.x, p.y), (q.x, q.y)) <= reach]
        if len(group) > len(best):
            best = group
    return best if len(best) >= least and len(best) < len(points) else []
