"""EST review: the week's (or month's) map, hot spots, trends, actions, meeting record and
print views."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from est import access, places, queries, tenancy
from est import review as review_service
from est.errors import ValidationError
from est.format import number
from est.models import Category
from est.models.hotspots import CLASS_COLOURS, CLASS_LABELS
from est.review import WEEKDAYS_SV, Filters, Month, Week
from est.review.cache import ReviewCache
from est.services import actions as action_service
from est.services.categories import list_categories
from web import maps
from web.auth import current_actor, permission_required
from web.db import get_session
from web.guards import arg_int
from web.maps import printing
from web.security import csp_nonce
from web.views.tenancy import current_code

bp = Blueprint("review", __name__)
MONTH_SLUG = re.compile(r"\d{4}-\d{2}")
LEGEND_CLASSES = ("new", "consecutive", "intensifying", "persistent", "oscillating",
                  "sporadic", "diminishing", "historical")


def _settings():
    return current_app.config["EST_SETTINGS"]


def review_cache() -> ReviewCache:
    """Return this app's review cache (Redis with REDIS_URL, else per process)."""
    cache = current_app.extensions.get("est_review_cache")
    if cache is None:
        cache = current_app.extensions["est_review_cache"] = ReviewCache(_settings().redis_url)
    return cache


def _week(slug: str) -> Week:
    try:
        return Week.parse(slug, _settings().timezone)
    except ValidationError:
        abort(404, description=f"{slug} är ingen ISO-vecka (skriv t.ex. 2026-W47).")


def _can_manage() -> bool:
    return access.can(current_actor(), "action.manage")


def _filters() -> Filters:
    args = request.args
    organisation = (args.get("organisation") or "").strip() or None
    if organisation not in (None, "public"):
        organisation = str(arg_int("organisation", low=1))
    return Filters(district=args.get("district") or None, category=args.get("category") or None,
                   kind=args.get("kind") or None, organisation=organisation)


@bp.get("/granskning")
@permission_required("review.view")
def latest():
    """Redirect to the last complete week (the one the EST group reviews)."""
    today = datetime.now(_settings().tz).date()
    week = Week.containing(today - timedelta(days=7), _settings().timezone)
    return redirect(url_for("review.week", slug=week.slug, **request.args))


@bp.get("/granskning/<slug>")
@permission_required("review.view")
def week(slug: str):
    """Show the week (``2026-W47``) or the month (``2026-11``): map, hot spots ranked by
    urgency, totals, matrix, actions."""
    settings = _settings()
    week: Week | Month
    if MONTH_SLUG.fullmatch(slug):
        try:
            week = Month.parse(slug, settings.timezone)
        except ValidationError:
            abort(404, description=f"{slug} är ingen månad (skriv t.ex. 2026-11).")
    else:
        week = _week(slug)
    filters = _filters()
    session = get_session()
    page = review_service.build_review(session, current_code(), week, filters,
                                       actor=current_actor(), crs=settings.projected_crs,
                                       min_cell=settings.min_cell, background=True,
                                       cache=review_cache())
    categories = list_categories(session)
    return render_template(
        "review/week.html",
        page=page,
        period=week,
        map=_embedded_map(page, categories),
        categories=categories,
        districts=review_service.districts(session, page.area.id),
        organisations=tenancy.organisations_in(session, page.area,
                                               review_service.organisations(session)),
        weekdays=WEEKDAYS_SV,
        class_labels=CLASS_LABELS,
        status_labels=action_service.STATUS_LABELS,
        class_colours=CLASS_COLOURS,
        prev=week.shift(-1),
        next=week.shift(1),
        can_manage=_can_manage(),
        query=filters.as_query(),
        num=number,
    )


NONCE_MARK = "\x00nonce\x00"


def _embedded_map(page, categories: list[Category]) -> dict[str, str]:
    """Return the week map's embed pieces, rendered once per data version and map contents.

    The key is the cached view's key plus what the map draws beyond it (hot spot labels and
    outlines, action markers, category labels); the request's CSP nonce is put back in.
    """
    if page.cache_key is None:
        return maps.embed(_week_map(page, categories))
    span = "månaden" if page.is_month else "veckan"
    extra = [_hotspot_features(page.hotspots, span), _action_marks(page),
             [(c.code, c.label_sv) for c in categories]]
    cache = review_cache()
    key = cache.key("map", page.cache_key, json.dumps(extra, sort_keys=True, default=str))
    nonce = f'nonce="{csp_nonce()}"'
    stored = cache.get(key)
    if stored is not None:
        return {**stored, "header": stored["header"].replace(NONCE_MARK, nonce)}
    embedded = maps.embed(_week_map(page, categories))
    cache.put(key, {**embedded, "header": embedded["header"].replace(nonce, NONCE_MARK)})
    return embedded


def _action_marks(page) -> list[dict]:
    marks = []
    for action, _f in page.actions:
        if action.geom is not None:
            c = to_shape(action.geom).centroid
            marks.append({"lat": c.y, "lon": c.x, "title": action.title,
                          "status": action_service.STATUS_LABELS[action.status]})
    return marks


def _hotspot_features(rows, span: str = "veckan") -> list[dict]:
    return [
        {"type": "Feature", "geometry": mapping(to_shape(row.hotspot.polygon)),
         "properties": {"class": row.hotspot.klass, "rank": row.position,
                        "label": f"{row.position}. {row.name}: {row.status_label}, "
                                 f"{number(row.week_count)} rapporter {span}"}}
        for row in rows
    ]


def _week_map(page, categories: list[Category]):
    session = get_session()
    outline = queries.area_geojson(session, page.area.id)
    features = _hotspot_features(page.hotspots, "månaden" if page.is_month else "veckan")
    # Open where things happen: the hot spots, else the week's reports, else the whole area.
    focus = maps.bounds_of(features) or maps.bounds_of(page.cells or []) or maps.bounds_of(
        [{"geometry": {"coordinates": [p[1], p[0]]}} for p in page.points])
    m = maps.base_map(focus or outline["bounds"])
    maps.add_boundary(m, outline["geometry"], page.area.name)
    maps.add_districts(m, maps.district_features(page.area.id), "Kommundelar")
    labels = {c.code: c.label_sv for c in categories}
    # A colour per category shown this week (distinct up to 20; the legend names them).
    colours = maps.category_colours(sorted({p[2] for p in page.points}))
    span = "månaden" if page.is_month else "veckan"
    if page.points:
        maps.add_report_points(m, page.points, labels, colours, f"Rapporter ({span})")
        maps.add_heatmap(m, [(p[0], p[1]) for p in page.points], "Täthet")
    elif page.cells:
        maps.add_count_cells(m, page.cells, f"Rapporter per ruta ({span})")
    maps.add_hotspots(m, features, "Hot spots")
    maps.add_action_markers(m, _action_marks(page), "Åtgärder")
    maps.add_layer_control(m)
    legend = [(f"background:{CLASS_COLOURS[k]};opacity:.6", f"Hot spot: {CLASS_LABELS[k]}")
              for k in LEGEND_CLASSES]
    legend += [("background:#888;border-radius:50%;border:1px solid #222", "Händelse (fylld)"),
               ("background:#fff;border-radius:50%;border:3px solid #888",
                "Otrygghet (ring)"),
               ("background:#f1c40f;transform:rotate(45deg);border:2px solid #000", "Åtgärd"),
               ("background:#fff;border-radius:50%;border:3px solid #c0392b",
                "Liten hot spot: ring runt numret")]
    # The week's reports are coloured by category: name each colour shown on the map.
    shown = sorted({p[2] for p in page.points}, key=lambda c: labels.get(c, c))
    maps.add_legend(m, legend, "Teckenförklaring", groups=[("Kategorier (färg)", [
        (f"background:{colours.get(c, '#333')};border-radius:50%", labels.get(c, c))
        for c in shown])])
    return m


@bp.post("/granskning/<slug>/namn/<lineage_id>")
@permission_required("action.manage")
def rename(slug: str, lineage_id: str):
    """Give a hot spot's place a name; it follows the place (lineage) across weeks."""
    week = _week(slug)
    session = get_session()
    area = queries.area_by_code(session, current_code())
    name = places.rename_lineage(session, lineage_id=lineage_id, area_id=area.id,
                                 name=request.form.get("name", ""),
                                 user_id=current_actor().id)
    flash(f"Platsen heter nu {name}." if name else "Platsen har fått sitt automatiska namn.",
          "info")
    return redirect(url_for("review.week", slug=week.slug) + "#hotspots")


@bp.route("/granskning/<slug>/mote", methods=["GET", "POST"])
@permission_required("review.view")
def meeting(slug: str):
    """Edit (action managers) or read (the rest of the group) the week's meeting record."""
    week = _week(slug)
    session = get_session()
    area = queries.area_by_code(session, current_code())
    errors = {}
    if request.method == "POST":
        if not access.can(current_actor(), "meeting.manage"):
            abort(403)
        form = request.form
        decisions = [{"text": t, "action_id": a} for t, a in zip(
            form.getlist("decision_text"), form.getlist("decision_action"), strict=False)]
        try:
            review_service.save_meeting(
                session, area.code, week, participants=form.getlist("participants"),
                notes=form.get("notes"), decisions=decisions,
                meta={k: form.get(k, "") for k in ("held_on", "chair", "minute_taker",
                                                   "next_meeting")})
        except ValidationError as exc:
            errors = exc.errors
        else:
            flash("Mötesanteckningarna är sparade.", "info")
            return redirect(url_for("review.meeting", slug=week.slug))
    review = review_service.get_review(session, area.id, week)
    return render_template("review/meeting.html", week=week, area=area, review=review,
                           meta=review_service.meeting_meta(review),
                           participants=review_service.participants(review),
                           organisations=tenancy.organisations_in(
                               session, area, review_service.organisations(session)),
                           actions=action_service.list_actions(session, area.id),
                           errors=errors, form=request.form if errors else None,
                           can_manage=access.can(current_actor(), "meeting.manage")), \
        400 if errors else 200


@bp.get("/granskning/<slug>/dagordning")
@permission_required("review.view")
def agenda(slug: str):
    """Printable agenda (HTML, or PDF with ``?format=pdf``)."""
    return _print_view(slug, "review/agenda.html", "dagordning")


@bp.get("/granskning/<slug>/protokoll")
@permission_required("review.view")
def minutes(slug: str):
    """Printable minutes (HTML, or PDF with ``?format=pdf``)."""
    return _print_view(slug, "review/minutes.html", "protokoll")


def _print_view(slug: str, template: str, name: str):
    week = _week(slug)
    settings = _settings()
    session = get_session()
    data = review_service.agenda(session, current_code(), week,
                                 crs=settings.projected_crs, actor=current_actor(),
                                 min_cell=settings.min_cell)
    html = render_template(template, week=week, **data, weekdays=WEEKDAYS_SV,
                           status_labels=action_service.STATUS_LABELS, num=number,
                           generated=datetime.now(settings.tz),
                           print_map=printing.meeting_map(data["page"]))
    if request.args.get("format") == "pdf":
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=request.url_root).write_pdf()
        filename = f"est-{name}-{week.slug}.pdf"
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return html


from web.views import review_actions  # noqa: E402,F401  (routes on this blueprint)
