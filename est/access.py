"""Access policy: who may do what, and which reports and actions a user may see.

Decisions are made from **permissions**, never from role names. A role only gives the default
set (:data:`ROLE_PERMISSIONS`); ``user_account.permissions`` overrides it per account, so a
partner in the EST group (the local police, the housing company …) can both report and see
the weekly picture of their municipality.

Services call :func:`require`, :func:`visible_reports` and the action rules here, so the
policy holds for every entry point (web pages, CLI, API), not only in templates. ``user`` is
anything with ``id``, ``role``, ``organisation_id`` and ``area_id`` (the municipality of the
user's organisation, ``None`` for a national account), and optionally ``permissions``; see
:class:`Actor`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from est.errors import PermissionDenied, ValidationError
from est.models import Area, Organisation, Report, User

# The EST group's permissions (stored in user_account.permissions).
PERMISSIONS = ("report", "review", "actions", "moderate", "admin")
PERMISSION_LABELS = {
    "report": "rapportera (egna organisationens rapporter)",
    "review": "se veckogranskningen och lägesbilden för kommunen",
    "actions": "besluta och hantera åtgärder, mötesprotokoll och medborgarlöften",
    "moderate": "moderera och se alla rapporter i kommunen",
    "admin": "administrera konton",
}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "coordinator": frozenset({"report", "review", "actions", "moderate"}),
    "reporter": frozenset({"report"}),
    "viewer": frozenset({"review"}),
}

# action -> permissions, any one of which allows it. Row-level rules are below.
POLICY: dict[str, frozenset[str]] = {
    "report.create_staff": frozenset({"report"}),
    "report.view": frozenset({"report", "moderate"}),
    "report.view_all_organisations": frozenset({"moderate"}),
    "report.moderate": frozenset({"moderate"}),
    "aggregates.view": frozenset(PERMISSIONS),
    "review.view": frozenset({"review", "actions"}),
    "action.view": frozenset({"review", "actions"}),
    "action.manage": frozenset({"actions"}),
    "meeting.manage": frozenset({"actions"}),
    "users.manage": frozenset({"admin"}),
    "promise.manage": frozenset({"actions"}),
}
ACTIONS = tuple(POLICY)
# Fields of an action that only its responsible organisation and the managers read.
ACTION_PRIVATE_FIELDS = ("contact_person", "outcome_note")
# What the responsible organisation may change on its own action (without ``actions``).
ACTION_OWNER_FIELDS = ("status", "outcome_note")


class ActorLike(Protocol):
    id: int
    role: str
    organisation_id: int | None
    area_id: int | None


@dataclass(frozen=True)
class Actor:
    """A detached snapshot of a user that services use for access decisions.

    ``permissions`` is the effective set; ``None`` means the defaults of ``role``.
    """

    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None
    area_id: int | None = None
    organisation_name: str | None = None
    permissions: frozenset[str] | None = None


def parse_permissions(value: str | Iterable[str] | None) -> list[str] | None:
    """Return a validated, ordered permission list (``None``/empty text = role defaults).

    Accepts ``"report,review"`` or an iterable of names; raises ValidationError naming the
    field ``permissions`` on an unknown name.
    """
    if value is None:
        return None
    names = [p.strip().lower() for p in (value.split(",") if isinstance(value, str) else value)]
    names = [p for p in names if p]
    if isinstance(value, str) and not names:
        return None
    unknown = sorted(set(names) - set(PERMISSIONS))
    if unknown:
        raise ValidationError(f"unknown permission {', '.join(unknown)}; choose from "
                              f"{', '.join(PERMISSIONS)}", field="permissions")
    return [p for p in PERMISSIONS if p in names]


def permissions_of(user: Any) -> frozenset[str]:
    """Return the effective permissions of ``user`` (None = anonymous: none)."""
    if user is None:
        return frozenset()
    explicit = getattr(user, "permissions", None)
    if explicit is not None:
        return frozenset(explicit)
    return ROLE_PERMISSIONS.get(getattr(user, "role", ""), frozenset())


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
                 organisation_name=org_name, permissions=permissions_of(user))


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
    return bool(permissions_of(user) & POLICY[action])


def at_least(user: ActorLike | None, name: str) -> bool:
    """Return True if ``user`` holds every permission of role ``name`` (or permission ``name``).

    ``at_least(user, "viewer")`` is true for anyone who may see the review, whatever their
    role is called: views that name roles keep working with permission overrides.
    """
    wanted = ROLE_PERMISSIONS.get(name)
    if wanted is None:
        if name not in PERMISSIONS:
            raise ValueError(f"unknown role or permission {name!r}")
        wanted = frozenset({name})
    return user is not None and wanted <= permissions_of(user)


def require(user: ActorLike | None, action: str) -> None:
    """Raise PermissionDenied unless ``user`` may perform ``action``."""
    if not can(user, action):
        raise PermissionDenied(
            "Du har inte behörighet till detta." if user is not None else "Logga in först."
        )


def in_municipality(user: ActorLike | None, area_id: int | None) -> bool:
    """Return True if ``area_id`` is the user's municipality (any, for a national account)."""
    if user is None:
        return False
    own = getattr(user, "area_id", None)
    return own is None or own == area_id


def visible_reports(stmt: Select, user: ActorLike | None) -> Select:
    """Restrict a select over ``Report`` to the rows ``user`` may see individually.

    Members with ``report`` see their organisation's reports; ``moderate`` sees every report
    in the municipality (all, for an account without one); everyone else (partners with only
    ``review``, anonymous users) none: they get aggregates.
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


# -- actions (åtgärder) -----------------------------------------------------------------------

def can_see_action(user: ActorLike | None, action: Any) -> bool:
    """Return True if ``user`` may read ``action``: ``review``/``actions`` in its municipality."""
    return can(user, "action.view") and in_municipality(user, action.area_id)


def can_manage_action(user: ActorLike | None, action: Any) -> bool:
    """Return True if ``user`` may change every field of ``action`` (``actions``, same area)."""
    return can(user, "action.manage") and in_municipality(user, action.area_id)


def is_action_owner(user: ActorLike | None, action: Any) -> bool:
    """Return True if ``user`` belongs to the organisation responsible for ``action``."""
    return (user is not None and user.organisation_id is not None
            and user.organisation_id == action.organisation_id)


def action_fields_for(user: ActorLike | None, action: Any) -> tuple[str, ...]:
    """Return the fields of ``action`` that ``user`` may change (empty: none).

    Managers (``actions``) change everything; a member of the responsible organisation who
    sees the review changes status and outcome of its own action.
    """
    if can_manage_action(user, action):
        return ("title", "description", "organisation_id", "contact_person", "starts_on",
                "due_on", "status", "outcome_note")
    if can_see_action(user, action) and is_action_owner(user, action):
        return ACTION_OWNER_FIELDS
    return ()


def can_read_action_private(user: ActorLike | None, action: Any) -> bool:
    """Return True if ``user`` may read the action's contact person and outcome note.

    Only the responsible organisation, managers of actions and moderators (coordinators) do;
    other partners see what is done, by whom and when, not another organisation's notes.
    """
    if not can_see_action(user, action):
        return False
    return (is_action_owner(user, action) or can(user, "action.manage")
            or can(user, "report.view_all_organisations"))


def require_action(user: ActorLike | None, action: Any) -> None:
    """Raise PermissionDenied unless ``user`` may read ``action``."""
    if not can_see_action(user, action):
        raise PermissionDenied(
            "Du har inte behörighet till åtgärden." if user is not None else "Logga in först.")
