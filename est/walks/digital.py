"""Public digital trygghetsvandringar: campaigns and the places residents mark in them.

A coordinator opens a campaign for a period and an area. While it is open, anyone can mark a
place on its public map (``/digital-vandring/<id>``):

- an *unsafe* place is a ``report`` (kind ``otrygghet``, source ``digital_vandring``, status
  ``pending``, ``campaign_id`` set), validated by the public reporting rules and moderated in
  the ordinary moderation queue; only once published does it count;
- a *safe* place is a ``digital_walk_safe_place`` row: never a report, never public.

The coordinator sees both kinds of pins when planning the walk's route.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import Area, AuditEvent, Category, DigitalWalk, Report, report_reason
from est.models.walks import SAFE_REASONS, DigitalWalkSafePlace
from est.services.reports.validation import validate_report
from est.walks import rules
from est.walks.store import municipality_of

MANAGE = "report.moderate"  # campaigns are opened by those who moderate their pins
DESCRIPTION_MAX = 2000
SAFE_NOTE_MAX = 500
MAX_DAYS = 366
PIN_KINDS = ("unsafe", "safe")


def create_campaign(session: Session, actor: access.ActorLike | None, data: Mapping[str, Any],
                    *, tz: ZoneInfo) -> DigitalWalk:
    """Open a digital walk for a period (``opens_at`` … ``closes_at``) and an area."""
    access.require(actor, MANAGE)
    errors: dict[str, str] = {}
    title = rules.text(data.get("title"), "title", errors, limit=rules.TITLE_MAX,
                       required=True, message="Ge den digitala vandringen ett namn.")
    description = rules.text(data.get("description"), "description", errors,
                             limit=DESCRIPTION_MAX)
    opens = rules.moment(data.get("opens_at"), "opens_at", errors, tz, required=True)
    closes = rules.moment(data.get("closes_at"), "closes_at", errors, tz, required=True)
    if opens and closes:
        if closes <= opens:
            errors["closes_at"] = "Slutet måste vara efter starten."
        elif closes - opens > timedelta(days=MAX_DAYS):
            errors["closes_at"] = f"En digital vandring pågår högst {MAX_DAYS} dagar."
    area_id = rules.integer(data.get("area_id"), "area_id", errors, low=1, high=2**31 - 1,
                            required=True, message="Välj område.")
    if area_id is not None:
        if session.get(Area, area_id) is None:
            errors["area_id"] = "Okänt område."
        elif not access.in_municipality(actor, municipality_of(session, area_id).id):
            errors["area_id"] = "Välj ett område i din kommun."
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        campaign = DigitalWalk(area_id=area_id, title=title, description=description,
                               opens_at=opens, closes_at=closes)
        session.add(campaign)
        session.flush()
    return campaign


def list_campaigns(session: Session, actor: access.ActorLike | None,
                   municipality_id: int) -> list[DigitalWalk]:
    """Return the campaigns in a municipality and its districts, newest first."""
    if not access.in_municipality(actor, municipality_id):
        return []
    ids = select(Area.id).where((Area.id == municipality_id) | (Area.parent_id == municipality_id))
    return list(session.scalars(select(DigitalWalk).where(DigitalWalk.area_id.in_(ids))
                                .order_by(DigitalWalk.opens_at.desc(), DigitalWalk.id.desc())))


def public_campaign(session: Session, campaign_id: int) -> DigitalWalk:
    """Return a campaign for its public page (NotFound if it does not exist)."""
    campaign = session.get(DigitalWalk, campaign_id)
    if campaign is None:
        raise NotFound("Den digitala trygghetsvandringen finns inte.")
    return campaign


def is_open(campaign: DigitalWalk, now: datetime | None = None) -> bool:
    """Return True while residents may mark places (``opens_at`` ≤ now < ``closes_at``)."""
    now = now or datetime.now(UTC)
    return campaign.opens_at <= now < campaign.closes_at


def add_pin(session: Session, campaign_id: int, data: Mapping[str, Any], *, tz: ZoneInfo,
            now: datetime | None = None) -> Report | DigitalWalkSafePlace:
    """Store a resident's pin: an unsafe place (a pending report) or a safe place.

    ``data``: ``pin`` (``unsafe`` or ``safe``), ``lon``/``lat`` (WGS84 degrees), for unsafe
    places ``reasons`` (otrygghet codes, at least one) and ``description``; for safe places
    ``safe_reasons`` (codes of :data:`SAFE_REASONS`) and ``note``. The point must lie in the
    campaign's area and the campaign must be open.
    """
    now = now or datetime.now(UTC)
    campaign = public_campaign(session, campaign_id)
    if not is_open(campaign, now):
        raise ValidationError("Den digitala trygghetsvandringen är inte öppen just nu.",
                              field="campaign")
    kind = data.get("pin")
    if kind not in PIN_KINDS:
        raise ValidationError("Välj om platsen känns trygg eller otrygg.", field="pin")
    town = municipality_of(session, campaign.area_id)
    errors: dict[str, str] = {}
    point = rules.lonlat(data.get("lon"), data.get("lat"), errors)
    if point is not None and not session.scalar(select(func.ST_Contains(
            Area.geom, from_shape(Point(*point), srid=4326))).where(Area.id == campaign.area_id)):
        errors["location"] = "Platsen ligger utanför området för vandringen."
    if kind == "safe":
        return _safe_pin(session, campaign, data, point, errors)
    form = {"kind": "otrygghet", "reasons": data.get("reasons") or [], "when": "now",
            "lon": point[0] if point else "", "lat": point[1] if point else "",
            "description": data.get("description") or ""}
    try:
        clean = validate_report(session, form, municipality=town.code, tz=tz, now=now)
    except ValidationError as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        report = Report(
            kind="otrygghet", category_id=clean.category.id,
            geom=from_shape(Point(clean.lon, clean.lat), srid=4326), area_id=clean.area_id,
            occurred_at=clean.occurred_at, time_precision=clean.time_precision,
            source="digital_vandring", description=clean.description, status="pending",
            visibility="staff", campaign_id=campaign.id)
        report.reasons = list(clean.reasons)
        session.add(report)
        session.flush()
        session.add(AuditEvent(report_id=report.id, action="created",
                               new={"status": "pending", "source": "digital_vandring",
                                    "category": clean.category.code,
                                    "campaign_id": campaign.id}))
    return report


def _safe_pin(session: Session, campaign: DigitalWalk, data: Mapping[str, Any],
              point: tuple[float, float] | None, errors: dict[str, str]) -> DigitalWalkSafePlace:
    note = rules.text(data.get("note"), "note", errors, limit=SAFE_NOTE_MAX)
    raw = data.get("safe_reasons") or []
    if isinstance(raw, str):
        raw = [raw]
    codes = [c for c in SAFE_REASONS if c in raw]
    if len(codes) != len(set(raw)):
        errors["safe_reasons"] = "Okänd anledning."
    if errors:
        raise ValidationError(errors)
    assert point is not None
    with transaction(session):
        mark = DigitalWalkSafePlace(digital_walk_id=campaign.id, reasons=codes, note=note,
                                    geom=from_shape(Point(*point), srid=4326))
        session.add(mark)
        session.flush()
    return mark


def campaign_pins(session: Session, actor: access.ActorLike | None,
                  campaign: DigitalWalk) -> list[dict]:
    """Return the campaign's pins for staff planning a route (rejected ones left out).

    Each pin is ``{"kind": "unsafe"|"safe", "lon", "lat", "status", "reasons": [labels],
    "note"}``; unsafe pins show their moderation status (``pending`` or ``published``).
    """
    if not (access.can(actor, "report.create_staff") or access.can(actor, "review.view")):
        return []
    if not access.in_municipality(actor, municipality_of(session, campaign.area_id).id):
        return []
    labels = dict(session.execute(select(Category.id, Category.label_sv)).all())
    pins: list[dict] = []
    reports = session.execute(
        select(Report.id, Report.status, Report.description, func.ST_X(Report.geom),
               func.ST_Y(Report.geom))
        .where(Report.campaign_id == campaign.id, Report.status != "rejected")
        .order_by(Report.reported_at))
    rows = list(reports)
    reasons: dict = {}
    if rows:
        for report_id, category_id in session.execute(
                select(report_reason.c.report_id, report_reason.c.category_id)
                .where(report_reason.c.report_id.in_([r[0] for r in rows]))):
            reasons.setdefault(report_id, []).append(labels.get(category_id, "saknas"))
    for report_id, status, description, x, y in rows:
        pins.append({"kind": "unsafe", "lon": float(x), "lat": float(y), "status": status,
                     "reasons": reasons.get(report_id, []), "note": description or ""})
    for mark, x, y in session.execute(
            select(DigitalWalkSafePlace, func.ST_X(DigitalWalkSafePlace.geom),
                   func.ST_Y(DigitalWalkSafePlace.geom))
            .where(DigitalWalkSafePlace.digital_walk_id == campaign.id)
            .order_by(DigitalWalkSafePlace.id)):
        pins.append({"kind": "safe", "lon": float(x), "lat": float(y), "status": "safe",
                     "reasons": [SAFE_REASONS[c] for c in mark.reasons if c in SAFE_REASONS],
                     "note": mark.note or ""})
    return pins


def campaign_for_walk(session: Session, walk_id: int) -> DigitalWalk | None:
    """Return the digital walk whose pins plan this walk's route, if one is linked."""
    return session.scalar(select(DigitalWalk).where(DigitalWalk.walk_id == walk_id)
                          .order_by(DigitalWalk.id.desc()).limit(1))
