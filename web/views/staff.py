"""Staff pages: report list and detail, the staff report form and the aggregated overview."""

from __future__ import annotations

import secrets
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

from est import access, audit_text, queries
from est.errors import ValidationError
from est.exports.spreadsheet import CSV_MEDIA, XLSX_MEDIA, Sheet, csv_bytes, xlsx_bytes
from est.review import districts
from est.services import report_search, reports, resident
from est.services.categories import list_categories
from web import maps
from web.auth import current_actor, home_for, roles_required
from web.db import get_session
from web.views.report_public import form_context, translated, uploaded_photo
from web.views.tenancy import municipality

bp = Blueprint("staff", __name__, url_prefix="/personal")

REPORT_ROLES = tuple(sorted(access.POLICY["report.view"]))
CREATE_ROLES = tuple(sorted(access.POLICY["report.create_staff"]))
STAFF_ROLES = tuple(sorted(access.POLICY["aggregates.view"]))
STATUS_LABELS = {"pending": "väntar på granskning", "published": "publicerad",
                 "rejected": "avvisad", "new": "ny", "reviewed": "granskad",
                 "closed": "avslutad"}


@bp.app_context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "severity_labels": reports.SEVERITIES,
            "reference": reports.reference, "audit_words": _audit_words,
            "staff_notices": _staff_notices}


def _staff_notices() -> list:
    """Return the signed-in user's notices for the start pages (their choice, see /konto)."""
    from est.services import notifications

    actor = current_actor()
    if actor is None:
        return []
    settings = current_app.config["EST_SETTINGS"]
    session = get_session()
    on_page, _mail = notifications.preferences(session, actor)
    return notifications.notices(session, actor, on_page, today=datetime.now(settings.tz).date(),
                                 tz=settings.timezone)


def _audit_words(event: dict) -> str:
    """Return an audit event in Swedish words (category codes as their labels)."""
    labels = {c.code: c.label_sv for c in list_categories(get_session())}
    return audit_text.describe(event["action"], event["old"], event["new"], event["note"],
                               labels)


@bp.get("/")
@roles_required(*STAFF_ROLES)
def start():
    """Send the user to the start page of their role."""
    return redirect(home_for(current_actor()))


@bp.get("/rapporter", endpoint="reports")
@roles_required(*REPORT_ROLES)
def reports_list():
    """Search the reports the user may see: text, filters, pages of 100, map, CSV/XLSX."""
    settings = current_app.config["EST_SETTINGS"]
    session, actor, area = get_session(), current_actor(), municipality()
    query = report_search.ReportQuery.parse(request.args)
    fmt, view = request.args.get("format"), request.args.get("view")
    scope = {"area_id": area.id, "tz": settings.timezone}
    if fmt in ("csv", "xlsx"):
        rows = report_search.export_rows(session, actor, query, **scope)
        name = f"est-rapporter-{datetime.now(settings.tz):%Y-%m-%d}.{fmt}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "no-store"}
        if fmt == "csv":
            return Response(csv_bytes(report_search.EXPORT_COLUMNS, rows),
                            content_type=CSV_MEDIA, headers=headers)
        return Response(xlsx_bytes([Sheet("Rapporter", report_search.EXPORT_COLUMNS, rows)]),
                        content_type=XLSX_MEDIA, headers=headers)
    if fmt or view not in (None, "", "lista", "karta"):
        raise ValidationError("format must be csv or xlsx, view lista or karta",
                              field="format" if fmt else "view")
    result = report_search.search_reports(session, actor, query, **scope)
    categories = list_categories(session)
    map_ = None
    if view == "karta":
        points = report_search.search_points(session, actor, query, **scope)
        outline = queries.area_geojson(session, area.id)
        m = maps.base_map(maps.bounds_of([{"geometry": {"coordinates": [p[1], p[0]]}}
                                          for p in points]) or outline["bounds"])
        maps.add_boundary(m, outline["geometry"], area.name)
        maps.add_report_points(m, points, {c.code: c.label_sv for c in categories},
                               maps.category_colours([c.code for c in categories]),
                               "Rapporter")
        map_ = maps.embed(m)
    return render_template("staff/reports.html", rows=result.rows, result=result,
                           query=query, categories=categories,
                           districts=districts(session, area.id), view=view or "lista",
                           map=map_, status=query.status)


@bp.get("/rapporter/<report_id>")
@roles_required(*REPORT_ROLES)
def report_detail(report_id: str):
    """Show one report with its audit trail (404 if it is not visible to the user)."""
    session = get_session()
    row = reports.get_report(session, report_id, current_actor())
    history = reports.report_history(session, report_id, current_actor())
    return render_template("staff/report.html", row=row, history=history,
                           photos=resident.report_photos(session, row.id))


@bp.get("/foto/<uuid:photo_id>")
@roles_required(*REPORT_ROLES)
def photo(photo_id):
    """Send a report's photo to staff who may see the report (404 for anyone else)."""
    from est.photos import read_photo

    found = resident.photo_for(get_session(), current_actor(), photo_id)
    if found is None:
        abort(404)
    try:
        data = read_photo(found)
    except FileNotFoundError:
        abort(404)
    extension = "png" if found.content_type == "image/png" else "jpg"
    return Response(data, content_type=found.content_type, headers={
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="foto-{found.id}.{extension}"'})


@bp.route("/rapportera", methods=["GET", "POST"])
@roles_required(*CREATE_ROLES)
def new_report():
    """Show the staff report form; a valid report is stored as reviewed at once."""
    area = municipality()
    actor = current_actor()
    session = get_session()
    if request.method == "GET":
        values = {"kind": "incident", "organisation": str(actor.organisation_id or ""),
                  "idempotency_key": secrets.token_urlsafe(24)}
        return render_template("staff/form.html", **_context(area, values))
    settings = current_app.config["EST_SETTINGS"]
    try:
        report = resident.create_with_photo(
            session, request.form, uploaded_photo(), user=actor,
            municipality=area.code, tz=settings.tz,
            repeat=resident.key_used(session, request.form.get("idempotency_key"), staff=True))
    except ValidationError as exc:
        return render_template("staff/form.html",
                               **_context(area, request.form, translated(exc.errors))), 400
    flash(f"Rapporten {reports.reference(report.receipt_ref)} är sparad.", "info")
    return redirect(url_for("staff.report_detail", report_id=report.id))


@bp.get("/oversikt")
@roles_required(*STAFF_ROLES)
def overview():
    """Show aggregated counts per category for the last 30 days (every staff role)."""
    area = municipality()
    settings = current_app.config["EST_SETTINGS"]
    end = datetime.now(settings.tz)
    start = end - timedelta(days=30)
    counts = queries.counts_by_category(get_session(), area.id, start, end)
    return render_template("staff/overview.html", area=area, counts=counts, start=start,
                           end=end, total=sum(n for _k, _l, n in counts))


def _context(area, values, errors=None) -> dict:
    context = form_context(area, values, errors)
    context["organisations"] = reports.organisations_for(get_session(), current_actor())
    context["severities"] = reports.SEVERITIES
    return context
