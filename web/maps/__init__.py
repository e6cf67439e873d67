"""Folium map builders: the base map, one short function per layer, assets served by the app.

User text reaches a map only as escaped JSON data, drawn with ``textContent`` by
``web/static/js/est-maps.js``; no map loads a script or stylesheet from a third party.
"""

from web.maps.assets import LOCAL_ASSETS, ThirdPartyAssetError, js_json, localise
from web.maps.base import (
    add_layer_control,
    add_legend,
    after_map,
    base_map,
    bounds_of,
    embed,
)
from web.maps.data import district_features
from web.maps.layers import (
    CATEGORY_PALETTE,
    DataLayer,
    add_action_markers,
    add_boundary,
    add_count_cells,
    add_districts,
    add_heatmap,
    add_hotspots,
    add_places,
    add_report_points,
    category_colours,
)

__all__ = [
    "CATEGORY_PALETTE", "LOCAL_ASSETS", "DataLayer", "ThirdPartyAssetError", "add_action_markers",
    "add_boundary", "add_count_cells", "add_districts", "add_heatmap", "add_hotspots",
    "add_layer_control", "add_legend", "add_places", "add_report_points", "after_map",
    "base_map", "bounds_of", "category_colours", "district_features", "embed", "js_json",
    "localise",
]
