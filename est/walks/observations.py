"""Observations on a walk: each problem place is also a report; a safe place mark is not.

An observation of a *problem* place is also a ``report`` row (source ``trygghetsvandring``,
status ``reviewed``, organisation = the walk's organiser, ``occurred_at`` = the observation's
time), so it counts on the review map, in hot spots and in the lägesbild like any staff
report: kind ``incident`` when an incident category was chosen, else ``otrygghet`` with the
chosen reasons (``ovrigt_otrygg`` when none). A *safe* place mark (``safe_place``) gets no
report row: it is kept on the observation only and is never counted as otrygghet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import Area, AuditEvent, Category, Photo, Report, Walk, WalkObservation
from est.walks import rules
from est.walks.store import get_walk, municipality_of


def clean_observation(session: Session, walk: Walk, data: Mapping[str, Any], tz: ZoneInfo, *,
                      now: datetime | None = None) -> dict[str, Any]:
    """Check an observation's input; return clean values or raise ValidationError."""
    now = now or datetime.now(UTC)
    errors: dict[str, str] = {}
    point = rules.lonlat(data.get("lon"), data.get("lat"), errors)
    safety = rules.integer(data.get("safety"), "safety", errors, low=1, high=5,
                           message="Välj trygghet 1–5.")
    ratings = rules.ratings(data.get("ratings"), errors)
    note = rules.text(data.get("note"), "note", errors, limit=rules.NOTE_MAX)
    safe = data.get("safe_place") in (True, "1", "true", "on", 1)
    observed = rules.moment(data.get("observed_at"), "observed_at", errors, tz, now=now,
                            past_only=True) or now
    reasons_raw = data.get("reasons") or []
    if isinstance(reasons_raw, str):
        reasons_raw = [reasons_raw]
    codes = [str(c) for c in list(reasons_raw)[:20] if c]
    reasons: list[Category] = list(session.scalars(select(Category).where(
        Category.code.in_(codes), Category.kind == "otrygghet", Category.active.is_(True)
    ).order_by(Category.sort_order))) if codes else []
    if len(reasons) != len(set(codes)):
        errors["reasons"] = "Okänd anledning."
    category = None
    code = data.get("category")
    if code:
        category = session.scalar(select(Category).where(
            Category.code == str(code)[:64], Category.kind == "incident",
            Category.active.is_(True)))
        if category is None:
            errors["category"] = "Okänd kategori."
    if safe and (category is not None or reasons):
        errors["safe_place"] = ("En trygg plats har inga problem: ta bort kategori och "
                                "anledningar, eller slå av Trygg plats.")
    town = municipality_of(session, walk.area_id)
    if point is not None and not session.scalar(select(func.ST_Contains(
            Area.geom, from_shape(Point(*point), srid=4326))).where(Area.id == town.id)):
        errors["location"] = "Platsen ligger utanför kommunen."
    if errors:
        raise ValidationError(errors)
    assert point is not None
    return {"point": point, "safety": safety, "ratings": ratings, "note": note,
            "safe_place": safe, "observed_at": observed, "reasons": reasons,
            "category": category, "municipality_id": town.id}


def add_observation(session: Session, actor: access.ActorLike | None, walk_id: int,
                    data: Mapping[str, Any], *, tz: ZoneInfo, photo: bytes | None = None,
                    now: datetime | None = None) -> WalkObservation:
    """Record an observation (and its report row unless it marks a safe place).

    ``data``: ``lon``/``lat`` (WGS84 degrees), ``safety`` 1–5, ``ratings`` {key: 0–3},
    ``reasons`` (otrygghet codes) or ``category`` (an incident code), ``note``,
    ``safe_place``, ``observed_at``. ``photo`` is an uploaded image (see :mod:`est.photos`).
    Everything is written in one transaction, or nothing.
    """
    from est.photos import store_photo  # Pillow only where photos are handled

    walk = get_walk(session, actor, walk_id, record=True)
    assert actor is not None
    if walk.status == "finished":
        raise ValidationError("Vandringen är avslutad.", field="walk")
    clean = clean_observation(session, walk, data, tz, now=now)
    geom = from_shape(Point(*clean["point"]), srid=4326)
    with transaction(session):
        report = None
        if not clean["safe_place"]:
            report = _report_for(session, actor, walk, clean, geom)
        obs = WalkObservation(
            walk_id=walk.id, report_id=report.id if report else None, geom=geom,
            observed_at=clean["observed_at"], safety=clean["safety"], ratings=clean["ratings"],
            safe_place=clean["safe_place"],
            category_id=clean["category"].id if clean["category"] else None,
            reason_ids=[c.id for c in clean["reasons"]], note=clean["note"])
        if photo:
            stored = store_photo(session, photo, report_id=report.id if report else None)
            obs.photo_id = stored.id
        session.add(obs)
        if walk.status == "planned":
            walk.status = "in_progress"
        session.flush()
    return obs


def _report_for(session: Session, actor: access.ActorLike, walk: Walk, clean: dict,
                geom) -> Report:
    reasons: list[Category]
    if clean["category"] is not None:
        kind, category, reasons = "incident", clean["category"], []
    else:
        reasons = clean["reasons"] or list(session.scalars(
            select(Category).where(Category.code == rules.DEFAULT_REASON)))
        if not reasons:
            raise ValidationError("Välj en anledning.", field="reasons")
        kind, category = "otrygghet", reasons[0]
    report = Report(
        kind=kind, category_id=category.id, geom=geom, area_id=clean["municipality_id"],
        occurred_at=clean["observed_at"], time_precision="exact", source="trygghetsvandring",
        organisation_id=walk.organiser_id or actor.organisation_id, reporter_id=actor.id,
        description=clean["note"], status="reviewed", visibility="staff")
    report.reasons = list(reasons)
    session.add(report)
    session.flush()
    session.add(AuditEvent(report_id=report.id, user_id=actor.id, action="created",
                           new={"status": "reviewed", "source": "trygghetsvandring",
                                "category": category.code, "walk_id": walk.id}))
    return report


def delete_observation(session: Session, actor: access.ActorLike | None,
                       observation_id: int) -> None:
    """Remove an observation recorded by mistake, with its report row and photo."""
    from est.photos import erase_photos

    obs = session.get(WalkObservation, observation_id)
    if obs is None:
        raise NotFound("Observationen finns inte.")
    get_walk(session, actor, obs.walk_id, record=True)
    with transaction(session):
        if obs.photo_id is not None:
            photo = session.get(Photo, obs.photo_id)
            if photo is not None:
                erase_photos(session, [photo])
        if obs.report_id is not None:
            report = session.get(Report, obs.report_id)
            if report is not None:
                session.delete(report)
        session.delete(obs)


def observation_points(session: Session, walk: Walk) -> list[dict]:
    """Return the walk's observations as dicts with WGS84 ``lon``/``lat`` (for maps)."""
    rows = session.execute(
        select(WalkObservation, func.ST_X(WalkObservation.geom), func.ST_Y(WalkObservation.geom))
        .where(WalkObservation.walk_id == walk.id).order_by(WalkObservation.id))
    return [{"observation": o, "lon": float(x), "lat": float(y)} for o, x, y in rows]
