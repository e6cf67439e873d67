"""Operators' work in the browser: the catalogue (organisations, categories), boundaries and
places, API keys and settings, each change checked and written to the audit trail.

Every function takes the acting user and requires the ``admin`` permission
(``users.manage``); errors are :class:`~est.errors.ValidationError` naming the field, in
Swedish (the administration pages are Swedish only). Accounts are in
:mod:`est.services.invites`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import access
from est.access import Actor
from est.errors import PermissionDenied
from est.models import AuditEvent, User

# audit_event.action -> words; the subject of the change is in ``new`` (``subject``).
ADMIN_LOG_ACTIONS = {
    "org_created": "skapade organisationen",
    "org_changed": "ändrade organisationen",
    "category_created": "skapade kategorin",
    "category_changed": "ändrade kategorin",
    "areas_imported": "importerade områden",
    "places_imported": "importerade platser",
    "apikey_created": "skapade API-nyckeln",
    "apikey_revoked": "återkallade API-nyckeln",
    "setting_changed": "ändrade inställningen",
}


def require_admin(actor: Actor | None) -> Actor:
    """Return ``actor`` if it may administer (``users.manage``), else raise PermissionDenied."""
    if actor is None or not access.can(actor, "users.manage"):  # type: ignore[arg-type]
        raise PermissionDenied("Du har inte behörighet till detta." if actor is not None
                               else "Logga in först.")
    return actor


def record(session: Session, actor: Actor, action: str, subject: str,
           old: dict | None = None, new: dict | None = None) -> None:
    """Add an audit event (no report) inside the caller's transaction."""
    session.add(AuditEvent(report_id=None, user_id=actor.id, action=action, old=old,
                           new={"subject": subject, **(new or {})}))


def changes(old: dict, new: dict) -> tuple[dict, dict]:
    """Return the (old, new) values of the keys that differ."""
    keys = [k for k in new if old.get(k) != new[k]]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def admin_events(session: Session, actor: Actor | None, limit: int = 100) -> list[dict]:
    """Return the newest administration events (catalogue, imports, keys, settings)."""
    require_admin(actor)
    stmt = (select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.report_id.is_(None),
                   AuditEvent.action.in_(tuple(ADMIN_LOG_ACTIONS)))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    events = []
    for event, by in session.execute(stmt):
        new = dict(event.new or {})
        subject = new.pop("subject", None)
        events.append({"at": event.at, "by": by, "action": event.action,
                       "words": ADMIN_LOG_ACTIONS[event.action], "account": subject,
                       "old": event.old, "new": new})
    return events
