"""Map assets and data for scripts: only our own static files, only escaped JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import current_app, url_for

# Folium asset names → files under web/static (Leaflet and plugins vendored by
# scripts/bootstrap under web/static/vendor; our own helpers under web/static/js).
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "markerclusterjs": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "vendor/leaflet.heat/leaflet-heat.js",
    "est-maps": "js/est-maps.js",
}
# Map assets we never use (Bootstrap, jQuery, awesome markers): not loaded at all.
UNUSED_ASSETS = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
                 "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"}

# Characters that could end a <script> element, open an HTML comment or a template
# literal's substitution if JSON were ever placed in the wrong context.
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027", "$": "\\u0024",
               "`": "\\u0060"}


class ThirdPartyAssetError(RuntimeError):
    """A map element wants a script or stylesheet that is not served by the app itself."""


def js_json(value: Any) -> str:
    """Return ``value`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&``, quotes, ``$`` and backticks are written as ``\\uXXXX`` escapes, so
    user text can neither close the script element nor start a template substitution.
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    return "".join(_JS_ESCAPES.get(ch, ch) for ch in text)


def localise(element):
    """Point an element's JS/CSS at the app's own static files; refuse anything else.

    Raises :class:`ThirdPartyAssetError` when an element needs an asset that is not vendored
    (run ``scripts/bootstrap``): a map must never fall back to a CDN.
    """
    static = Path(current_app.static_folder or "")
    for attr in ("default_js", "default_css"):
        assets = []
        for name, url in getattr(element, attr, []):
            if name in UNUSED_ASSETS:
                continue
            local = LOCAL_ASSETS.get(name)
            if local is None:
                raise ThirdPartyAssetError(
                    f"map element {type(element).__name__} needs {name!r} from {url}; "
                    "vendor it under web/static/vendor and add it to LOCAL_ASSETS")
            if not (static / local).exists():
                raise ThirdPartyAssetError(
                    f"web/static/{local} is missing: run scripts/bootstrap to vendor the map "
                    "assets (maps never load scripts or styles from a CDN)")
            assets.append((name, url_for("static", filename=local)))
        setattr(element, attr, assets)
    return element
