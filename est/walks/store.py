"""Walks: create, update, route, start, finish, follow-up dates, list; who may see them.

Observations are recorded by :mod:`est.walks.observations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, MultiPoint
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import (
    Area,
    DigitalWalk,
    Organisation,
    Walk,
)
from est.walks import rules

RECORD = "report.create_staff"  # the permission ``report``: record walks and observations
SEE = ("review.view", "report.create_staff")  # ``review`` (or the recorder) sees them


def municipality_of(session: Session, area_id: int) -> Area:
    """Return the municipality an area lies in (the area itself for a municipality)."""
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound("Området finns inte.")
    while area.parent_id is not None:
        parent = session.get(Area, area.parent_id)
        if parent is None:
            break
        area = parent
    return area


def can_record(actor: access.ActorLike | None, session: Session, walk: Walk) -> bool:
    """Return True if ``actor`` may record on ``walk`` (``report``, same municipality)."""
    return access.can(actor, RECORD) and access.in_municipality(
        actor, municipality_of(session, walk.area_id).id)


def can_see(actor: access.ActorLike | None, session: Session, walk: Walk) -> bool:
    """Return True if ``actor`` may see ``walk`` (``review`` or ``report``, same municipality)."""
    return any(access.can(actor, a) for a in SEE) and access.in_municipality(
        actor, municipality_of(session, walk.area_id).id)


def get_walk(session: Session, actor: access.ActorLike | None, walk_id: int, *,
             record: bool = False) -> Walk:
    """Return a walk the actor may see (or record on, with ``record``); NotFound otherwise."""
    walk = session.get(Walk, walk_id)
    if walk is None or not can_see(actor, session, walk):
        raise NotFound("Trygghetsvandringen finns inte.")
    if record and not can_record(actor, session, walk):
        raise PermissionDenied("Du har inte behörighet att registrera på vandringen.")
    return walk


def list_walks(session: Session, actor: access.ActorLike | None, area_id: int) -> list[Walk]:
    """Return the walks of a municipality and its districts, newest first."""
    if not any(access.can(actor, a) for a in SEE) or not access.in_municipality(actor, area_id):
        raise PermissionDenied("Du har inte behörighet till trygghetsvandringarna.")
    ids = select(Area.id).where((Area.id == area_id) | (Area.parent_id == area_id))
    return list(session.scalars(select(Walk).where(Walk.area_id.in_(ids))
                                .order_by(Walk.starts_at.desc(), Walk.id.desc())))


def clean_walk(session: Session, data: Mapping[str, Any], tz: ZoneInfo, *,
               area_id: int | None = None) -> dict[str, Any]:
    """Check a walk's fields and return clean values; raise ValidationError with all errors."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "title": rules.text(data.get("title"), "title", errors, limit=rules.TITLE_MAX,
                            required=True, message="Ge vandringen ett namn."),
        "purpose": rules.text(data.get("purpose"), "purpose", errors,
                              limit=rules.PURPOSE_MAX),
        "weather": rules.text(data.get("weather"), "weather", errors, limit=rules.WEATHER_MAX),
        "accessibility_notes": rules.text(data.get("accessibility_notes"),
                                          "accessibility_notes", errors,
                                          limit=rules.ACCESSIBILITY_MAX),
        "light": rules.choice(data.get("light"), "light", errors, rules.WALK_LIGHT,
                              default="dagsljus"),
        "participants": rules.participants(data.get("participants"), errors),
    }
    starts = rules.moment(data.get("starts_at"), "starts_at", errors, tz, required=True)
    ends = rules.moment(data.get("ends_at"), "ends_at", errors, tz)
    if starts and ends:
        if ends < starts:
            errors["ends_at"] = "Sluttiden måste vara efter starttiden."
        elif (ends - starts).total_seconds() > rules.WALK_MAX_HOURS * 3600:
            errors["ends_at"] = f"En vandring är högst {rules.WALK_MAX_HOURS} timmar."
    values.update(starts_at=starts, ends_at=ends)
    area = rules.integer(data.get("area_id", area_id), "area_id", errors, low=1,
                         high=2**31 - 1, required=True, message="Välj område.")
    if area is not None and session.get(Area, area) is None:
        errors["area_id"] = "Okänt område."
    values["area_id"] = area
    organiser = rules.integer(data.get("organiser_id"), "organiser_id", errors, low=1,
                              high=2**31 - 1, message="Välj arrangör.")
    if organiser is not None and session.get(Organisation, organiser) is None:
        errors["organiser_id"] = "Okänd organisation."
    values["organiser_id"] = organiser
    orgs = data.get("organisation_ids") or []
    if isinstance(orgs, str):
        orgs = [orgs]
    org_ids: list[int] = []
    for raw in list(orgs)[:50]:
        n = rules.integer(raw, "organisation_ids", errors, low=1, high=2**31 - 1,
                          message="Okänd organisation.")
        if n is not None and n not in org_ids:
            org_ids.append(n)
    if org_ids and len(list(session.scalars(select(Organisation.id).where(
            Organisation.id.in_(org_ids))))) != len(org_ids):
        errors["organisation_ids"] = "Okänd organisation."
    values["organisation_ids"] = org_ids
    campaign = rules.integer(data.get("digital_walk_id"), "digital_walk_id", errors, low=1,
                             high=2**31 - 1, message="Okänd digital vandring.")
    if campaign is not None and session.get(DigitalWalk, campaign) is None:
        errors["digital_walk_id"] = "Okänd digital vandring."
    values["digital_walk_id"] = campaign
    if errors:
        raise ValidationError(errors)
    return values


def create_walk(session: Session, actor: access.ActorLike | None, data: Mapping[str, Any], *,
                tz: ZoneInfo) -> Walk:
    """Validate and store a planned walk (``report`` permission, own municipality)."""
    access.require(actor, RECORD)
    assert actor is not None
    values = clean_walk(session, data, tz)
    if not access.in_municipality(actor, municipality_of(session, values["area_id"]).id):
        raise ValidationError("Välj ett område i din kommun.", field="area_id")
    campaign = values.pop("digital_walk_id")
    if values["organiser_id"] is None:
        values["organiser_id"] = actor.organisation_id
    with transaction(session):
        walk = Walk(created_by=actor.id, status="planned", **values)
        session.add(walk)
        session.flush()
        _link_campaign(session, walk, campaign)
    return walk


def update_walk(session: Session, actor: access.ActorLike | None, walk_id: int,
                data: Mapping[str, Any], *, tz: ZoneInfo) -> Walk:
    """Change a walk's facts (title, times, light, participants …)."""
    walk = get_walk(session, actor, walk_id, record=True)
    values = clean_walk(session, data, tz, area_id=walk.area_id)
    campaign = values.pop("digital_walk_id")
    if not access.in_municipality(actor, municipality_of(session, values["area_id"]).id):
        raise ValidationError("Välj ett område i din kommun.", field="area_id")
    with transaction(session):
        for key, value in values.items():
            setattr(walk, key, value)
        _link_campaign(session, walk, campaign)
    return walk


def _link_campaign(session: Session, walk: Walk, campaign_id: int | None) -> None:
    for old in session.scalars(select(DigitalWalk).where(DigitalWalk.walk_id == walk.id)):
        if old.id != campaign_id:
            old.walk_id = None
    if campaign_id is not None:
        campaign = session.get(DigitalWalk, campaign_id)
        if campaign is not None:
            campaign.walk_id = walk.id


def start_walk(session: Session, actor: access.ActorLike | None, walk_id: int) -> Walk:
    """Mark a planned walk as in progress (the phone page does it on its first use)."""
    walk = get_walk(session, actor, walk_id, record=True)
    if walk.status == "planned":
        with transaction(session):
            walk.status = "in_progress"
    return walk


def finish_walk(session: Session, actor: access.ActorLike | None, walk_id: int, *,
                now: datetime | None = None) -> Walk:
    """Mark a walk finished; its end time becomes now unless one was given."""
    walk = get_walk(session, actor, walk_id, record=True)
    now = now or datetime.now(UTC)
    with transaction(session):
        walk.status = "finished"
        if walk.ends_at is None:
            walk.ends_at = max(now, walk.starts_at)
    return walk


def set_route(session: Session, actor: access.ActorLike | None, walk_id: int, points: Any, *,
              append: bool = False) -> Walk:
    """Store the walk's route as a WGS84 LINESTRING from ``[[lon, lat], …]``.

    With ``append`` the points extend the stored route (positions recorded on the phone
    arrive in batches). The route must touch the walk's municipality.
    """
    walk = get_walk(session, actor, walk_id, record=True)
    errors: dict[str, str] = {}
    new = rules.route_points(points, errors)
    if errors:
        raise ValidationError(errors)
    old: list[tuple[float, float]] = []
    if append and walk.route is not None:
        old = [(float(x), float(y)) for x, y in to_shape(walk.route).coords]
    merged: list[tuple[float, float]] = []
    for point in old + new:  # a stored single position is kept twice: drop repeats
        if not merged or merged[-1] != point:
            merged.append(point)
    if len(merged) > rules.ROUTE_MAX_POINTS:
        raise ValidationError(f"Rutten har för många punkter (högst {rules.ROUTE_MAX_POINTS}).",
                              field="route")
    if len(merged) < 2:
        if append:  # one position so far: keep it until the next one comes
            merged = merged * 2
        else:
            raise ValidationError("Rutten behöver minst två punkter.", field="route")
    line = from_shape(LineString(merged), srid=4326)
    town = municipality_of(session, walk.area_id)
    points_geom = from_shape(MultiPoint(merged), srid=4326)  # a one-position line is degenerate
    if not session.scalar(select(func.ST_Intersects(Area.geom, points_geom))
                          .where(Area.id == town.id)):
        raise ValidationError("Rutten ligger utanför kommunen.", field="route")
    with transaction(session):
        walk.route = line
        if walk.status == "planned":
            walk.status = "in_progress"
    return walk


def set_follow_up(session: Session, actor: access.ActorLike | None, walk_id: int,
                  data: Mapping[str, Any]) -> Walk:
    """Record when feedback was sent to the participants and when the re-walk is planned."""
    walk = get_walk(session, actor, walk_id, record=True)
    errors: dict[str, str] = {}
    sent = rules.day(data.get("feedback_sent_on"), "feedback_sent_on", errors)
    rewalk = rules.day(data.get("rewalk_on"), "rewalk_on", errors)
    walked = walk.starts_at.date()
    if sent and sent < walked:
        errors["feedback_sent_on"] = "Återkopplingen kan inte vara före vandringen."
    if rewalk and rewalk < walked:
        errors["rewalk_on"] = "Den nya vandringen måste vara efter den här."
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        walk.feedback_sent_on = sent
        walk.rewalk_on = rewalk
    return walk


def route_coords(walk: Walk) -> list[tuple[float, float]]:
    """Return the stored route as [(lon, lat), …] (empty without a route)."""
    if walk.route is None:
        return []
    return [(float(x), float(y)) for x, y in to_shape(walk.route).coords]
