"""Weekly EST review: the week's map, hot spots, trends, actions, meeting record and print views."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from est import access, queries
from est import review as review_service
from est.errors import ValidationError
from est.models import Category
from est.models.hotspots import CLASS_COLOURS, CLASS_LABELS
from est.review import WEEKDAYS_SV, Filters, Week
from est.services import actions as action_service
from est.services.categories import list_categories
from web import maps
from web.auth import current_actor, roles_required
from web.db import get_session

bp = Blueprint("review", __name__)
VIEWERS = ("admin", "coordinator", "viewer")
MANAGERS = ("admin", "coordinator")


def _settings():
    return current_app.config["EST_SETTINGS"]


def _week(slug: str) -> Week:
    try:
        return Week.parse(slug, _settings().timezone)
    except ValidationError:
        abort(404, description=f"{slug} är ingen ISO-vecka (skriv t.ex. 2026-W47).")


def _filters() -> Filters:
    args = request.args
    return Filters(district=args.get("district") or None, category=args.get("category") or None,
                   kind=args.get("kind") or None, organisation=args.get("organisation") or None)


@bp.get("/granskning")
@roles_required(*VIEWERS)
def latest():
    """Redirect to the last complete week (the one the EST group reviews)."""
    today = datetime.now(_settings().tz).date()
    week = Week.containing(today - timedelta(days=7), _settings().timezone)
    return redirect(url_for("review.week", slug=week.slug, **request.args))


@bp.get("/granskning/<slug>")
@roles_required(*VIEWERS)
def week(slug: str):
    """Show the week: map, ranked hot spots with trends, totals, matrix, actions."""
    settings = _settings()
    week = _week(slug)
    filters = _filters()
    session = get_session()
    page = review_service.build_review(session, settings.municipality, week, filters,
                                       actor=current_actor(), crs=settings.projected_crs)
    categories = list_categories(session)
    return render_template(
        "review/week.html",
        page=page,
        map=maps.embed(_week_map(page, categories)),
        categories=categories,
        districts=review_service.districts(session, page.area.id),
        organisations=review_service.organisations(session),
        weekdays=WEEKDAYS_SV,
        class_labels=CLASS_LABELS,
        status_labels=action_service.STATUS_LABELS,
        class_colours=CLASS_COLOURS,
        prev=week.shift(-1),
        next=week.shift(1),
        can_manage=current_user.role in MANAGERS,
        query=filters.as_query(),
    )


def _week_map(page, categories: list[Category]):
    session = get_session()
    outline = queries.area_geojson(session, page.area.id)
    features = [
        {"type": "Feature", "geometry": mapping(to_shape(row.hotspot.polygon)),
         "properties": {"class": row.hotspot.klass, "rank": row.hotspot.rank,
                        "label": f"#{row.hotspot.rank} {row.klass_label}: "
                                 f"{row.hotspot.count} rapporter"}}
        for row in page.hotspots
    ]
    # Open where things happen: the hot spots, else the week's reports, else the whole area.
    focus = maps.bounds_of(features) or maps.bounds_of(page.cells or []) or maps.bounds_of(
        [{"geometry": {"coordinates": [p[1], p[0]]}} for p in page.points])
    m = maps.base_map(focus or outline["bounds"])
    maps.add_boundary(m, outline["geometry"], page.area.name)
    maps.add_districts(m, [
        {"type": "Feature", "geometry": mapping(to_shape(d.geom)), "properties": {"name": d.name}}
        for d in review_service.districts(session, page.area.id)], "Kommundelar")
    labels = {c.code: c.label_sv for c in categories}
    colours = maps.category_colours([c.code for c in categories])
    if page.points:
        maps.add_report_points(m, page.points, labels, colours, "Rapporter (veckan)")
        maps.add_heatmap(m, [(p[0], p[1]) for p in page.points], "Täthet")
    elif page.cells:
        maps.add_count_cells(m, page.cells, "Rapporter per ruta (veckan)")
    maps.add_hotspots(m, features, "Hot spots")
    action_marks = []
    for action, _f in page.actions:
        if action.geom is not None:
            c = to_shape(action.geom).centroid
            action_marks.append({"lat": c.y, "lon": c.x, "title": action.title,
                                 "status": action_service.STATUS_LABELS[action.status]})
    maps.add_action_markers(m, action_marks, "Åtgärder")
    maps.add_layer_control(m)
    legend = [(f"background:{CLASS_COLOURS[k]};opacity:.6", f"Hot spot: {CLASS_LABELS[k]}")
              for k in ("new", "intensifying", "persistent", "diminishing", "sporadic")]
    legend += [("background:#888;border-radius:50%;border:1px solid #222", "Händelse (fylld)"),
               ("background:#fff;border-radius:50%;border:3px solid #888",
                "Otrygghet (ring)"),
               ("background:#f1c40f;transform:rotate(45deg);border:2px solid #000", "Åtgärd")]
    maps.add_legend(m, legend, "Teckenförklaring")
    return m


@bp.route("/granskning/<slug>/atgard/ny", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_action(slug: str):
    """Record an action from a hot spot (``?hotspot=ID``) or a category (``?category=code``)."""
    week = _week(slug)
    session = get_session()
    area = queries.area_by_code(session, _settings().municipality)
    source = request.form if request.method == "POST" else request.args
    data = {
        "hotspot_id": source.get("hotspot_id") or request.args.get("hotspot"),
        "category_id": source.get("category_id") or _category_id(request.args.get("category")),
        "title": source.get("title", ""),
        "description": source.get("description", ""),
        "organisation_id": source.get("organisation_id", ""),
        "contact_person": source.get("contact_person", ""),
        "starts_on": source.get("starts_on") or (week.sunday + timedelta(days=1)).isoformat(),
        "due_on": source.get("due_on", ""),
        "status": source.get("status", "planned"),
        "place_name": source.get("place_name", ""),
    }
    errors = {}
    if request.method == "POST":
        try:
            review = review_service.get_review(session, area.id, week)
            action_service.create_action(session, current_actor(), area_id=area.id, data=data,
                                         review_id=review.id if review else None)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("review.week", slug=week.slug) + "#atgarder")
    return _action_form(week, data, errors, hotspot=_hotspot_label(data["hotspot_id"]))


@bp.route("/atgarder/<int:action_id>", methods=["GET", "POST"])
@roles_required("admin", "coordinator", "reporter")
def edit_action(action_id: int):
    """Update an action: coordinators everything, the responsible organisation its status."""
    session = get_session()
    action = action_service.get_action(session, action_id)
    back = request.args.get("week") or Week.containing(action.starts_on,
                                                        _settings().timezone).slug
    errors = {}
    data = {"title": action.title, "description": action.description or "",
            "organisation_id": action.organisation_id, "contact_person":
            action.contact_person or "", "starts_on": action.starts_on.isoformat(),
            "due_on": action.due_on.isoformat() if action.due_on else "",
            "status": action.status, "outcome_note": action.outcome_note or ""}
    if request.method == "POST":
        fields = ("status", "outcome_note") if current_user.role == "reporter" else (
            "title", "description", "organisation_id", "contact_person", "starts_on", "due_on",
            "status", "outcome_note")
        update = {f: request.form.get(f, "") for f in fields}
        data.update(update)
        try:
            action_service.update_action(session, current_actor(), action_id, update)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("review.week", slug=back) + "#atgarder")
    return _action_form(Week.parse(back, _settings().timezone), data, errors, action=action,
                        owner_only=current_user.role == "reporter",
                        follow=action_service.follow_up(session, action,
                                                        tz=_settings().timezone))


def _action_form(week: Week, data: dict, errors: dict, **context):
    """Render the action form (new or edit); 400 when it comes back with errors."""
    session = get_session()
    context = {"action": None, "hotspot": None, **context}
    html = render_template("review/action_form.html", week=week, data=data, errors=errors,
                           organisations=review_service.organisations(session),
                           categories=list_categories(session),
                           status_labels=action_service.STATUS_LABELS, **context)
    return html, 400 if errors else 200


@bp.route("/granskning/<slug>/mote", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def meeting(slug: str):
    """Edit (coordinators) or read (viewers) the week's meeting record."""
    week = _week(slug)
    session = get_session()
    area = queries.area_by_code(session, _settings().municipality)
    errors = {}
    if request.method == "POST":
        if current_user.role not in MANAGERS:
            abort(403)
        decisions = [{"text": t, "action_id": a} for t, a in zip(
            request.form.getlist("decision_text"), request.form.getlist("decision_action"),
            strict=False)]
        try:
            review_service.save_meeting(session, area.code, week,
                                        participants=request.form.getlist("participants"),
                                        notes=request.form.get("notes"), decisions=decisions)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("review.meeting", slug=week.slug, saved=1))
    review = review_service.get_review(session, area.id, week)
    week_actions = action_service.list_actions(session, area.id)
    return render_template("review/meeting.html", week=week, area=area, review=review,
                           organisations=review_service.organisations(session),
                           actions=week_actions, errors=errors,
                           can_manage=current_user.role in MANAGERS,
                           saved=request.args.get("saved")), 400 if errors else 200


@bp.get("/granskning/<slug>/dagordning")
@roles_required(*VIEWERS)
def agenda(slug: str):
    """Printable agenda (HTML, or PDF with ``?format=pdf``)."""
    return _print_view(slug, "review/agenda.html", "dagordning")


@bp.get("/granskning/<slug>/protokoll")
@roles_required(*VIEWERS)
def minutes(slug: str):
    """Printable minutes (HTML, or PDF with ``?format=pdf``)."""
    return _print_view(slug, "review/minutes.html", "protokoll")


def _print_view(slug: str, template: str, name: str):
    week = _week(slug)
    settings = _settings()
    session = get_session()
    access.require(current_actor(), "review.view")
    data = review_service.agenda(session, settings.municipality, week,
                                 crs=settings.projected_crs)
    html = render_template(template, week=week, **data, weekdays=WEEKDAYS_SV,
                           status_labels=action_service.STATUS_LABELS,
                           generated=datetime.now(settings.tz))
    if request.args.get("format") == "pdf":
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=request.url_root).write_pdf()
        filename = f"est-{name}-{week.slug}.pdf"
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    return html


def _category_id(code: str | None) -> int | None:
    if not code:
        return None
    category = get_session().query(Category).filter_by(code=code).one_or_none()
    return category.id if category else None


def _hotspot_label(hotspot_id) -> str | None:
    from est.models.hotspots import Hotspot

    if not hotspot_id:
        return None
    try:
        h = get_session().get(Hotspot, int(hotspot_id))
    except ValueError:
        return None
    return f"Hot spot #{h.rank} ({CLASS_LABELS.get(h.klass)}, {h.count} rapporter)" if h else None
