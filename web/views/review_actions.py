"""Actions (åtgärder) of the weekly review: record from a week, edit, and the overview
``/atgarder`` with filters and CSV/XLSX export. Routes on the review blueprint."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from est import access, places, queries
from est import review as review_service
from est.errors import ValidationError
from est.exports.spreadsheet import CSV_MEDIA, XLSX_MEDIA, Sheet, csv_bytes, xlsx_bytes
from est.models import Category
from est.models.hotspots import CLASS_LABELS, Hotspot
from est.review import Week
from est.review import actions as overview
from est.services import actions as action_service
from est.services.categories import list_categories
from web import maps
from web.auth import current_actor, permission_required
from web.db import get_session
from web.views.review import _week, bp
from web.views.tenancy import current_code


def _settings():
    return current_app.config["EST_SETTINGS"]


@bp.route("/granskning/<slug>/atgard/ny", methods=["GET", "POST"])
@permission_required("action.manage")
def new_action(slug: str):
    """Record an action from a hot spot (``?hotspot=ID``) or a category (``?category=code``).

    The action belongs to the week it is decided from (its meeting record), whatever its
    start date; a hot spot action opens with a map of the place and its name filled in.
    """
    week = _week(slug)
    session = get_session()
    area = queries.area_by_code(session, current_code())
    source = request.form if request.method == "POST" else request.args
    hotspot = _hotspot(source.get("hotspot_id") or request.args.get("hotspot"))
    data = {
        "hotspot_id": hotspot.id if hotspot else None,
        "category_id": source.get("category_id") or _category_id(request.args.get("category")),
        "title": source.get("title", ""),
        "description": source.get("description", ""),
        "organisation_id": source.get("organisation_id", ""),
        "contact_person": source.get("contact_person", ""),
        "starts_on": source.get("starts_on") or (week.sunday + timedelta(days=1)).isoformat(),
        "due_on": source.get("due_on", ""),
        "status": source.get("status", "planned"),
        "place_name": source.get("place_name") if request.method == "POST" else (
            places.name_for_lineage(session, hotspot.lineage_id, area.id, hotspot.polygon)
            if hotspot else ""),
    }
    errors = {}
    if request.method == "POST":
        try:
            action = review_service.record_action(session, current_actor(), area.code, week,
                                                  data)
        except ValidationError as exc:
            errors = exc.errors
        else:
            flash(f"Åtgärden ”{action.title}” är sparad i {week.label.lower()}.", "info")
            return redirect(url_for("review.week", slug=week.slug) + "#atgarder")
    return _action_form(week, data, errors, hotspot=hotspot)


@bp.route("/atgarder/<int:action_id>", methods=["GET", "POST"])
@permission_required("action.view")
def edit_action(action_id: int):
    """Show an action; managers change everything, the responsible organisation its status."""
    session = get_session()
    actor = current_actor()
    action = action_service.get_action(session, action_id)
    access.require_action(actor, action)
    fields = access.action_fields_for(actor, action)
    back = _back_week(request.args.get("week"), action)
    errors = {}
    data = {"title": action.title, "description": action.description or "",
            "organisation_id": action.organisation_id, "contact_person":
            action.contact_person or "", "starts_on": action.starts_on.isoformat(),
            "due_on": action.due_on.isoformat() if action.due_on else "",
            "status": action.status, "outcome_note": action.outcome_note or ""}
    if request.method == "POST":
        if not fields:
            abort(403)
        update = {f: request.form.get(f, "") for f in fields}
        data.update(update)
        try:
            action_service.update_action(session, actor, action_id, update)
        except ValidationError as exc:
            errors = exc.errors
        else:
            flash(f"Åtgärden ”{action.title}” är uppdaterad.", "info")
            return redirect(url_for("review.week", slug=back.slug) + "#atgarder")
    return _action_form(back, data, errors, action=action,
                        owner_only=fields == access.ACTION_OWNER_FIELDS, read_only=not fields,
                        private=access.can_read_action_private(actor, action),
                        follow=action_service.follow_up(session, action,
                                                        tz=_settings().timezone))


@bp.get("/atgarder")
@permission_required("action.view")
def actions_overview():
    """List every action of the municipality across weeks; filters status, owner, overdue.

    ``?format=csv`` or ``xlsx`` downloads the filtered list.
    """
    settings = _settings()
    session = get_session()
    area = queries.area_by_code(session, current_code())
    filters = overview.ActionFilters.parse(request.args)
    today = datetime.now(settings.tz).date()
    rows = overview.list_overview(session, area.id, filters, today=today)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        actor = current_actor()
        table = overview.export_rows(session, rows, today=today, tz=settings.timezone)
        for a, row in zip(rows, table, strict=True):
            if not access.can_read_action_private(actor, a):
                row[5] = row[11] = ""  # another organisation's contact and outcome note
        name = f"est-atgarder-{today.isoformat()}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "no-store"}
        if fmt == "csv":
            return Response(csv_bytes(overview.COLUMNS, table), headers=headers,
                            content_type=CSV_MEDIA)
        return Response(xlsx_bytes([Sheet("Åtgärder", overview.COLUMNS, table)],
                                   title=f"Åtgärder {area.name} {today.isoformat()}"),
                        headers=headers, content_type=XLSX_MEDIA)
    if fmt:
        raise ValidationError("format must be csv or xlsx", field="format")
    return render_template(
        "review/actions.html", rows=rows, filters=filters, query=filters.as_query(),
        owners=overview.owners(session, area.id), today=today,
        overdue={a.id for a in rows if overview.is_overdue(a, today)},
        weeks=overview.decided_weeks(session, rows, settings.timezone),
        status_labels=action_service.STATUS_LABELS, area=area,
        current_week=Week.containing(today - timedelta(days=7), settings.timezone))


def _action_form(week: Week, data: dict, errors: dict, **context):
    """Render the action form (new or edit); 400 when it comes back with errors."""
    session = get_session()
    context = {"action": None, "hotspot": None, "owner_only": False, "read_only": False,
               "private": True, **context}
    hotspot = context["hotspot"]
    place = hotspot.polygon if hotspot else (context["action"].geom if context["action"]
                                             else None)
    html = render_template("review/action_form.html", week=week, data=data, errors=errors,
                           organisations=review_service.organisations(session),
                           categories=list_categories(session),
                           status_labels=action_service.STATUS_LABELS,
                           hotspot_label=_hotspot_label(hotspot, data.get("place_name")),
                           map=maps.embed(_place_map(place)) if place is not None else None,
                           **context)
    return html, 400 if errors else 200


def _place_map(geom):
    """A small map of the action's place (the hot spot outline)."""
    feature = {"type": "Feature", "geometry": mapping(to_shape(geom)),
               "properties": {"class": None, "rank": None, "label": "Åtgärdens plats"}}
    m = maps.base_map(maps.bounds_of([feature]))
    maps.add_hotspots(m, [feature], "Platsen")
    return m


def _back_week(slug: str | None, action) -> Week:
    tz = _settings().timezone
    if slug:
        try:
            return Week.parse(slug, tz)
        except ValidationError:
            pass
    return Week.containing(action.starts_on, tz)


def _category_id(code: str | None) -> int | None:
    if not code:
        return None
    category = get_session().query(Category).filter_by(code=code).one_or_none()
    return category.id if category else None


def _hotspot(value) -> Hotspot | None:
    if not value or not str(value).isdigit() or len(str(value)) > 12:
        return None
    return get_session().get(Hotspot, int(value))


def _hotspot_label(h: Hotspot | None, name: str | None) -> str | None:
    if h is None:
        return None
    klass = CLASS_LABELS.get(h.klass, h.klass)
    return f"{name or 'Hot spot'} ({klass}, {h.count} rapporter veckan)"
