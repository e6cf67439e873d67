"""Home page: the last seven days on a map of the configured municipality."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, render_template

from est import queries
from est.errors import NotFound
from web import maps
from web.db import get_session

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Show reports of the last 7 days, aggregated to 100 m cells, on a map."""
    settings = current_app.config["EST_SETTINGS"]
    session = get_session()
    try:
        area = queries.area_by_code(session, settings.municipality)
    except NotFound as exc:
        return render_template("index.html", area=None, message=str(exc)), 200
    end = datetime.now(settings.tz)
    start = end - timedelta(days=7)
    outline = queries.area_geojson(session, area.id)
    # Public page: aggregated cells, and nothing below the minimum count (privacy model).
    k = settings.min_cell
    all_cells = queries.report_cells(session, area.id, start, end, crs=settings.projected_crs)
    cells = [c for c in all_cells if c["count"] >= k]
    by_category = [(kind, label, n if n >= k else f"<{k}")
                   for kind, label, n in queries.counts_by_category(session, area.id, start, end)]
    m = maps.base_map(maps.bounds_of(cells) or outline["bounds"])
    maps.add_boundary(m, outline["geometry"], area.name)
    maps.add_count_cells(m, cells, "Rapporter senaste 7 dagarna")
    maps.add_layer_control(m)
    return render_template(
        "index.html",
        area=area,
        map=maps.embed(m),
        total=sum(c["count"] for c in all_cells),
        by_category=by_category,
        min_cell=k,
        start=start,
        end=end,
    )
