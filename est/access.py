"""Access policy: who may do what, and which reports a user may see.

Services call :func:`require` and :func:`visible_reports`, so the rules hold for every entry
point (web pages, CLI, API), not only in templates. ``user`` is anything with ``id``,
``role``, ``organisation_id`` and ``area_id`` (the municipality of the user's organisation,
``None`` for a national account); see :class:`Actor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from est.errors import PermissionDenied
from est.models import Area, Organisation, Report, User

# action -> roles allowed. Actions are coarse; row-level rules are in visible_reports.
POLICY: dict[str, frozenset[str]] = {
    "report.create_staff": frozenset({"admin", "coordinator", "reporter"}),
    "report.view": frozenset({"admin", "coordinator", "reporter"}),
    "report.view_all_organisations": frozenset({"admin", "coordinator"}),
    "report.moderate": frozenset({"admin", "coordinator"}),
    "aggregates.view": frozenset({"admin", "coordinator", "reporter", "viewer"}),
    "review.view": frozenset({"admin", "coordinator", "viewer"}),
    "users.manage": frozenset({"admin"}),
    "promise.manage": frozenset({"admin", "coordinator"}),
}
ACTIONS = tuple(POLICY)


class ActorLike(Protocol):
    id: int
    role: str
    organisation_id: int | None
    area_id: int | None


@dataclass(frozen=True)
class Actor:
    """A detached snapshot of a user that services use for access decisions."""

    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None
    area_id: int | None = None
    organisation_name: str | None = None


def actor_for(session: Session, user: User | int) -> Actor:
    """Return the :class:`Actor` of a user (or user id) with their municipality resolved."""
    if isinstance(user, int):
        found = session.get(User, user)
        if found is None:
            raise PermissionDenied("unknown user")
        user = found
    area_id = org_name = None
    if user.organisation_id is not None:
        org = session.get(Organisation, user.organisation_id)
        if org is not None:
            org_name = org.name
            area_id = _municipality_of(session, org.area_id)
    return Actor(id=user.id, email=user.email, name=user.name, role=user.role,
                 organisation_id=user.organisation_id, area_id=area_id,
                 organisation_name=org_name)


def _municipality_of(session: Session, area_id: int | None) -> int | None:
    if area_id is None:
        return None
    area = session.get(Area, area_id)
    while area is not None and area.parent_id is not None:
        area = session.get(Area, area.parent_id)
    return area.id if area is not None else None


def can(user: ActorLike | None, action: str) -> bool:
    """Return True if ``user`` (None = anonymous) may perform ``action``."""
    if action not in POLICY:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    return user is not None and user.role in POLICY[action]


def require(user: ActorLike | None, action: str) -> None:
    """Raise PermissionDenied unless ``user`` may perform ``action``."""
    if not can(user, action):
        raise PermissionDenied(
            "Du har inte behörighet till detta." if user is not None else "Logga in först."
        )


def visible_reports(stmt: Select, user: ActorLike | None) -> Select:
    """Restrict a select over ``Report`` to the rows ``user`` may see individually.

    Reporters see their organisation's reports; coordinators and admins every report in their
    municipality (all, for an account without one); viewers and anonymous users none.
    """
    if not can(user, "report.view"):
        return stmt.where(false())
    assert user is not None
    if can(user, "report.view_all_organisations"):
        if user.area_id is None:
            return stmt
        return stmt.where(or_(Report.area_id == user.area_id, Report.area_id.in_(
            select(Area.id).where(Area.parent_id == user.area_id))))
    if user.organisation_id is None:
        return stmt.where(false())
    return stmt.where(Report.organisation_id == user.organisation_id)


def can_see_report(session: Session, user: ActorLike | None, report_id) -> bool:
    """Return True if ``user`` may see the report with ``report_id``."""
    stmt = visible_reports(select(Report.id).where(Report.id == report_id), user)
    return session.scalar(stmt) is not None
