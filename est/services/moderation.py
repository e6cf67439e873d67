"""Moderation of public reports: publish, reject, edit category/location, mark duplicates.

Every change writes an :class:`~est.models.AuditEvent` with old and new values. Only
coordinators and admins may moderate, and only reports they can see (their municipality).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from geoalchemy2 import Geography
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session, aliased

from est import access
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import AuditEvent, Category, Report
from est.safe_times import get_readable
from est.services.reports import (
    MESSAGES,
    N_,
    ReportRow,
    get_report,
    list_reports,
    parse_lonlat,
    parse_report_id,
    point_in_area,
    reference,
)

DUPLICATE_RADIUS_M = 100
DUPLICATE_DAYS = 7
MAX_REJECT_REASON = 500
# Reasons a coordinator chooses from when rejecting; the code is kept on the report
# (report.reject_reason) and the label shown to the reporter (status page, e-mail).
REJECT_REASONS = {
    "duplicate": N_("Samma sak har redan rapporterats."),
    "outside": N_("Platsen ligger utanför kommunens område."),
    "emergency": N_("Det gäller ett brott eller ett akut ärende: kontakta Polisen på 112 "
                    "eller 114 14."),
    "elsewhere": N_("Ärendet hör till en annan myndighet eller fastighetsägare."),
    "insufficient": N_("Rapporten hade för lite information för att kunna användas."),
    "personal": N_("Rapporten handlade om enskilda personer."),
    "spam": N_("Rapporten var inte ett ärende för tjänsten."),
    "other": N_("Annat skäl."),
}


def pending_reports(session: Session, user: access.ActorLike | None,
                    limit: int = 500) -> list[ReportRow]:
    """Return the public reports waiting for moderation that ``user`` may moderate."""
    access.require(user, "report.moderate")
    return list_reports(session, user, statuses=["pending"], limit=limit)


def publish(session: Session, report_id: uuid.UUID | str,
            user: access.ActorLike | None) -> Report:
    """Publish a pending public report."""
    return _set_status(session, report_id, user, "published")


def reject(session: Session, report_id: uuid.UUID | str, user: access.ActorLike | None,
           reason: str, note: str | None = None) -> Report:
    """Reject a pending public report for a reason from :data:`REJECT_REASONS`.

    ``reason`` is a code of the list; any other text (older callers, the CLI) is kept as the
    staff-only note with the code ``other``. The note stays in the audit trail.
    """
    reason = (reason or "").strip()
    note = (note or "").strip() or None
    if not reason:
        raise ValidationError("Ange varför rapporten avvisas.", field="reason")
    if reason not in REJECT_REASONS:
        reason, note = "other", reason if note is None else f"{reason}: {note}"
    if note is not None and len(note) > MAX_REJECT_REASON:
        raise ValidationError(f"Högst {MAX_REJECT_REASON} tecken.", field="reason")
    return _set_status(session, report_id, user, "rejected",
                       note=note or REJECT_REASONS[reason], reason=reason)


def edit_report(session: Session, report_id: uuid.UUID | str, user: access.ActorLike | None,
                data: dict[str, Any]) -> Report:
    """Change a report's category and/or location (WGS84 ``lon``/``lat`` strings or floats).

    The new point must lie inside the report's municipality. Unchanged values are ignored.
    """
    report, moderator = _moderatable(session, report_id, user)
    errors: dict[str, str] = {}
    new_category = None
    code = str(data.get("category") or "").strip()
    current = session.get(Category, report.category_id)
    if code and current is not None and code != current.code:
        new_category = session.scalar(select(Category).where(
            Category.code == code, Category.kind == report.kind, Category.active.is_(True)))
        if new_category is None:
            errors["category"] = MESSAGES["category"]
    new_point = None
    if str(data.get("lon") or "").strip() or str(data.get("lat") or "").strip():
        lon, lat = parse_lonlat(data.get("lon"), data.get("lat"), errors)
        if lon is not None and lat is not None:
            if report.area_id is not None and not point_in_area(session, report.area_id,
                                                                lon, lat):
                errors["location"] = MESSAGES["outside"]
            else:
                new_point = (lon, lat)
    if errors:
        raise ValidationError(errors)
    old_lon, old_lat = session.execute(
        select(func.ST_X(Report.geom), func.ST_Y(Report.geom)).where(Report.id == report.id)
    ).one()
    if new_point is not None and not _moved(new_point, (old_lon, old_lat)):
        new_point = None
    with transaction(session):
        if new_category is not None and current is not None:
            session.add(AuditEvent(report_id=report.id, user_id=moderator.id,
                                   action="category_edited",
                                   old={"category": current.code},
                                   new={"category": new_category.code}))
            report.category_id = new_category.id
            if report.kind == "otrygghet":
                report.reasons = [new_category] + [r for r in report.reasons
                                                   if r.id not in (current.id, new_category.id)]
        if new_point is not None:
            session.add(AuditEvent(report_id=report.id, user_id=moderator.id,
                                   action="location_edited",
                                   old={"lon": old_lon, "lat": old_lat},
                                   new={"lon": new_point[0], "lat": new_point[1]}))
            report.geom = from_shape(Point(*new_point), srid=4326)
    return report


def duplicate_candidates(session: Session, report_id: uuid.UUID | str,
                         user: access.ActorLike | None, radius_m: float = DUPLICATE_RADIUS_M,
                         days: int = DUPLICATE_DAYS) -> list[dict]:
    """Return reports of the same category within ``radius_m`` metres and ``days`` days.

    Distances are geodesic (PostGIS ``ST_DWithin`` on geography, metres). Rejected reports
    and the report itself are left out; nearest first.
    """
    report, _moderator = _moderatable(session, report_id, user)
    other = aliased(Report)
    me = aliased(Report)
    distance = func.ST_Distance(cast(other.geom, Geography), cast(me.geom, Geography))
    stmt = (
        select(other.id, other.status, other.occurred_at, distance, other.receipt_ref)
        .select_from(other).join(me, me.id == report.id)
        .where(other.id != me.id, other.category_id == me.category_id,
               other.status != "rejected",
               func.ST_DWithin(cast(other.geom, Geography), cast(me.geom, Geography), radius_m),
               other.occurred_at.between(me.occurred_at - timedelta(days=days),
                                         me.occurred_at + timedelta(days=days)))
        .order_by(distance).limit(20)
    )
    stmt = _visible_alias(stmt, other, user)
    return [{"id": r[0], "reference": reference(r[4]), "status": r[1], "occurred_at": r[2],
             "distance_m": round(float(r[3]), 1)} for r in session.execute(stmt)]


def mark_duplicate(session: Session, report_id: uuid.UUID | str, of_id: uuid.UUID | str,
                   user: access.ActorLike | None) -> Report:
    """Mark a report as a duplicate of a nearby one (it is rejected and points to the original)."""
    report, moderator = _moderatable(session, report_id, user)
    original_id = parse_report_id(of_id)
    candidates = {c["id"] for c in duplicate_candidates(session, report.id, user)}
    if original_id not in candidates:
        raise ValidationError(
            f"Välj en rapport av samma kategori inom {DUPLICATE_RADIUS_M} m och "
            f"{DUPLICATE_DAYS} dagar.", field="duplicate_of")
    with transaction(session):
        session.add(AuditEvent(report_id=report.id, user_id=moderator.id,
                               action="duplicate_marked",
                               old={"status": report.status, "duplicate_of": None},
                               new={"status": "rejected", "duplicate_of": str(original_id)}))
        report.duplicate_of = original_id
        report.status = "rejected"
        report.reject_reason = "duplicate"
        from est import webhooks  # the organisation's hooks, sent after the commit
        webhooks.notify(session, report, "report.rejected")
    return report


# -- helpers ----------------------------------------------------------------------------------

def _moderatable(session: Session, report_id: uuid.UUID | str, user: access.ActorLike | None
                 ) -> tuple[Report, access.ActorLike]:
    """Return the report ``user`` may moderate, and ``user`` known to be signed in."""
    access.require(user, "report.moderate")
    if user is None:  # pragma: no cover - require() already turns anonymous users away
        raise PermissionDenied("Logga in först.")
    row = get_report(session, report_id, user)  # NotFound outside the user's municipality
    report = get_readable(session, Report, row.id)  # a BC time must not block moderation
    if report is None:  # pragma: no cover - deleted between the two reads
        raise NotFound("Rapporten finns inte.")
    return report, user


def _set_status(session: Session, report_id: uuid.UUID | str, user: access.ActorLike | None,
                status: str, note: str | None = None, reason: str | None = None) -> Report:
    report, moderator = _moderatable(session, report_id, user)
    if report.status != "pending":
        raise ValidationError(f"Rapporten är redan {report.status}; bara väntande rapporter "
                              "kan modereras.", field="status")
    with transaction(session):
        session.add(AuditEvent(report_id=report.id, user_id=moderator.id,
                               action="status_changed", old={"status": report.status},
                               new={"status": status, **({"reason": reason} if reason else {})},
                               note=note))
        report.status = status
        report.reject_reason = reason
        report.visibility = "public" if status == "published" else "staff"
        from est import webhooks  # the organisation's hooks, sent after the commit
        webhooks.notify(session, report, f"report.{status}")
    return report


def _visible_alias(stmt, other, user):
    """Apply the access filter to an aliased report (same rules as visible_reports)."""
    visible = access.visible_reports(select(Report.id), user)
    return stmt.where(other.id.in_(visible))


def _moved(new: tuple[float, float], old: tuple[float, float]) -> bool:
    return abs(new[0] - old[0]) > 1e-7 or abs(new[1] - old[1]) > 1e-7
