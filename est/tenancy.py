"""Many municipalities in one deployment: which municipalities an actor works in.

The municipality is a property of every organisation (its ``area_id``, a municipality or a
district of one), so of every user and API key (through the organisation) and of every report
(routed by its point: the municipality polygon that contains it). An account whose
organisation has no area (a regional or national account, or none at all) works in every
served municipality and chooses one with the switcher. ``EST_MUNICIPALITY`` only chooses the
public default (home page, public pages) and the first choice of such an account.

Everything here takes a SQLAlchemy session and an actor (:class:`est.access.Actor` or anything
with ``area_id``); nothing imports Flask.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Area

# Longest kommunkod-like value accepted from a request (Swedish codes have 4 digits).
MAX_CODE_CHARS = 32
# Outlines are large (real ones have thousands of vertices): load them only when used.
_NO_OUTLINE = defer(Area.geom)


def served_municipalities(session: Session) -> list[Area]:
    """Return every municipality of the deployment, by name (the ``area`` rows of that kind)."""
    return list(session.scalars(select(Area).options(_NO_OUTLINE)
                                .where(Area.kind == "municipality")
                                .order_by(Area.name, Area.code)))


def municipality_id_of_area(session: Session, area_id: int | None) -> int | None:
    """Return the municipality id of an area (itself, or a district's parent); None for None."""
    if area_id is None:
        return None
    area = session.get(Area, area_id, options=[_NO_OUTLINE])
    while area is not None and area.parent_id is not None:
        area = session.get(Area, area.parent_id, options=[_NO_OUTLINE])
    return area.id if area is not None else None


def municipalities_of(session: Session, user: Any) -> list[Area]:
    """Return the municipalities ``user`` works in (by name); none for an anonymous user.

    ``user.area_id`` is the municipality of the user's organisation (see
    :func:`est.access.actor_for`); ``None`` means a regional or national account, which works
    in every served municipality.
    """
    if user is None:
        return []
    own = getattr(user, "area_id", None)
    if own is None:
        return served_municipalities(session)
    municipality = municipality_id_of_area(session, own)
    area = (session.get(Area, municipality, options=[_NO_OUTLINE])
            if municipality is not None else None)
    return [area] if area is not None else []


def clean_code(requested_code: str | None) -> str | None:
    """Return a stripped kommunkod from a request, None for empty; 400 naming ``kommun``."""
    if requested_code is None:
        return None
    code = requested_code.strip()
    if not code:
        return None
    if len(code) > MAX_CODE_CHARS or "\x00" in code:
        raise ValidationError(f"Ogiltig kommunkod (högst {MAX_CODE_CHARS} tecken).",
                              field="kommun")
    return code


def current_municipality(session: Session, user: Any, requested_code: str | None,
                         default_code: str | None = None) -> Area:
    """Return the municipality ``user`` works in now.

    ``requested_code`` (the switcher's ``?kommun=``, or the one remembered in the session)
    must be one of :func:`municipalities_of` (PermissionDenied otherwise; NotFound for a code
    no municipality has). Without one: the user's only municipality, else ``default_code``
    (``EST_MUNICIPALITY``) when allowed, else the first by name.
    """
    allowed = municipalities_of(session, user)
    code = clean_code(requested_code)
    if code is not None:
        for area in allowed:
            if area.code == code:
                return area
        if session.scalar(select(Area.id).where(Area.kind == "municipality",
                                                Area.code == code)) is None:
            raise NotFound(f"Ingen kommun har kommunkoden {code}.")
        raise PermissionDenied(f"Du arbetar inte i kommunen med kommunkod {code}.")
    if not allowed:
        if user is not None and getattr(user, "area_id", None) is not None:
            raise PermissionDenied("Din organisations område hör inte till någon kommun.")
        raise NotFound("Tjänsten har ingen kommun ännu. Importera gränser med "
                       "`est areas import` eller ladda demon med `est demo`.")
    for area in allowed:
        if default_code is not None and area.code == default_code:
            return area
    return allowed[0]


def scoped_actor(actor: Any, municipality: Area) -> Any:
    """Return ``actor`` narrowed to ``municipality`` (a dataclass copy with that ``area_id``).

    Access rules in :mod:`est.access` compare ``area_id``; a regional account narrowed this
    way sees exactly the chosen municipality on a page that shows one.
    """
    if actor is None or getattr(actor, "area_id", None) == municipality.id:
        return actor
    return replace(actor, area_id=municipality.id)


def municipality_for_point(session: Session, lon: float, lat: float) -> Area | None:
    """Return the served municipality whose polygon contains WGS84 ``lon``/``lat``, or None.

    ``lon``/``lat`` are degrees (EPSG:4326). A point on a shared border goes to the
    municipality with the lowest code, so routing is deterministic.
    """
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return session.scalar(select(Area).options(_NO_OUTLINE)
                          .where(Area.kind == "municipality",
                                 func.ST_Intersects(Area.geom, point))
                          .order_by(Area.code).limit(1))


def route_point(session: Session, actor: Any, lon: Any, lat: Any,
                field: str = "location") -> Area | None:
    """Return the municipality a report at ``lon``/``lat`` (WGS84 degrees) belongs to.

    Returns None when the coordinates are not numbers (the report service then names the
    bad field). Raises ValidationError naming ``field`` when the point lies in no served
    municipality, or in one the actor (a user or an API key's client) does not work in.
    """
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return None
    if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0) or x != x or y != y:
        return None
    area = municipality_for_point(session, x, y)
    where = f"lon {x:.6f}, lat {y:.6f}"
    if area is None:
        raise ValidationError(f"Platsen ({where}) ligger utanför kommunen – ingen kommun som "
                              "tjänsten betjänar innehåller den.", field=field)
    own = getattr(actor, "area_id", None)
    if own is not None and area.id != municipality_id_of_area(session, own):
        raise ValidationError(f"Platsen ({where}) ligger i {area.name} ({area.code}), som "
                              "din organisation inte rapporterar i.", field=field)
    return area


def require_in(session: Session, user: Any, area_id: int | None) -> None:
    """Raise PermissionDenied unless ``area_id`` (or its municipality) is one of the user's."""
    if not works_in(session, user, area_id):
        raise PermissionDenied("Området hör inte till någon av dina kommuner.")


def works_in(session: Session, user: Any, area_id: int | None) -> bool:
    """Return True if ``area_id`` (a municipality or a district of one) is one of the user's."""
    municipality = municipality_id_of_area(session, area_id)
    return municipality is not None and municipality in {
        a.id for a in municipalities_of(session, user)}


def route_batch(session: Session, actor: Any, points: list[tuple[Any, Any]]) -> Area | None:
    """Return the municipality of a batch: that of its first point the actor may report in.

    Without one, the actor's own municipality (None for a national caller); every point
    outside it then fails the report service's per-point check, naming its feature.
    """
    own = municipality_id_of_area(session, getattr(actor, "area_id", None))
    for lon, lat in points:
        try:
            x, y = float(lon), float(lat)
        except (TypeError, ValueError):
            continue
        if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
            continue
        area = municipality_for_point(session, x, y)
        if area is not None and (own is None or area.id == own):
            return area
    return session.get(Area, own, options=[_NO_OUTLINE]) if own is not None else None


def organisations_in(session: Session, municipality: Area, organisations: list) -> list:
    """Keep the organisations of ``municipality`` and those without an area (regional ones)."""
    return [org for org in organisations if org.area_id is None
            or municipality_id_of_area(session, org.area_id) == municipality.id]
