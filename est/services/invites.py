"""Accounts in the browser: invitations, password resets, edits by an admin, the audit trail.

Invitation and reset links carry a random token; ``account_token`` stores only its SHA-256,
with an expiry, and a token works once. An invited account exists from the invitation on with
an unusable password (nobody can sign in to it) until the invitee chooses one. Every change an
admin makes is an ``audit_event`` without a report (``report_id`` NULL), naming the account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from est import access
from est.access import Actor
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import AuditEvent, Organisation, User
from est.models.operators import AccountToken
from est.services import users

INVITE_VALID = timedelta(days=3)
RESET_VALID = timedelta(hours=1)
# The password hash of an invited account that has not chosen a password (never matches).
INVITED_HASH = "!invited"
ADMIN_ACTIONS = {
    "user_invited": "bjöd in kontot",
    "invite_accepted": "valde lösenord från inbjudan",
    "user_changed": "ändrade kontot",
    "user_deactivated": "inaktiverade kontot",
    "user_activated": "aktiverade kontot",
    "reset_requested": "begärde länk för nytt lösenord",
    "password_reset": "valde nytt lösenord från länk",
    "password_changed": "bytte sitt lösenord",
}
# check_password's reasons in Swedish (the staff pages are Swedish only).
PASSWORD_REASONS = {
    "the password must have at least": "Lösenordet måste ha minst {n} tecken.",
    "the password may have at most": "Lösenordet får ha högst {n} tecken.",
    "the password repeats": "Lösenordet upprepar ett tecken eller ett kort mönster.",
    "the password is digits": "Lösenordet är siffror i följd.",
    "the password must not be the e-mail": "Lösenordet får inte vara e-postadressens namndel.",
    "the password is too common": "Lösenordet är för vanligt (det finns på en lista över "
                                  "ofta använda lösenord).",
}


@dataclass(frozen=True)
class Link:
    """A freshly made token for a link (shown or mailed once, never stored) and its account."""

    token: str
    user: User
    expires_at: datetime


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest under which a link token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def swedish_password_error(exc: ValidationError) -> ValidationError:
    """Return ``exc`` with check_password's English reason put in Swedish."""
    text = exc.errors.get("password", "")
    for start, swedish in PASSWORD_REASONS.items():
        if text.startswith(start):
            digits = "".join(ch for ch in text if ch.isdigit())
            return ValidationError(swedish.format(n=digits), field="password")
    return exc


def check_new_password(password: str, repeat: str | None, email: str) -> None:
    """Raise ValidationError (Swedish, field ``password``/``repeat``) unless it may be used."""
    if repeat is not None and password != repeat:
        raise ValidationError("Lösenorden är inte lika.", field="repeat")
    try:
        users.check_password(password, email=email)
    except ValidationError as exc:
        raise swedish_password_error(exc) from None


def audit(session: Session, actor_id: int | None, action: str, user: User,
          old: dict | None = None, new: dict | None = None) -> None:
    """Add an audit event about an account (inside the caller's transaction)."""
    session.add(AuditEvent(report_id=None, user_id=actor_id, action=action,
                           old=old, new={"account": user.email, "account_id": user.id,
                                         **(new or {})}))


def _new_token(session: Session, user: User, kind: str, valid: timedelta,
               created_by: int | None, now: datetime) -> Link:
    token = secrets.token_urlsafe(32)
    # A new link replaces any earlier unused one of the same kind.
    session.execute(update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.kind == kind,
        AccountToken.used_at.is_(None)).values(used_at=now))
    session.add(AccountToken(token_hash=token_hash(token), kind=kind, user_id=user.id,
                             created_by=created_by, created_at=now, expires_at=now + valid))
    return Link(token, user, now + valid)


def _require_admin(actor: Actor | None) -> Actor:
    if actor is None or not access.can(actor, "users.manage"):  # type: ignore[arg-type]
        raise PermissionDenied("Du har inte behörighet till detta." if actor is not None
                               else "Logga in först.")
    return actor


def _validate_account(session: Session, *, name: str, role: str, organisation: str | int | None,
                      permissions) -> tuple[str, Organisation | None, list[str] | None]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Skriv ett namn."
    elif len(name) > 200:
        errors["name"] = "Namnet får ha högst 200 tecken."
    if role not in access.ROLE_PERMISSIONS:
        errors["role"] = "Välj en roll i listan."
    org = users.find_organisation(session, organisation)
    if organisation not in (None, "") and org is None:
        errors["organisation"] = "Organisationen finns inte."
    elif org is None and role == "reporter":
        errors["organisation"] = "En rapportör måste höra till en organisation."
    perms = None
    try:
        perms = access.parse_permissions(permissions)
    except ValidationError:
        errors["permissions"] = "Okänd behörighet."
    if errors:
        raise ValidationError(errors)
    return name, org, perms


def invite_user(session: Session, actor: Actor | None, *, email: str, name: str, role: str,
                organisation: str | int | None, permissions=None,
                now: datetime | None = None) -> Link:
    """Create an account without a password and return its invitation link token.

    The link works once and for :data:`INVITE_VALID`; the account cannot sign in before the
    invitee has chosen a password from it.
    """
    admin = _require_admin(actor)
    now = now or datetime.now(UTC)
    email = (email or "").strip().lower()
    errors: dict[str, str] = {}
    if not users._EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Skriv en giltig e-postadress."
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = "Det finns redan ett konto med den e-postadressen."
    try:
        name, org, perms = _validate_account(session, name=name, role=role,
                                             organisation=organisation, permissions=permissions)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        user = User(email=email, name=name, role=role, organisation_id=org.id if org else None,
                    permissions=perms, password_hash=INVITED_HASH, active=True)
        session.add(user)
        session.flush()
        link = _new_token(session, user, "invite", INVITE_VALID, admin.id, now)
        audit(session, admin.id, "user_invited", user,
              new={"role": role, "organisation": org.name if org else None,
                   "permissions": perms})
    return link


def resend_invite(session: Session, actor: Actor | None, user_id: int,
                  now: datetime | None = None) -> Link:
    """Make a new invitation link for an account that has not chosen a password yet."""
    admin = _require_admin(actor)
    user = get_account(session, user_id)
    if not is_invited(user):
        raise ValidationError("Kontot har redan valt lösenord.", field="user")
    now = now or datetime.now(UTC)
    with transaction(session):
        link = _new_token(session, user, "invite", INVITE_VALID, admin.id, now)
        audit(session, admin.id, "user_invited", user, new={"again": True})
    return link


def is_invited(user: User) -> bool:
    """Return True if the account was invited and has not chosen a password yet."""
    return user.password_hash == INVITED_HASH


def _live_token(session: Session, token: str | None, kind: str,
                now: datetime) -> AccountToken | None:
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(AccountToken).where(
        AccountToken.token_hash == token_hash(token), AccountToken.kind == kind))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row


def account_for_token(session: Session, token: str | None, kind: str,
                      now: datetime | None = None) -> User | None:
    """Return the account a live (unused, unexpired) link token of ``kind`` is for, or None."""
    row = _live_token(session, token, kind, now or datetime.now(UTC))
    return session.get(User, row.user_id) if row is not None else None


def use_token(session: Session, token: str | None, kind: str, password: str,
              repeat: str | None = None, now: datetime | None = None) -> Actor:
    """Set the password from an invitation or reset link; the link is used up.

    Every session of the account ends and a lock is lifted. Raises NotFound for an unknown,
    used or expired link, ValidationError for a password that may not be used.
    """
    now = now or datetime.now(UTC)
    row = _live_token(session, token, kind, now)
    if row is None:
        raise NotFound("Länken gäller inte längre. Be om en ny.")
    user = session.get(User, row.user_id)
    assert user is not None
    check_new_password(password, repeat, user.email)
    with transaction(session):
        # The row lock makes the link single-use even for two simultaneous requests.
        claimed = session.scalar(update(AccountToken).where(
            AccountToken.id == row.id, AccountToken.used_at.is_(None))
            .values(used_at=now).returning(AccountToken.id))
        if not claimed:
            raise NotFound("Länken gäller inte längre. Be om en ny.")
        user.password_hash = users.hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        users._revoke_all(session, user.id)
        audit(session, user.id, "invite_accepted" if kind == "invite" else "password_reset",
              user)
    return access.actor_for(session, user)


def request_reset(session: Session, email: str, now: datetime | None = None) -> Link | None:
    """Make a reset link for an active account with this e-mail; None if there is none.

    The caller answers the same either way, so the page does not tell which addresses exist.
    """
    now = now or datetime.now(UTC)
    email = (email or "").strip().lower()[:254]
    user = session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        return None
    with transaction(session):
        link = _new_token(session, user, "reset", RESET_VALID, None, now)
        audit(session, None, "reset_requested", user)
    return link


def admin_reset(session: Session, actor: Actor | None, user_id: int,
                now: datetime | None = None) -> Link:
    """Make a reset link for an account on an admin's request (mailed to the account)."""
    admin = _require_admin(actor)
    user = get_account(session, user_id)
    if not user.active:
        raise ValidationError("Kontot är inaktiverat.", field="user")
    now = now or datetime.now(UTC)
    with transaction(session):
        link = _new_token(session, user, "reset", RESET_VALID, admin.id, now)
        audit(session, admin.id, "reset_requested", user)
    return link


def change_own_password(session: Session, actor: Actor | None, current: str, password: str,
                        repeat: str | None = None) -> Actor:
    """Change a signed-in user's password (the current one is checked); all sessions end."""
    if actor is None:
        raise PermissionDenied("Logga in först.")
    user = get_account(session, actor.id)
    if not check_password_hash(user.password_hash, (current or "")[:users.MAX_PASSWORD]):
        raise ValidationError("Det nuvarande lösenordet stämmer inte.", field="current")
    check_new_password(password, repeat, user.email)
    with transaction(session):
        user.password_hash = users.hash_password(password)
        users._revoke_all(session, user.id)
        audit(session, user.id, "password_changed", user)
    return access.actor_for(session, user)


def get_account(session: Session, user_id: int) -> User:
    """Return the account with this id or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Kontot finns inte.")
    return user


def list_accounts(session: Session, actor: Actor | None) -> list[User]:
    """Return every account by name (admins only)."""
    _require_admin(actor)
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name, User.id)))


def update_account(session: Session, actor: Actor | None, user_id: int, *, name: str,
                   role: str, organisation: str | int | None, permissions) -> User:
    """Change an account's name, role, organisation and permissions, with an audit event.

    ``permissions`` ``None`` or an empty list means the role's defaults. An admin cannot take
    the ``admin`` permission from their own account (there would be no way back).
    """
    admin = _require_admin(actor)
    user = get_account(session, user_id)
    name, org, perms = _validate_account(session, name=name, role=role,
                                         organisation=organisation,
                                         permissions=permissions or None)
    if user.id == admin.id and "admin" not in access.permissions_of(
            access.Actor(0, "", "", role, None, permissions=frozenset(perms)
                         if perms is not None else None)):
        raise ValidationError("Du kan inte ta bort din egen admin-behörighet.",
                              field="permissions")
    old = _snapshot(session, user)
    with transaction(session):
        user.name, user.role = name, role
        user.organisation_id = org.id if org else None
        user.permissions = perms
        new = _snapshot(session, user)
        changed_old = {k: v for k, v in old.items() if new[k] != v}
        if changed_old:
            audit(session, admin.id, "user_changed", user, old=changed_old,
                  new={k: new[k] for k in changed_old})
    return user


def _snapshot(session: Session, user: User) -> dict:
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    return {"name": user.name, "role": user.role, "organisation": org.name if org else None,
            "permissions": list(user.permissions) if user.permissions is not None else None}


def set_account_active(session: Session, actor: Actor | None, user_id: int,
                       active: bool, now: datetime | None = None) -> int:
    """Activate or deactivate an account; deactivation ends its sessions and open links.

    Returns how many sessions ended. An admin cannot deactivate their own account.
    """
    admin = _require_admin(actor)
    user = get_account(session, user_id)
    if user.id == admin.id and not active:
        raise ValidationError("Du kan inte inaktivera ditt eget konto.", field="active")
    if user.active == active:
        return 0
    now = now or datetime.now(UTC)
    with transaction(session):
        user.active = active
        ended = 0
        if not active:
            ended = users._revoke_all(session, user.id)
            session.execute(update(AccountToken).where(
                AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
                .values(used_at=now))
        audit(session, admin.id, "user_activated" if active else "user_deactivated", user,
              new={"sessions_ended": ended} if ended else None)
    return ended


def account_events(session: Session, actor: Actor | None, user_id: int | None = None,
                   limit: int = 200) -> list[dict]:
    """Return the newest audit events about accounts (or one account), newest first."""
    _require_admin(actor)
    stmt = (select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.report_id.is_(None),
                   AuditEvent.action.in_(tuple(ADMIN_ACTIONS)))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    if user_id is not None:
        stmt = stmt.where(AuditEvent.new["account_id"].as_integer() == user_id)
    return [{"at": e.at, "by": by, "action": e.action, "words": ADMIN_ACTIONS[e.action],
             "account": (e.new or {}).get("account"), "old": e.old, "new": e.new}
            for e, by in session.execute(stmt)]
