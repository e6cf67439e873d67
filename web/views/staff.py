"""Staff pages: report list and detail, the staff report form and the aggregated overview."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from est import access, queries
from est.errors import ValidationError
from est.services import reports
from web.auth import current_actor, home_for, roles_required
from web.db import get_session
from web.views.report_public import form_context, municipality, translated

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
            "reference": reports.reference}


@bp.get("/")
@roles_required(*STAFF_ROLES)
def start():
    """Send the user to the start page of their role."""
    return redirect(home_for(current_actor().role))


@bp.get("/rapporter", endpoint="reports")
@roles_required(*REPORT_ROLES)
def reports_list():
    """List the newest reports the user may see (own organisation, or the municipality)."""
    status = request.args.get("status") or None
    rows = reports.list_reports(get_session(), current_actor(),
                                statuses=[status] if status else None)
    return render_template("staff/reports.html", rows=rows, status=status)


@bp.get("/rapporter/<report_id>")
@roles_required(*REPORT_ROLES)
def report_detail(report_id: str):
    """Show one report with its audit trail (404 if it is not visible to the user)."""
    session = get_session()
    row = reports.get_report(session, report_id, current_actor())
    history = reports.report_history(session, report_id, current_actor())
    return render_template("staff/report.html", row=row, history=history)


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
        report = reports.create_report(session, request.form, user=actor,
                                       municipality=settings.municipality, tz=settings.tz)
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
