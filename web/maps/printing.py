"""Printed maps from the web app: the tile source for basemaps of exports and meeting papers."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from flask import current_app
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from est import queries
from est.printmap import TileSource, draw_map
from web.db import get_session

MEETING_MAX_HOTSPOTS = 10


def tile_source() -> TileSource | None:
    """Return the configured tile server with its cache (``EST_TILE_CACHE_DIR``, else
    ``var/cache/tiles``), or None when printed basemaps are off (``EST_PRINT_BASEMAP``)."""
    on = current_app.config.get("EST_PRINT_BASEMAP", os.environ.get("EST_PRINT_BASEMAP", "1"))
    if str(on).strip().lower() in {"0", "false", "no", "off", ""}:
        return None
    settings = current_app.config["EST_SETTINGS"]
    directory = current_app.config.get("EST_TILE_CACHE_DIR") or (
        Path(settings.var_dir) / "cache" / "tiles")
    return TileSource(settings.tile_url, Path(directory), attribution=settings.tile_attribution)


def attribution() -> str:
    """Return the tile server's attribution as plain text (printed under the map)."""
    return current_app.config["EST_SETTINGS"].tile_attribution


def meeting_map(page) -> dict | None:
    """Return the printed map of a review week's hot spots for the agenda and minutes:
    ``{"png": base64 text, "caption": …}``, or None when the week has no hot spots."""
    if not page.hotspots:
        return None
    session = get_session()
    outline = queries.area_geojson(session, page.area.id)["geometry"]
    features = [{"type": "Feature", "geometry": mapping(to_shape(row.hotspot.polygon)),
                 "properties": {"rank": row.position, "class": row.hotspot.klass,
                                "name": row.name}}
                for row in page.hotspots[:MEETING_MAX_HOTSPOTS]]
    printed = draw_map(outline, features, (), tile_source(), attribution())
    caption = "Karta över veckans hot spots (brännpunkter), numrerade som i listan"
    if printed.note:
        caption += f". {printed.note}"
    return {"png": base64.b64encode(printed.png).decode(), "caption": caption}
