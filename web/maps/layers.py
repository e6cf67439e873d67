"""Folium map builders: one short function per layer, assets served by the app itself."""

from __future__ import annotations

from pathlib import Path

import folium
import shapely
from branca.element import Element, MacroElement
from flask import current_app, url_for
from jinja2 import Template

from est.models.hotspots import CLASS_COLOURS

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'

# Folium asset names → files vendored by scripts/bootstrap under web/static/vendor.
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "markerclusterjs": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "vendor/leaflet.heat/leaflet-heat.js",
}
# Map assets we never use (Bootstrap, jQuery, awesome markers): not loaded at all.
UNUSED_ASSETS = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
                 "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"}


def localise(element):
    """Point an element's JS/CSS at the app's own static files where they are vendored."""
    static = Path(current_app.static_folder or "")
    for attr in ("default_js", "default_css"):
        assets = []
        for name, url in getattr(element, attr, []):
            if name in UNUSED_ASSETS:
                continue
            local = LOCAL_ASSETS.get(name)
            if local and (static / local).exists():
                url = url_for("static", filename=local)
            assets.append((name, url))
        setattr(element, attr, assets)
    return element


def base_map(bounds: list[list[float]] | None = None, **kwargs) -> folium.Map:
    """Return an OpenStreetMap-based map fitted to ``bounds`` ([[south, west], [north, east]])."""
    m = localise(folium.Map(tiles=None, control_scale=True, **kwargs))
    folium.TileLayer(TILES, attr=ATTRIBUTION, name="OpenStreetMap", max_zoom=19).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    return m


def bounds_of(features: list[dict]) -> list[list[float]] | None:
    """Return [[south, west], [north, east]] around the GeoJSON geometries of ``features``."""
    coords = [xy for f in features for xy in _coordinates(f["geometry"]["coordinates"])]
    if not coords:
        return None
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def _coordinates(nested):
    if nested and isinstance(nested[0], int | float):
        yield nested
        return
    for part in nested:
        yield from _coordinates(part)


def add_boundary(m: folium.Map, geometry: dict, name: str) -> None:
    """Draw an area outline without fill."""
    folium.GeoJson(
        {"type": "Feature", "geometry": geometry, "properties": {"name": name}},
        name=name,
        style_function=lambda _f: {"color": "#1f3a93", "weight": 2, "fillOpacity": 0},
        tooltip=name,
    ).add_to(m)


def add_count_cells(m: folium.Map, cells: list[dict], name: str,
                    fields: tuple[tuple[str, str], ...] = (("count", "Rapporter"),
                                                           ("otrygghet", "Otrygghet"))) -> None:
    """Draw grid cells shaded by report count (aggregated: no individual report is shown).

    ``cells`` are dicts with a GeoJSON ``geometry`` and the ``fields`` shown in the tooltip
    (property, Swedish label); the first field shades the cell.
    """
    if not cells:
        return
    key = fields[0][0]
    top = max(c[key] for c in cells) or 1
    features = [
        {"type": "Feature", "geometry": c["geometry"],
         "properties": {**{f: c.get(f, 0) for f, _label in fields}, "shade": c[key] / top}}
        for c in cells
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: {
            "color": "#b03a2e", "weight": 0.5,
            "fillColor": "#c0392b", "fillOpacity": 0.15 + 0.6 * f["properties"]["shade"],
        },
        tooltip=folium.GeoJsonTooltip([f for f, _l in fields], aliases=[a for _f, a in fields]),
    ).add_to(m)


def add_places(m: folium.Map, features: list[dict], name: str, colour: str = "#6c3483") -> None:
    """Draw named places or cells (GeoJSON features with ``name`` and ``count``) as outlines."""
    if not features:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name=name,
        style_function=lambda _f: {"color": colour, "weight": 2, "fillOpacity": 0.2},
        tooltip=folium.GeoJsonTooltip(["name", "count"], aliases=["Plats", "Rapporter"]),
    ).add_to(m)


def add_layer_control(m: folium.Map) -> None:
    """Add the layer switcher."""
    folium.LayerControl(collapsed=True).add_to(m)


class _AfterMap(MacroElement):
    """A script rendered as a child of the map, so it runs after ``L.map`` exists."""

    _template = Template(
        "{% macro script(this, kwargs) %}window.estMap = {{ this._parent.get_name() }};\n"
        "{{ this.js }}\n{% endmacro %}"
    )

    def __init__(self, js: str):
        super().__init__()
        self._name = "AfterMap"
        self.js = js


def after_map(m: folium.Map, js: str) -> None:
    """Run ``js`` once the map exists; the map object is ``window.estMap``."""
    _AfterMap(js).add_to(m)


def embed(m: folium.Map) -> dict[str, str]:
    """Return the pieces to embed a map in our own page: header, body and script HTML."""
    root = m.get_root()
    root.render()
    return {
        "header": root.header.render(),
        "html": root.html.render(),
        "script": root.script.render(),
    }


# -- weekly review layers ------------------------------------------------------------------------

CATEGORY_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                    "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6")

class ReportPoints(folium.FeatureGroup):
    """A feature group of canvas circle markers built in the browser from a compact array."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function (group) {
          var data = {{ this.data|tojson }}, colours = {{ this.colours|tojson }},
              labels = {{ this.labels|tojson }}, renderer = L.canvas({padding: 0.5});
          for (var i = 0; i < data.length; i++) {
            var p = data[i], c = colours[p[2]], otrygg = p[3] === 1;
            L.circleMarker([p[0], p[1]], {
              renderer: renderer, radius: otrygg ? 6 : 5, weight: otrygg ? 3 : 1,
              color: otrygg ? c : "#222", fillColor: otrygg ? "#ffffff" : c,
              fillOpacity: otrygg ? 0.9 : 0.85
            }).bindTooltip(labels[p[2]] + (otrygg ? " (otrygghet)" : "")).addTo(group);
          }
        })({{ this.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, data, colours, labels, name):
        super().__init__(name=name)
        self._name = "ReportPoints"
        self.data, self.colours, self.labels = data, colours, labels


def category_colours(codes: list[str]) -> dict[str, str]:
    """Assign a stable colour to each category code (sorted order)."""
    return {c: CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)] for i, c in enumerate(sorted(codes))}


def add_report_points(m: folium.Map, points: list[tuple[float, float, str, str]],
                      labels: dict[str, str], colours: dict[str, str], name: str) -> None:
    """Draw reports as canvas circle markers from a compact array (light at any count).

    Incidents are filled with the category colour; otrygghet reports are white with a thick
    border in the category colour, so the two kinds are told apart without colour alone.
    """
    codes = sorted({p[2] for p in points})
    index = {c: i for i, c in enumerate(codes)}
    data = [[p[0], p[1], index[p[2]], 1 if p[3] == "otrygghet" else 0] for p in points]
    ReportPoints(data, [colours.get(c, "#333") for c in codes],
                 [labels.get(c, c) for c in codes], name).add_to(m)


def add_heatmap(m: folium.Map, points: list[tuple[float, float]], name: str) -> None:
    """Add a density layer (Leaflet.heat), off by default."""
    from folium.plugins import HeatMap

    if points:
        heat = localise(HeatMap([[p[0], p[1]] for p in points], name=name, radius=18, blur=22,
                                min_opacity=0.3, show=False))
        heat.add_to(m)


def add_hotspots(m: folium.Map, features: list[dict], name: str) -> None:
    """Draw hot spot polygons coloured by class, each with a numbered badge (its rank).

    A hot spot is often smaller than a few pixels when the map shows a whole municipality,
    so the badge keeps it findable at every zoom; the polygon shows its extent up close.
    """
    if not features:
        return
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {
            "color": CLASS_COLOURS.get(f["properties"].get("class"), CLASS_COLOURS[None]),
            "weight": 3, "fillOpacity": 0.25,
            "fillColor": CLASS_COLOURS.get(f["properties"].get("class"), CLASS_COLOURS[None]),
        },
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    ).add_to(group)
    for f in features:
        props = f["properties"]
        if props.get("rank") is None:
            continue
        c = shapely.geometry.shape(f["geometry"]).representative_point()
        colour = CLASS_COLOURS.get(props.get("class"), CLASS_COLOURS[None])
        folium.Marker(
            [c.y, c.x], tooltip=props.get("label"),
            icon=folium.DivIcon(
                html=f'<span class="hs-rank" style="border-color:{colour}">{props["rank"]}</span>',
                icon_size=(24, 24), icon_anchor=(12, 12), class_name="hs-rank-icon"),
        ).add_to(group)
    group.add_to(m)


def add_districts(m: folium.Map, features: list[dict], name: str) -> None:
    """Draw district outlines (dashed, no fill)."""
    if not features:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda _f: {"color": "#34495e", "weight": 1.5, "dashArray": "5 5",
                                   "fillOpacity": 0},
        tooltip=folium.GeoJsonTooltip(["name"], labels=False),
    ).add_to(m)


def add_action_markers(m: folium.Map, actions: list[dict], name: str) -> None:
    """Mark actions at their hot spot (a square marker with the title and status)."""
    if not actions:
        return
    group = folium.FeatureGroup(name=name)
    for a in actions:
        folium.RegularPolygonMarker(
            [a["lat"], a["lon"]], number_of_sides=4, radius=9, rotation=45, weight=2,
            color="#000", fill_color="#f1c40f", fill_opacity=1,
            tooltip=f"Åtgärd: {a['title']} ({a['status']})",
        ).add_to(group)
    group.add_to(m)


def add_legend(m: folium.Map, rows: list[tuple[str, str]], title: str) -> None:
    """Add a legend box (Swedish labels) in the lower left corner."""
    from html import escape

    items = "".join(
        f'<li><span class="swatch" style="{style}"></span>{escape(label)}</li>'
        for style, label in rows)
    html = (f'<div class="map-legend" role="region" aria-label="{escape(title)}">'
            f"<strong>{escape(title)}</strong><ul>{items}</ul></div>")
    legend = Element(html)
    m.get_root().html.add_child(legend)
