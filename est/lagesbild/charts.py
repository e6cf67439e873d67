"""Charts and the printed map as PNG (matplotlib, Agg canvas; no display needed)."""

from __future__ import annotations

import dataclasses
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from est import format as sv
from est.lagesbild.model import Chart, Lagesbild
from est.lagesbild.suppress import Hidden
from est.printmap import TileSource, draw_map
from est.printmap.compose import crowded

KIND_COLOURS = {"incident": "#1f4e79", "otrygghet": "#c0392b"}
DPI = 110
MAP_KEY = "chart_hotspot_map"
MAP_TITLE = "Karta över hot spots (brännpunkter) och otrygga platser"


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
    """Static map built with the data: outline, districts and hot spots by class (WGS84).

    No tiles are fetched while building; exports replace this chart with
    :func:`printed_map` (basemap from the tile server, otrygga platser, labelled places).
    """
    return draw_map(outline, hotspots, (), None, districts=districts).png


def printed_map(lb: Lagesbild, source: TileSource | None, attribution: str = "") -> Lagesbild:
    """Return ``lb`` with its map composed for print: basemap tiles from ``source`` (or a
    note that the tile server could not be reached), hot spots, otrygga platser, labels."""
    features = lb.geojson.get("features", [])
    hot = [f for f in features if f["properties"].get("layer") == "hotspot"]
    places = [f for f in features if f["properties"].get("layer") == "otrygghet_place"]
    if not hot and not places:
        return lb
    group = crowded(hot + places)
    if group and source is not None:  # two maps share the export's tile budget
        source = dataclasses.replace(source, max_tiles=source.max_tiles // 2)
    printed = draw_map(lb.outline, hot, places, source, attribution)
    title = f"{MAP_TITLE}. {printed.note}" if printed.note else MAP_TITLE
    chart = Chart(MAP_KEY, title, printed.png,
                  "Karta med hot spots numrerade efter rang och otrygga platser, med namn")
    shown = [chart]
    if group:  # places that pile up on the overview get a detail map of their own
        both = hot + places
        detail = draw_map(lb.outline, [both[i] for i in group if i < len(hot)],
                          [both[i] for i in group if i >= len(hot)], source, attribution)
        name = both[group[0]]["properties"].get("name") or "tätorten"
        shown.append(Chart(MAP_KEY + "_detail", f"Detaljkarta: {name}"
                           + (f". {detail.note}" if detail.note else ""), detail.png,
                           f"Detaljkarta över hot spots och otrygga platser kring {name}"))
    sections, done = [], False
    for s in lb.sections:
        if any(c.key == MAP_KEY for c in s.charts):
            charts: list[Chart] = []
            for c in s.charts:
                charts += shown if c.key == MAP_KEY else [c]
            s = dataclasses.replace(s, charts=charts)
            done = True
        sections.append(s)
    if not done:  # no hot spot map yet (no hot spots): put it with the otrygga platser
        keys = [s.key for s in sections]
        home = "otrygghet" if "otrygghet" in keys else "hotspots" if "hotspots" in keys else None
        sections = [dataclasses.replace(s, charts=[*s.charts, *shown]) if s.key == home else s
                    for s in sections]
    return dataclasses.replace(lb, sections=sections)
