"""Map layers: one short function per layer, each drawn in the browser from escaped JSON.

No user text (area, district, place and category names, action titles, hot spot labels) is
ever given to Folium's ``tooltip=``/``popup=`` or written into a script as code: a layer is a
``L.featureGroup`` filled by ``web/static/js/est-maps.js`` from JSON data, and every label
is set with ``textContent``.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import shapely
from folium.elements import JSCSSMixin
from jinja2 import Template

from est.models.hotspots import CLASS_COLOURS
from web.maps.assets import js_json

# Twenty colours, so the categories of one map get a colour each (assign them over the
# categories a map shows, not over the whole taxonomy).
CATEGORY_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                    "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6",
                    "#17becf", "#000080", "#800000", "#bcbd22", "#ff00ff", "#8dd3c7",
                    "#003c30", "#fdbf6f")
# The drawing functions of est-maps.js a layer may call.
DRAWERS = {"geojson", "badges", "actions", "points", "labels"}


class DataLayer(JSCSSMixin, folium.FeatureGroup):
    """A feature group drawn by ``estMaps.<drawer>(group, data)`` from escaped JSON."""

    default_js = [("est-maps", "js/est-maps.js")]
    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        window.estMaps.{{ this.drawer }}({{ this.get_name() }}, {{ this.data_js }});
        {% endmacro %}
    """)

    def __init__(self, drawer: str, data: Any, name: str | None = None, control: bool = True,
                 show: bool = True):
        if drawer not in DRAWERS:
            raise ValueError(f"unknown map drawer {drawer!r}")
        super().__init__(name=name, control=control and name is not None, show=show)
        self._name = "DataLayer"
        # Leaflet's layer switcher writes layer names as HTML: give it escaped text (with
        # ``$`` and backticks as entities too, so no script ever holds a "${" from a name).
        self.layer_name = self.tile_name = (escape(name).replace("$", "&#36;").replace("`", "&#96;")
                          if name is not None else self.get_name())
        self.drawer = drawer
        self.data_js = js_json(data)


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def add_boundary(m: folium.Map, geometry: dict, name: str) -> None:
    """Draw an area outline without fill; ``name`` shows as its tooltip (as text)."""
    feature = {"type": "Feature", "geometry": geometry, "properties": {"name": name}}
    DataLayer("geojson", {
        "data": _collection([feature]),
        "style": {"color": "#1f3a93", "weight": 2, "fillOpacity": 0},
        "fields": [["name", None]],
    }, name="Gräns").add_to(m)


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
         "properties": {**{f: c.get(f, 0) for f, _label in fields},
                        "style": {"color": "#b03a2e", "weight": 0.5, "fillColor": "#c0392b",
                                  "fillOpacity": round(0.15 + 0.6 * c[key] / top, 3)}}}
        for c in cells
    ]
    DataLayer("geojson", {"data": _collection(features), "fields": [list(f) for f in fields]},
              name=name).add_to(m)


def add_places(m: folium.Map, features: list[dict], name: str, colour: str = "#6c3483") -> None:
    """Draw named places or cells (GeoJSON features with ``name`` and ``count``) as outlines."""
    if not features:
        return
    DataLayer("geojson", {
        "data": _collection([{"type": "Feature", "geometry": f["geometry"],
                              "properties": {"name": f["properties"].get("name"),
                                             "count": f["properties"].get("count")}}
                             for f in features]),
        "style": {"color": colour, "weight": 2, "fillOpacity": 0.2},
        "fields": [["name", "Plats"], ["count", "Rapporter"]],
    }, name=name).add_to(m)


def add_districts(m: folium.Map, features: list[dict], name: str) -> None:
    """Draw district outlines (dashed, no fill), each named by a label on the map (text drawn
    with ``textContent`` at a point inside the district) and in its tooltip."""
    if not features:
        return
    group = DataLayer("geojson", {
        "data": _collection([{"type": "Feature", "geometry": f["geometry"],
                              "properties": {"name": f["properties"].get("name")}}
                             for f in features]),
        "style": {"color": "#34495e", "weight": 1.5, "dashArray": "5 5", "fillOpacity": 0},
        "fields": [["name", None]],
    }, name=name)
    labels = []
    for f in features:
        if f["properties"].get("name"):
            c = shapely.geometry.shape(f["geometry"]).representative_point()
            labels.append({"lat": c.y, "lon": c.x, "text": f["properties"]["name"]})
    DataLayer("labels", {"labels": labels}).add_to(group)
    group.add_to(m)


def add_hotspots(m: folium.Map, features: list[dict], name: str) -> None:
    """Draw hot spot polygons coloured by class, each with a numbered badge (its rank).

    A hot spot is often smaller than a few pixels when the map shows a whole municipality,
    so the badge keeps it findable at every zoom, ringed in the class colour while the
    polygon is under 10 pixels across; the polygon shows its extent up close.
    """
    if not features:
        return
    polygons, badges = [], []
    for f in features:
        props = f["properties"]
        colour = CLASS_COLOURS.get(props.get("class"), CLASS_COLOURS[None])
        polygons.append({"type": "Feature", "geometry": f["geometry"], "properties": {
            "label": props.get("label"),
            "style": {"color": colour, "weight": 3, "fillOpacity": 0.25, "fillColor": colour}}})
        if props.get("rank") is not None:
            shp = shapely.geometry.shape(f["geometry"])
            c = shp.representative_point()
            west, south, east, north = shp.bounds
            badges.append({"lat": c.y, "lon": c.x, "rank": props["rank"], "colour": colour,
                           "label": props.get("label"),
                           "bounds": [[south, west], [north, east]]})
    group = DataLayer("geojson", {"data": _collection(polygons), "fields": [["label", None]]},
                      name=name)
    DataLayer("badges", {"badges": badges}).add_to(group)
    group.add_to(m)


def add_action_markers(m: folium.Map, actions: list[dict], name: str) -> None:
    """Mark actions at their point (a yellow diamond drawn by our own script, no plugin)."""
    if not actions:
        return
    DataLayer("actions", {"actions": [
        {"lat": a["lat"], "lon": a["lon"], "label": f"Åtgärd: {a['title']} ({a['status']})"}
        for a in actions]}, name=name).add_to(m)


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
    DataLayer("points", {"points": data, "colours": [colours.get(c, "#333") for c in codes],
                         "labels": [labels.get(c, c) for c in codes]}, name=name).add_to(m)


def add_heatmap(m: folium.Map, points: list[tuple[float, float]], name: str) -> None:
    """Add a density layer (Leaflet.heat, vendored), off by default; numbers only."""
    from folium.plugins import HeatMap

    if points:
        HeatMap([[p[0], p[1]] for p in points], name=name, radius=18, blur=22,
                min_opacity=0.3, show=False).add_to(m)
