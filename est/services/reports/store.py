"""Storing and reading reports: create, list, detail, history, places and receipts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from est import access, audit_text
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import AuditEvent, Category, Organisation, Place, Report, User
from est.places import GAZETTEER_SORT
from est.queries import area_by_code
from est.safe_times import take_readable_times, with_readable_times
from est.services.reports.validation import (
    _by_key,
    validate_report,
)
from geo.validation import CoordinateError, check_lonlat


def reference(receipt_ref: str | None) -> str:
    """Return the receipt reference shown to the reporter, e.g. ``EST-7KQ2M9XA``.

    ``receipt_ref`` is ``report.receipt_ref``: random, set when the report is created and
    never derived from the report's id (so a reference reveals nothing about the record).
    """
    if receipt_ref is not None and not isinstance(receipt_ref, str):
        raise TypeError("reference() takes report.receipt_ref, not a report id")
    return f"EST-{receipt_ref}" if receipt_ref else "EST-saknas"


def list_places(session: Session, area_id: int) -> list[dict]:
    """Return the named places of an area as dicts with id, name, lon and lat (WGS84)."""
    rows = session.execute(
        select(Place.id, Place.name, func.ST_X(Place.geom), func.ST_Y(Place.geom))
        .where(Place.area_id == area_id, Place.sort_order < GAZETTEER_SORT)
        .order_by(Place.sort_order, Place.name)
    )
    return [{"id": r[0], "name": r[1], "lon": r[2], "lat": r[3]} for r in rows]


def replace_places(session: Session, area_code: str,
                   places: Iterable[tuple[str, float, float]]) -> int:
    """Replace the place list of a municipality with (name, lon, lat) tuples in WGS84."""
    places = list(places)
    for name, lon, lat in places:
        try:
            check_lonlat([lon], [lat])
        except CoordinateError as exc:
            raise ValidationError(f"{name}: {exc}", field="places") from None
    with transaction(session):
        area = area_by_code(session, area_code)
        session.execute(delete(Place).where(Place.area_id == area.id))
        for order, (name, lon, lat) in enumerate(places):
            session.add(Place(area_id=area.id, name=name, sort_order=order,
                              geom=from_shape(Point(lon, lat), srid=4326)))
    return len(places)


def create_report(session: Session, data: Mapping[str, Any], *,
                  user: access.ActorLike | None = None, source: str | None = None,
                  municipality: str = "1861", tz: ZoneInfo | None = None,
                  organisation_id: int | None = None, now: datetime | None = None,
                  idempotency_key: str | None = None) -> Report:
    """Validate and store one report in its own transaction, with an audit event.

    Public reports (``user`` None) start ``pending``; staff reports are ``reviewed`` at once,
    and so are reports of an organisation's system (``organisation_id``, an API key).
    A repeated ``idempotency_key`` (double submit, reload) returns the first report instead of
    creating another.
    """
    if user is not None:
        access.require(user, "report.create_staff")
    source = source or ("organisation" if user is not None else "public")
    tz = tz or ZoneInfo("Europe/Stockholm")
    if user is not None and organisation_id is not None:
        raise ValueError("give either user or organisation_id, not both")
    clean = validate_report(session, data, municipality=municipality, tz=tz, user=user,
                            organisation_id=organisation_id, now=now)
    if idempotency_key:  # an API's own namespaced key (est.services.api.idempotency_key)
        clean.idempotency_key = idempotency_key
    if clean.idempotency_key:
        existing = _by_key(session, clean.idempotency_key)
        if existing is not None:
            return existing
    status = "pending" if user is None and organisation_id is None else "reviewed"
    report = Report(
        kind=clean.kind, category_id=clean.category.id,
        geom=from_shape(Point(clean.lon, clean.lat), srid=4326), area_id=clean.area_id,
        occurred_at=clean.occurred_at, occurred_until=clean.occurred_until,
        time_precision=clean.time_precision, source=source,
        organisation_id=clean.organisation_id, reporter_id=user.id if user else None,
        contact=clean.contact, description=clean.description,
        internal_note=clean.internal_note, severity=clean.severity, status=status,
        visibility="staff", idempotency_key=clean.idempotency_key,
    )
    report.reasons = list(clean.reasons)
    try:
        with transaction(session):
            session.add(report)
            session.flush()
            session.add(AuditEvent(
                report_id=report.id, user_id=user.id if user else None, action="created",
                new={"status": status, "source": source, "category": clean.category.code,
                     "lon": clean.lon, "lat": clean.lat},
            ))
    except IntegrityError:
        # Two identical submits raced past the check above: the other one won.
        existing = _by_key(session, clean.idempotency_key) if clean.idempotency_key else None
        if existing is None:
            raise
        return existing
    return report


@dataclass(frozen=True)
class ReportRow:
    """A report as staff pages show it (WGS84 lon/lat in degrees)."""

    id: uuid.UUID
    reference: str
    kind: str
    category_code: str
    category_label: str
    reasons: tuple[str, ...]
    lon: float
    lat: float
    occurred_at: datetime | None  # None: the stored time is unreadable ("ogiltig tid")
    occurred_until: datetime | None
    time_precision: str
    reported_at: datetime | None
    source: str
    status: str
    organisation: str | None
    severity: int | None
    description: str | None
    contact: str | None
    internal_note: str | None
    duplicate_of: uuid.UUID | None
    duplicate_reference: str | None = None


def _row_select():
    original = aliased(Report)
    original_ref = (select(original.receipt_ref).where(original.id == Report.duplicate_of)
                    .scalar_subquery())
    return (
        select(Report, Category, Organisation.name,
               func.ST_X(Report.geom), func.ST_Y(Report.geom), original_ref)
        .join(Category, Report.category_id == Category.id)
        .outerjoin(Organisation, Report.organisation_id == Organisation.id)
        .options(selectinload(Report.reasons))
    )


def _to_row(report: Report, cat: Category, org: str | None, lon: float, lat: float,
            original_ref: str | None = None) -> ReportRow:
    return ReportRow(
        id=report.id, reference=reference(report.receipt_ref), kind=report.kind,
        category_code=cat.code, category_label=cat.label_sv,
        reasons=tuple(r.label_sv for r in report.reasons), lon=lon, lat=lat,
        occurred_at=report.occurred_at, occurred_until=report.occurred_until,
        time_precision=report.time_precision, reported_at=report.reported_at,
        source=report.source, status=report.status, organisation=org,
        severity=report.severity, description=report.description, contact=report.contact,
        internal_note=report.internal_note, duplicate_of=report.duplicate_of,
        duplicate_reference=reference(original_ref) if report.duplicate_of else None,
    )


def list_reports(session: Session, user: access.ActorLike | None, *,
                 statuses: Iterable[str] | None = None, limit: int = 200) -> list[ReportRow]:
    """Return the newest reports ``user`` may see individually (PermissionDenied otherwise)."""
    access.require(user, "report.view")
    stmt = access.visible_reports(_row_select(), user)
    if statuses:
        stmt = stmt.where(Report.status.in_(list(statuses)))
    stmt = stmt.order_by(Report.reported_at.desc(), Report.occurred_at.desc()).limit(limit)
    stmt = with_readable_times(stmt, Report)  # a BC time must not take the list down
    return [_to_row(*take_readable_times(row)) for row in session.execute(stmt)]


def get_report(session: Session, report_id: uuid.UUID | str,
               user: access.ActorLike | None) -> ReportRow:
    """Return one report if ``user`` may see it; NotFound if it does not exist or is hidden."""
    access.require(user, "report.view")
    rid = parse_report_id(report_id)
    row = session.execute(with_readable_times(access.visible_reports(_row_select(), user)
                                              .where(Report.id == rid), Report)).first()
    if row is None:
        raise NotFound("Rapporten finns inte eller så saknar du behörighet.")
    return _to_row(*take_readable_times(row))


def report_history(session: Session, report_id: uuid.UUID | str,
                   user: access.ActorLike | None) -> list[dict]:
    """Return the audit trail of a report the user may see, oldest first."""
    get_report(session, report_id, user)
    rows = session.execute(
        select(AuditEvent, User.name).outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.report_id == parse_report_id(report_id)).order_by(AuditEvent.at,
                                                                            AuditEvent.id)
    )
    return [{"at": e.at, "who": audit_text.who(e.action, name, e.new), "action": e.action,
             "old": e.old, "new": e.new, "note": e.note} for e, name in rows]


def organisations_for(session: Session, user: access.ActorLike) -> list[Organisation]:
    """Return the organisations ``user`` may report for (reporters: only their own)."""
    stmt = select(Organisation).order_by(Organisation.name)
    if not access.can(user, "report.view_all_organisations"):
        stmt = stmt.where(Organisation.id == user.organisation_id)
    elif user.area_id is not None:
        stmt = stmt.where((Organisation.area_id == user.area_id)
                          | (Organisation.area_id.is_(None)))
    return list(session.scalars(stmt))


def parse_report_id(value: uuid.UUID | str) -> uuid.UUID:
    """Return a report id as UUID, or raise NotFound for anything else."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Rapporten finns inte.") from None
