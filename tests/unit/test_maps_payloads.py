"""Every map builder with hostile text: user text reaches the page only as escaped JSON data,
never as markup or code in a script, and no map asset comes from a third party."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import pytest
from flask import Flask

from est.config import load_settings
from tests.payloads import PAYLOADS, SCRIPT_BREAKERS
from web import maps

SQUARE = {"type": "Polygon",
          "coordinates": [[[15.1, 59.06], [15.11, 59.06], [15.11, 59.07], [15.1, 59.07],
                           [15.1, 59.06]]]}
STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


@pytest.fixture
def request_context():
    """A bare Flask request context with the web package's static folder (no database)."""
    app = Flask("web", static_folder=str(STATIC))
    app.config["EST_SETTINGS"] = load_settings({})
    with app.test_request_context():
        yield app


def _every_layer(text: str) -> folium.Map:
    """Build one map with every layer builder, ``text`` in every name, label and title."""
    feature = {"type": "Feature", "geometry": SQUARE, "properties": {"name": text, "count": 7}}
    m = maps.base_map([[59.06, 15.1], [59.07, 15.11]])
    maps.add_boundary(m, SQUARE, text)
    maps.add_districts(m, [feature], "Kommundelar")
    maps.add_places(m, [feature], "Otrygga platser")
    maps.add_count_cells(m, [{"geometry": SQUARE, "count": 7, "otrygghet": 2}], "Rutor")
    maps.add_hotspots(m, [{"type": "Feature", "geometry": SQUARE,
                           "properties": {"class": "new", "rank": 1, "label": text}}], text)
    maps.add_action_markers(m, [{"lat": 59.065, "lon": 15.105, "title": text,
                                 "status": "Pågår"}], "Åtgärder")
    colours = maps.category_colours(["klotter"])
    maps.add_report_points(m, [(59.065, 15.105, "klotter", "otrygghet")], {"klotter": text},
                           colours, "Rapporter")
    maps.add_heatmap(m, [(59.065, 15.105)], "Täthet")
    maps.add_layer_control(m)
    maps.add_legend(m, [("background:#f1c40f", text)], "Teckenförklaring")
    maps.after_map(m, "estPendingLayer", [{"lat": 59.065, "lon": 15.105, "ref": text,
                                           "label": text, "url": "/moderering/x"}])
    return m


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_reaches_scripts_only_as_escaped_json(request_context, payload):
    page = maps.embed(_every_layer(payload))
    scripts = page["script"] + "".join(INLINE_SCRIPT.findall(page["header"]))
    for breaker in SCRIPT_BREAKERS:
        if breaker in payload:
            assert breaker not in scripts, f"{breaker!r} from user data inside a script"
    # The text still arrives, as data: once per layer that shows it.
    escaped = maps.js_json(payload)[1:-1]
    assert scripts.count(escaped) >= 7
    # Folium's HTML tooltips and popups are never used.
    assert "bindPopup" not in scripts and "foliumtooltip" not in page["header"]
    assert ".innerHTML" not in scripts


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_in_the_map_body_is_escaped(request_context, payload):
    page = maps.embed(_every_layer(payload))
    for tag in ("<img", "<svg", "<script"):
        assert tag not in page["html"]
    assert "Teckenförklaring" in page["html"]


def test_layer_names_are_html_escaped_for_the_layer_switcher(request_context):
    page = maps.embed(_every_layer("<img src=x onerror=alert(1)>"))
    # Leaflet writes layer names as HTML, so the name arrives as escaped text.
    assert maps.js_json("&lt;img src=x onerror=alert(1)&gt;")[1:-1] in page["script"]


def test_assets_come_only_from_our_static_folder(request_context):
    page = maps.embed(_every_layer("Torget"))
    urls = re.findall(r'(?:src|href)="([^"]+)"', page["header"])
    assert {"/static/vendor/leaflet/leaflet.js", "/static/js/est-maps.js",
            "/static/vendor/leaflet/leaflet.css"} <= set(urls)
    for url in urls:
        assert url.startswith("/static/"), f"third-party asset {url}"
        assert (STATIC / url.removeprefix("/static/")).is_file()
    assert "cdn" not in page["header"].lower() + page["script"].lower()


def test_every_header_script_carries_the_request_nonce(request_context):
    from web.security import csp_nonce

    page = maps.embed(_every_layer("Torget"))
    tags = re.findall(r"<script[^>]*>", page["header"])
    assert tags and all(f'nonce="{csp_nonce()}"' in t for t in tags)


def test_a_cdn_element_fails_loudly(request_context):
    m = maps.base_map()
    folium.RegularPolygonMarker([59.06, 15.1], number_of_sides=4, radius=9).add_to(m)
    with pytest.raises(maps.ThirdPartyAssetError, match="leaflet-dvf|dvf"):
        maps.embed(m)


def test_after_map_takes_a_function_name_and_data_not_code(request_context):
    m = maps.base_map()
    with pytest.raises(ValueError, match="function name"):
        maps.after_map(m, "alert(1);window.estReportMap")


def test_json_for_scripts_escapes_markup_and_template_characters():
    out = maps.js_json({"t": "</script>`${x}`&'"})
    assert out == ('{"t": "\\u003c/script\\u003e\\u0060\\u0024{x}\\u0060\\u0026\\u0027"}')
