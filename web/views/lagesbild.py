"""Lägesbild pages: the HTML view with a Folium map, and downloads in every format."""

from __future__ import annotations

from datetime import datetime, timedelta

import folium
from flask import Blueprint, Response, current_app, render_template, request

from est.lagesbild import FORMATS, build_lagesbild, render
from est.lagesbild.render import html_fragment
from web import maps
from web.auth import roles_required
from web.db import get_session

bp = Blueprint("lagesbild", __name__)
STAFF = ("admin", "coordinator", "viewer")


def min_cell() -> int:
    """Return the minimum published count (setting ``EST_MIN_CELL``, default 5)."""
    return current_app.config["EST_SETTINGS"].min_cell


def period_args() -> dict:
    """Read ``from``, ``to`` and ``area`` (defaults: the last 90 days, the configured area)."""
    settings = current_app.config["EST_SETTINGS"]
    today = datetime.now(settings.tz).date()
    return {
        "start": request.args.get("from") or (today - timedelta(days=90)).isoformat(),
        "end": request.args.get("to") or (today - timedelta(days=1)).isoformat(),
        "area_code": request.args.get("area") or settings.municipality,
    }


def build_from_request(**kw):
    """Build the lägesbild the request asks for."""
    settings = current_app.config["EST_SETTINGS"]
    return build_lagesbild(get_session(), **period_args(), min_cell=min_cell(),
                           tz=settings.timezone, crs=settings.projected_crs, **kw)


def download(body: bytes, fmt: str, name: str) -> Response:
    """Return ``body`` as an attachment named ``name.<ext>``."""
    media, ext = FORMATS[fmt]
    return Response(body, mimetype=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{ext}"'})


@bp.get("/lagesbild")
@roles_required(*STAFF)
def show():
    """Show the lägesbild of a period with its map, tables, charts and download links."""
    lb = build_from_request()
    args = period_args()
    return render_template("lagesbild/show.html", lb=lb, body=html_fragment(lb),
                           map=maps.embed(_map(lb)), args=args, formats=list(FORMATS))


@bp.get("/lagesbild/export.<fmt>")
@roles_required(*STAFF)
def export(fmt: str):
    """Download the lägesbild as html, pdf, docx, md, csv or geojson."""
    lb = build_from_request()
    body = render(lb, fmt)
    return download(body, fmt, f"lagesbild-{lb.area_code}-{lb.start}-{lb.end}")


def _map(lb) -> folium.Map:
    features = lb.geojson["features"]
    outline = {"type": "Feature", "geometry": lb.outline, "properties": {}}
    m = maps.base_map(maps.bounds_of([f for f in features if f["properties"]["layer"]
                                      == "hotspot"] or [outline]))
    maps.add_boundary(m, lb.outline, lb.area_name)
    def layer(name: str) -> list[dict]:
        return [f for f in features if f["properties"]["layer"] == name]

    maps.add_count_cells(m, [{"geometry": f["geometry"], "count": f["properties"]["count"]}
                             for f in layer("count_cell")], "Händelser per ruta",
                         fields=(("count", "Händelser"),))
    maps.add_places(m, layer("otrygghet_place"), "Otrygga platser")
    maps.add_hotspots(m, [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {"class": f["properties"]["class"], "rank": i,
                        "label": f"{f['properties']['name']}: {f['properties']['class_sv']}, "
                                 f"{f['properties']['count']} rapporter"}}
        for i, f in enumerate(layer("hotspot"), start=1)], "Hot spots")
    maps.add_layer_control(m)
    return m
