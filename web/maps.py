"""Folium map builders: one short function per layer, assets served by the app itself."""

from __future__ import annotations

from pathlib import Path

import folium
from branca.element import Element
from flask import current_app, url_for

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


def add_count_cells(m: folium.Map, cells: list[dict], name: str) -> None:
    """Draw grid cells shaded by report count (aggregated: no individual report is shown)."""
    if not cells:
        return
    top = max(c["count"] for c in cells)
    features = [
        {"type": "Feature", "geometry": c["geometry"],
         "properties": {"count": c["count"], "otrygghet": c["otrygghet"],
                        "shade": c["count"] / top}}
        for c in cells
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: {
            "color": "#b03a2e", "weight": 0.5,
            "fillColor": "#c0392b", "fillOpacity": 0.15 + 0.6 * f["properties"]["shade"],
        },
        tooltip=folium.GeoJsonTooltip(["count", "otrygghet"], aliases=["Rapporter", "Otrygghet"]),
    ).add_to(m)


def add_layer_control(m: folium.Map) -> None:
    """Add the layer switcher."""
    folium.LayerControl(collapsed=True).add_to(m)


def add_script(m: folium.Map, js: str) -> None:
    """Append a script that runs after the map exists (the map object is ``window.estMap``)."""
    m.get_root().script.add_child(Element(f"window.estMap = {m.get_name()};\n{js}"))


def embed(m: folium.Map) -> dict[str, str]:
    """Return the pieces to embed a map in our own page: header, body and script HTML."""
    root = m.get_root()
    root.render()
    return {
        "header": root.header.render(),
        "html": root.html.render(),
        "script": root.script.render(),
    }
