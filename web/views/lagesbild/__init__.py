"""Lägesbild pages: the HTML view with a Folium map, the group's draft, and downloads.

The page and every download are the lägesbild in the order of Lag (2023:196) 4 §
(:mod:`est.lagesbild.law`): the cached figures with the group's texts and the declared
sources. Saved versions, decisions and the public page live in :mod:`.versions`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import folium
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from est import access
from est import format as sv
from est.audience import AUDIENCE_LABELS, AUDIENCES, parse_audience
from est.errors import PermissionDenied, ValidationError
from est.lagesbild import FORMATS, exports, parse_period, resolve_area
from est.lagesbild.cache import LagesbildCache
from est.lagesbild.document import build_document
from est.lagesbild.group import CHANGE_FIELDS, CHANGE_KINDS, MANAGE, TEXTS, group_input, save_draft
from est.lagesbild.render import check_layer, geojson_layer, html_fragment
from est.models.hotspots import CLASS_COLOURS, CLASS_LABELS
from web import maps
from web.auth import current_actor, roles_required
from web.db import get_session
from web.maps import printing
from web.views.tenancy import current_code

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
        "area_code": request.args.get("area") or current_code(),
    }


def cache() -> LagesbildCache:
    """Return the lägesbild cache (``EST_LAGESBILD_CACHE_DIR``, else ``var/cache/lagesbild``)."""
    directory = current_app.config.get("EST_LAGESBILD_CACHE_DIR") or (
        Path(current_app.config["EST_SETTINGS"].var_dir) / "cache" / "lagesbild")
    return LagesbildCache(directory)


def build_args(audience: str) -> dict:
    """Return the arguments of the lägesbild the request asks for."""
    settings = current_app.config["EST_SETTINGS"]
    return {**period_args(), "min_cell": min_cell(), "audience": audience,
            "tz": settings.timezone, "crs": settings.projected_crs}


def build_from_request(audience: str = "public", **kw):
    """Build (or take from the cache) the lägesbild the request asks for."""
    return cache().build(get_session(), **build_args(audience), **kw)


def download(body: bytes, fmt: str, name: str) -> Response:
    """Return ``body`` as an attachment named ``name.<ext>`` (charset in the type once)."""
    media, ext = FORMATS[fmt]
    return Response(body, content_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{ext}"',
        "X-Content-Type-Options": "nosniff"})


def build_law_document(audience: str = "internal", **kw):
    """Build the lägesbild the request asks for in the law's structure (figures cached).

    Only of the user's own municipality (any, for a national account): the document carries
    the group's texts.
    """
    args = build_args(audience)
    area = resolve_area(get_session(), args["area_code"])
    if not access.in_municipality(current_actor(), area.parent_id or area.id):
        raise PermissionDenied("Området hör inte till din kommun.")
    return build_document(get_session(), cache(), **args, **kw)


BLANK_CHANGES = 3  # empty rows the form offers for new planned changes


@bp.get("/lagesbild")
@roles_required(*STAFF)
def show():
    """Show the lägesbild of a period (exact counts for staff) with map, tables and charts."""
    return _show()


def _show(errors: dict | None = None, posted: dict | None = None):
    audience = parse_audience(request.args.get("audience"))
    lb = build_law_document("internal")
    session = get_session()
    area = resolve_area(session, lb.area_code)
    group = group_input(session, area, lb.start, lb.end)
    form = posted or {"texts": group.texts, "changes": group.planned_changes}
    changes = list(form["changes"]) + [{"kind": "ovrigt"}] * BLANK_CHANGES
    return render_template("lagesbild/show.html", lb=lb, body=html_fragment(lb),
                           map=maps.embed(_map(lb)), args=period_args(), formats=list(FORMATS),
                           audiences=[(a, AUDIENCE_LABELS[a]) for a in AUDIENCES],
                           audience=audience, audience_label=AUDIENCE_LABELS[audience],
                           manage=access.can(current_actor(), MANAGE), texts=TEXTS,
                           change_kinds=CHANGE_KINDS, form=form, changes=changes,
                           errors=errors or {}), 400 if errors else 200


def changes_from_form(form) -> list[dict]:
    """Return the planned-change rows of the draft form (``change_<field>_<i>``)."""
    try:
        count = min(int(form.get("change_count") or 0), 200)
    except ValueError:
        raise ValidationError("Ogiltigt antal rader.", field="change_count") from None
    return [{"kind": form.get(f"change_kind_{i}", "ovrigt"),
             **{name: form.get(f"change_{name}_{i}", "") for name in CHANGE_FIELDS}}
            for i in range(count)]


@bp.post("/lagesbild/utkast")
@roles_required("actions")
def save_texts():
    """Save the group's texts and planned changes for the period (a draft)."""
    args = period_args()
    first, last = parse_period(args["start"], args["end"])
    session = get_session()
    area = resolve_area(session, args["area_code"])
    texts = {key: request.form.get(f"text_{key}", "") for key in TEXTS}
    changes = changes_from_form(request.form)
    try:
        save_draft(session, current_actor(), area, first, last, texts, changes)
    except ValidationError as exc:
        return _show(exc.errors, {"texts": texts, "changes": changes})
    return redirect(url_for("lagesbild.show", **{"from": first.isoformat(),
                                                 "to": last.isoformat(),
                                                 "area": args["area_code"]}) + "#gruppens-texter")


@bp.get("/lagesbild/export.<fmt>")
@roles_required(*STAFF)
def export(fmt: str):
    """Download the lägesbild for ``audience`` (internal, partner, public; default public)."""
    audience = parse_audience(request.args.get("audience"))
    if fmt not in FORMATS:
        raise ValidationError(f"Okänt format {fmt!r}; välj {', '.join(FORMATS)}.", field="format")
    args = build_args(audience)
    layer = check_layer(request.args.get("layer")) if fmt == "geojson" else None
    lb = build_law_document(audience)
    first, last = parse_period(args["start"], args["end"])
    suffix = ("" if audience == "public" else f"-{audience}") + (f"-{layer}" if layer else "")
    return send_export(lb, fmt, layer, f"lagesbild-{args['area_code']}-{first}-{last}{suffix}")


def tiles() -> dict | None:
    """Return the printed map's tile server as job arguments (None: basemaps are off)."""
    source = printing.tile_source()
    if source is None:
        return None
    return {"url": source.url, "dir": str(source.cache_dir), "attribution": source.attribution}


def send_export(lb, fmt: str, layer: str | None, name: str):
    """Send ``lb`` as ``fmt`` (rendered once per content; PDF/DOCX through the job queue)."""
    result = exports.export(cache(), lb, fmt, tiles())
    if not isinstance(result, bytes):  # queued on Redis: ask the reader to wait
        return render_template("lagesbild/pending.html", lb=lb, fmt=fmt, job=result), 202
    return download(geojson_layer(result, layer), fmt, name)  # one typed layer per file


def _map(lb) -> folium.Map:
    features = lb.geojson["features"]
    outline = {"type": "Feature", "geometry": lb.outline, "properties": {}}
    m = maps.base_map(maps.bounds_of([f for f in features if f["properties"]["layer"]
                                      == "hotspot"] or [outline]))
    maps.add_boundary(m, lb.outline, lb.area_name)
    area = resolve_area(get_session(), lb.area_code)
    maps.add_districts(m, maps.district_features(area.parent_id or area.id), "Kommundelar")

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
                                 f"{sv.number(f['properties']['count'])} rapporter"}}
        for i, f in enumerate(layer("hotspot"), start=1)], "Hot spots (brännpunkter)")
    maps.add_layer_control(m)
    shown = sorted({f["properties"]["class"] for f in layer("hotspot")},
                   key=lambda k: (k is None, str(k)))
    legend = [(f"background:{CLASS_COLOURS.get(k, CLASS_COLOURS[None])};opacity:.6",
               f"Hot spot: {CLASS_LABELS.get(k, k)}") for k in shown]
    legend += [("background:#fff;border-radius:50%;border:3px solid #c0392b",
                "Liten hot spot: ring runt numret"),
               ("background:#6c3483;opacity:.4;border:2px solid #6c3483", "Otrygg plats"),
               ("background:#c0392b;opacity:.5", "Händelser per ruta (mörkare = fler)"),
               ("border-top:2px dashed #34495e;height:0", "Kommundel")]
    maps.add_legend(m, legend, "Teckenförklaring")
    return m


from web.views.lagesbild import versions  # noqa: E402,F401  (routes on ``bp``)
