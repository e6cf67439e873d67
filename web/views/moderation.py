"""Moderation queue for coordinators: pending public reports on a map and in a list."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from est import access, queries, tenancy
from est.errors import ValidationError
from est.services import moderation, reports
from est.services import resident as resident_service
from est.services.categories import list_categories
from web import maps
from web.auth import current_actor, roles_required
from web.db import get_session
from web.views import resident
from web.views.report_public import location_map, translated
from web.views.tenancy import municipality

bp = Blueprint("moderation", __name__, url_prefix="/moderering")

MODERATOR_ROLES = tuple(sorted(access.POLICY["report.moderate"]))


@bp.get("/")
@roles_required(*MODERATOR_ROLES)
def queue():
    """Show pending public reports on a map and in a list, newest first."""
    area = municipality()
    rows = moderation.pending_reports(get_session(), current_actor())
    outline = queries.area_geojson(get_session(), area.id)
    m = maps.base_map(_bounds(rows) or outline["bounds"])
    maps.add_boundary(m, outline["geometry"], area.name)
    points = [{"lat": r.lat, "lon": r.lon, "ref": r.reference, "label": r.category_label,
               "url": url_for(".detail", report_id=r.id)} for r in rows]
    maps.after_map(m, "estPendingLayer", points)
    return render_template("staff/moderation.html", rows=rows, area=area, map=maps.embed(m))


@bp.get("/<report_id>")
@roles_required(*MODERATOR_ROLES)
def detail(report_id: str):
    """Show a report with the moderation actions and nearby duplicate candidates."""
    return _render_detail(report_id)


@bp.post("/<report_id>/publicera")
@roles_required(*MODERATOR_ROLES)
def publish(report_id: str):
    """Publish a pending report."""
    report = moderation.publish(get_session(), report_id, current_actor())
    resident.notify(report, "published")  # after the commit; a failed send is only logged
    flash(f"{reports.reference(report.receipt_ref)} är publicerad.", "info")
    return redirect(url_for(".queue"))


@bp.post("/<report_id>/avvisa")
@roles_required(*MODERATOR_ROLES)
def reject(report_id: str):
    """Reject a pending report with a reason."""
    try:
        report = moderation.reject(get_session(), report_id, current_actor(),
                                   request.form.get("reason", ""), request.form.get("note"))
    except ValidationError as exc:
        return _render_detail(report_id, errors=exc.errors, status=400)
    resident.notify(report, "rejected")
    flash(f"{reports.reference(report.receipt_ref)} är avvisad.", "info")
    return redirect(url_for(".queue"))


@bp.post("/<report_id>/andra")
@roles_required(*MODERATOR_ROLES)
def edit(report_id: str):
    """Change the category and/or location of a report."""
    try:
        moderation.edit_report(get_session(), report_id, current_actor(), request.form)
    except ValidationError as exc:
        return _render_detail(report_id, errors=translated(exc.errors), status=400)
    flash("Ändringen är sparad.", "info")
    return redirect(url_for(".detail", report_id=report_id))


@bp.post("/<report_id>/dubblett")
@roles_required(*MODERATOR_ROLES)
def duplicate(report_id: str):
    """Mark a report as a duplicate of a nearby report."""
    try:
        report = moderation.mark_duplicate(get_session(), report_id,
                                           request.form.get("duplicate_of", ""), current_actor())
    except ValidationError as exc:
        return _render_detail(report_id, errors=exc.errors, status=400)
    resident.notify(report, "rejected")
    flash(f"{reports.reference(report.receipt_ref)} är markerad som dubblett.", "info")
    return redirect(url_for(".queue"))


def _render_detail(report_id: str, errors: dict | None = None, status: int = 200):
    session = get_session()
    actor = current_actor()
    access.require(actor, "report.moderate")
    row = reports.get_report(session, report_id, actor)
    # The report's own municipality (a regional moderator's current one may be another).
    area = tenancy.municipality_for_point(session, row.lon, row.lat) or municipality()
    values = request.form if errors else {"lon": f"{row.lon:.6f}", "lat": f"{row.lat:.6f}",
                                          "category": row.category_code}
    return render_template(
        "staff/moderate.html", row=row, errors=errors or {}, values=values,
        candidates=moderation.duplicate_candidates(session, row.id, actor),
        history=reports.report_history(session, row.id, actor),
        categories=list_categories(session, kind=row.kind),
        map=maps.embed(location_map(area, (row.lon, row.lat))),
        anchors={"location": "lat", "lat": "lat", "lon": "lon", "category": "category",
                 "reason": "reason", "duplicate_of": "duplicates"},
        places=[], reject_reasons=moderation.REJECT_REASONS,
        photos=resident_service.report_photos(session, row.id),
    ), status


def _bounds(rows) -> list[list[float]] | None:
    if not rows:
        return None
    lats = [r.lat for r in rows]
    lons = [r.lon for r in rows]
    pad = 0.002
    return [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]
