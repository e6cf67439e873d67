"""Home page: the public picture of the municipality, under the public privacy model."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template

from est import geojson, public, queries
from est.errors import NotFound
from web import maps
from web.db import get_session

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Show the newest public window's cells and category counts on a map."""
    settings = current_app.config["EST_SETTINGS"]
    session = get_session()
    try:
        area = queries.area_by_code(session, settings.municipality)
    except NotFound as exc:
        return render_template("index.html", area=None, message=str(exc)), 200
    policy = public.PublicPolicy.from_settings(settings)
    shown = public.summary(session, policy, area.id, datetime.now(settings.tz))
    cells = [{"geometry": c.geometry, "count": c.count} for c in shown.cells]
    outline = queries.area_geojson(session, area.id)
    m = maps.base_map(maps.bounds_of(cells) or outline["bounds"])
    maps.add_boundary(m, outline["geometry"], area.name)
    maps.add_districts(m, maps.district_features(area.id), "Kommundelar")
    maps.add_count_cells(m, cells, f"Rapporter {shown.window.label}",
                         fields=(("count", "Rapporter"),))
    maps.add_layer_control(m)
    return render_template("index.html", area=area, map=maps.embed(m), shown=shown,
                           policy=policy, count_sv=public.count_sv)


@bp.get("/rutor.geojson")
def cells_geojson():
    """Return the newest public window's cells as GeoJSON (the same figures as the map)."""
    settings = current_app.config["EST_SETTINGS"]
    session = get_session()
    area = queries.area_by_code(session, settings.municipality)
    policy = public.PublicPolicy.from_settings(settings)
    body = public.cells_geojson(session, policy, area.id, datetime.now(settings.tz))
    response = jsonify(geojson.normalise(body))
    response.mimetype = geojson.MEDIA_TYPE
    return response
