"""Charts and the static hot spot map as PNG (matplotlib, Agg canvas; no display needed)."""

from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from shapely.geometry import shape

from est import format as sv
from est.lagesbild.suppress import Hidden
from est.models.hotspots import CLASS_COLOURS, CLASS_LABELS, HOTSPOT_CLASSES

KIND_COLOURS = {"incident": "#1f4e79", "otrygghet": "#c0392b"}
DPI = 110


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def _height(v) -> float:
    """Return a bar height: hidden, missing ("saknas") and empty values are drawn as zero."""
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0


def _label(v, k: int) -> str:
    if isinstance(v, Hidden):
        return v.label(k)
    return sv.number(v) if isinstance(v, int | float) else str(v or "")


def monthly_by_kind(months: list[str], series: dict[str, list], labels: dict[str, str],
                    k: int) -> bytes:
    """Stacked bars per month and kind; hidden values are drawn as zero and marked."""
    fig = Figure(figsize=(7.5, 3.2))
    ax = fig.add_subplot()
    bottom = [0.0] * len(months)
    for kind, values in series.items():
        heights = [_height(v) for v in values]
        ax.bar(months, heights, bottom=bottom, label=labels.get(kind, kind),
               color=KIND_COLOURS.get(kind, "#888888"))
        for i, v in enumerate(values):
            if isinstance(v, Hidden):
                ax.annotate(v.label(k), (i, bottom[i]), ha="center", va="bottom", fontsize=7)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylabel("Rapporter")
    ax.legend(loc="upper left", fontsize=8)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def compare_categories(labels: list[str], now: list, before: list, last_year: list,
                       k: int) -> bytes:
    """Horizontal bars per category: this period, the previous period, last year."""
    fig = Figure(figsize=(7.5, 0.45 * max(len(labels), 3) + 1))
    ax = fig.add_subplot()
    y = list(range(len(labels)))
    for offset, values, name, colour in (
        (-0.27, now, "Perioden", "#1f4e79"),
        (0.0, before, "Föregående period", "#7fa7d0"),
        (0.27, last_year, "Samma period i fjol", "#c8c8c8"),
    ):
        heights = [_height(v) for v in values]
        ax.barh([i + offset for i in y], heights, height=0.25, label=name, color=colour)
        for i, v in enumerate(values):
            if isinstance(v, Hidden):
                ax.annotate(v.label(k), (0, i + offset), va="center", fontsize=6)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Rapporter")
    ax.legend(fontsize=7, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def weekday_hour(matrix: list[list], weekdays: list[str], hours: list[str], k: int) -> bytes:
    """Heat map of weekday × time of day; hidden cells are grey and labelled."""
    fig = Figure(figsize=(7.5, 3.0))
    ax = fig.add_subplot()
    values = [[_height(v) for v in row] for row in matrix]
    top = max((v for row in values for v in row), default=0) or 1
    ax.imshow(values, cmap="Reds", vmin=0, vmax=top, aspect="auto")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            text = _label(v, k)
            colour = "white" if _height(v) > 0.6 * top else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(len(hours)), hours, fontsize=7)
    ax.set_yticks(range(len(weekdays)), weekdays, fontsize=8)
    return _png(fig)


def bars(labels: list[str], values: list, k: int, colour: str = "#c0392b",
         xlabel: str = "Rapporter") -> bytes:
    """Simple horizontal bars (e.g. otrygghet reasons)."""
    fig = Figure(figsize=(7.0, 0.4 * max(len(labels), 3) + 0.8))
    ax = fig.add_subplot()
    ax.barh(range(len(labels)), [_height(v) for v in values], color=colour)
    for i, v in enumerate(values):
        ax.annotate(_label(v, k), (_height(v), i),
                    va="center", fontsize=7, xytext=(3, 0), textcoords="offset points")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def hotspot_map(outline: dict | None, districts: list[dict], hotspots: list[dict]) -> bytes:
    """Static map: area outline, districts and hot spot polygons coloured by class (WGS84).

    ``hotspots`` are GeoJSON features with ``rank`` and ``class`` properties. The y axis is
    stretched by 1/cos(latitude) so shapes keep their proportions; no tiles are needed.
    """
    fig = Figure(figsize=(7.5, 6.0))
    ax = fig.add_subplot()

    def draw(geom, **kw):
        polys = getattr(geom, "geoms", [geom])
        for p in polys:
            xs, ys = p.exterior.xy
            if kw.get("fill"):
                ax.fill(xs, ys, color=kw["color"], alpha=0.55, lw=0)
            ax.plot(xs, ys, color=kw.get("edge", kw["color"]), lw=kw.get("lw", 1))

    lat0 = 59.0
    if outline:
        g = shape(outline)
        draw(g, color="#1f3a93", lw=1.2)
        lat0 = g.centroid.y
    for d in districts:
        draw(shape(d["geometry"]), color="#9aa5b1", lw=0.6)
    for f in hotspots:
        g = shape(f["geometry"])
        klass = f["properties"].get("class")
        draw(g, color=CLASS_COLOURS.get(klass, "#555555"), fill=True, lw=0.8)
        c = g.representative_point()
        ax.annotate(str(f["properties"]["rank"]), (c.x, c.y), fontsize=8, weight="bold",
                    xytext=(4, 4), textcoords="offset points")
    if hotspots:  # zoom to the hot spots with a margin, the outline stays as context
        xs = [b for f in hotspots for b in shape(f["geometry"]).bounds[0::2]]
        ys = [b for f in hotspots for b in shape(f["geometry"]).bounds[1::2]]
        pad_x = max(0.01, (max(xs) - min(xs)) * 0.15)
        pad_y = max(0.005, (max(ys) - min(ys)) * 0.15)
        ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
        ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    ax.set_aspect(1 / math.cos(math.radians(lat0)))
    ax.set_xticks([])
    ax.set_yticks([])
    handles = [ax.plot([], [], "s", color=CLASS_COLOURS[k], label=CLASS_LABELS[k])[0]
               for k in HOTSPOT_CLASSES]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    return _png(fig)
