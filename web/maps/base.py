"""The base map, its embedding in our pages and the pieces every map shares."""

from __future__ import annotations

import re
from html import escape
from typing import Any

import folium
from branca.element import Element, MacroElement
from flask import current_app
from jinja2 import Template

from web.maps.assets import js_json, localise
from web.security import csp_nonce


def base_map(bounds: list[list[float]] | None = None, **kwargs) -> folium.Map:
    """Return a map on the configured tile server fitted to ``bounds`` (WGS84 degrees,
    [[south, west], [north, east]])."""
    settings = current_app.config["EST_SETTINGS"]
    m = localise(folium.Map(tiles=None, control_scale=False, **kwargs))
    folium.TileLayer(settings.tile_url, attr=_attribution(settings), name="Karta",
                     max_zoom=19).add_to(m)
    _MetricScale().add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    return m


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (Swedish maps have no miles); the map is
    also kept as ``window.estMap`` (one map per page) for our scripts and browser tests."""

    _template = Template(
        "{% macro script(this, kwargs) %}L.control.scale({metric: true, imperial: false, "
        "position: 'bottomleft'}).addTo({{ this._parent.get_name() }});\n"
        "window.estMap = {{ this._parent.get_name() }};\n{% endmacro %}")

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


def _attribution(settings) -> str:
    # Leaflet writes attributions as HTML: build it from the plain-text settings, escaped.
    text = escape(settings.tile_attribution)
    if settings.tile_attribution_url:
        return f'<a href="{escape(settings.tile_attribution_url)}">{text}</a>'
    return text


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


def add_layer_control(m: folium.Map) -> None:
    """Add the layer switcher (layer names are fixed Swedish labels, HTML-escaped)."""
    folium.LayerControl(collapsed=True).add_to(m)


_FUNCTION_NAME = re.compile(r"^est[A-Z][A-Za-z]*$")


class _AfterMap(MacroElement):
    """Call one of our own functions once ``L.map`` exists, with data as escaped JSON."""

    _template = Template(
        "{% macro script(this, kwargs) %}window.estMap = {{ this._parent.get_name() }};\n"
        "window.{{ this.function }}(window.estMap, {{ this.data_js }});\n{% endmacro %}"
    )

    def __init__(self, function: str, data: Any):
        super().__init__()
        self._name = "AfterMap"
        self.function = function
        self.data_js = js_json(data)


def after_map(m: folium.Map, function: str, data: Any = None) -> None:
    """Call ``window.<function>(map, data)`` once the map exists.

    ``function`` is the name of one of our static scripts' functions (``estReportMap``…);
    ``data`` goes in as JSON with ``<>&'$``` escaped, so user text in it stays data.
    """
    if not _FUNCTION_NAME.match(function):
        raise ValueError(f"after_map takes a function name such as 'estReportMap' and its data "
                         f"as JSON, not JavaScript code: {function[:40]!r}")
    _AfterMap(function, data).add_to(m)


def add_legend(m: folium.Map, rows: list[tuple[str, str]], title: str,
               groups: list[tuple[str, list[tuple[str, str]]]] | None = None) -> None:
    """Add a legend box (Swedish labels, HTML-escaped) in the lower corner.

    ``rows`` are (CSS style of the swatch, label); each of ``groups`` is a subheading with its
    own rows, shown in two columns (e.g. the categories a map colours its reports by).
    """
    def items(rows_: list[tuple[str, str]]) -> str:
        return "".join(
            f'<li><span class="swatch" style="{escape(style)}"></span>{escape(label)}</li>'
            for style, label in rows_)

    extra = "".join(f'<p class="legend-group">{escape(heading)}</p>'
                    f'<ul class="cols">{items(group_rows)}</ul>'
                    for heading, group_rows in groups or [] if group_rows)
    html = (f'<div class="map-legend" role="region" aria-label="{escape(title)}">'
            f"<strong>{escape(title)}</strong><ul>{items(rows)}</ul>{extra}</div>")
    m.get_root().html.add_child(Element(html))


_SCRIPT_TAG = re.compile(r"<script(?=[\s>])")


def embed(m: folium.Map) -> dict[str, str]:
    """Return the pieces to embed a map in our own page: header, body and script HTML.

    Every element is first pointed at our own static files (a CDN asset raises). The header
    is generated by Folium from our code alone (asset links, its ``L_NO_TOUCH`` flags, CSS):
    once every layer takes user text only as escaped JSON data, it carries no user text, so
    giving its ``<script>`` tags this request's CSP nonce here blesses only Folium's own code.
    The body script goes into the page's own ``<script nonce=…>`` in our templates.
    """
    root = m.get_root()
    for element in _walk(root):
        if getattr(element, "default_js", None) or getattr(element, "default_css", None):
            localise(element)
    root.render()
    nonce = csp_nonce()
    header = _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', root.header.render())
    return {"header": header, "html": root.html.render(), "script": root.script.render()}


def _walk(element):
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)
