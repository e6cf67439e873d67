"""Staff accounts: creation, passwords, permissions, sign-in with back-off and sessions.

Passwords are hashed with scrypt and must pass :func:`check_password` (length, a blocklist of
common passwords, no repeated characters or digit runs, not the e-mail's local part). After
:data:`LOCK_AFTER` failed sign-ins an account is locked for 1, 2, 4 … up to
:data:`LOCK_MAX_MINUTES` minutes. Sign-in sessions live in ``user_session`` (only a SHA-256
hash of the cookie's token is stored) so that sign-out, idle and absolute timeouts, password
changes and deactivation end them on the server.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from est.access import Actor, actor_for, parse_permissions
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import ROLES, Organisation, User, UserSession

MIN_PASSWORD = 10
MAX_PASSWORD = 256
LOCK_AFTER = 5
LOCK_MAX_MINUTES = 60
SEEN_EVERY = timedelta(minutes=1)
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_FOLD = str.maketrans("åäöé", "aaoe")
# Checked when the e-mail is unknown, so a wrong address costs as much time as a wrong password.
_DUMMY_HASH = ("scrypt:32768:8:1$WyQzcSuATJ6T7tRz$e1d0a4f1c0b1e7d63fd9a02bbd2c20ad1b7b8d3f"
               "c52d4e3b0a6e4a1bd9ab7d2b4c7e1a8a3b0c7a05e1f4b2a9d6e3c8f1a7b4d0e5c2f9a6b3")

DEMO_PASSWORD = "demo-hallsberg-1861"
# (e-mail, name, role, organisation name in est.demo.DEMO_ORGANISATIONS, permissions or None
# for the role's defaults). The police and the housing company report and see the review.
DEMO_ACCOUNTS = (
    ("admin@hallsberg.example", "Demo Administratör", "admin", "Hallsbergs kommun", None),
    ("samordnare@hallsberg.example", "Demo Samordnare", "coordinator", "Hallsbergs kommun",
     None),
    ("polis@hallsberg.example", "Demo Polis", "reporter", "Polisen, lokalpolisområde Hallsberg",
     ("report", "review")),
    ("hallbo@hallsberg.example", "Demo Hallbo", "reporter", "Hallbo AB", ("report", "review")),
    ("lasare@hallsberg.example", "Demo Läsare", "viewer", "Hallsbergs kommun", None),
)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt.

    ``known`` says whether the e-mail belongs to an active account: for the caller's own
    throttling of unknown addresses only, never to be shown.
    """

    actor: Actor | None
    locked: bool = False
    known: bool = False


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of ``password``."""
    return generate_password_hash(password, method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    """Return the blocklist of common passwords (lower case) shipped in ``est/data``."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def check_password(password: str, min_length: int = MIN_PASSWORD, *,
                   email: str | None = None) -> None:
    """Raise ValidationError (field ``password``) unless the password is strong enough.

    Refused: shorter than ``min_length`` or longer than :data:`MAX_PASSWORD` characters; one
    repeated character or a short repeated pattern; digits counting up or down; a common
    password, also with digits or symbols added (``sommar2024``); the e-mail's local part.
    """
    password = password or ""
    reason = None
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    local = (email or "").strip().lower().partition("@")[0]
    blocked = common_passwords()
    if len(password) < min_length:
        reason = f"the password must have at least {min_length} characters"
    elif len(password) > MAX_PASSWORD:
        reason = f"the password may have at most {MAX_PASSWORD} characters"
    elif _repeats(lowered):
        reason = "the password repeats one character or a short pattern"
    elif _digit_run(lowered):
        reason = "the password is digits counting up or down"
    elif local and (lowered == local or core == _EDGES.sub("", local)
                    or re.sub(r"\W", "", core) == re.sub(r"\W", "", local)):
        reason = "the password must not be the e-mail address's name part"
    elif ({lowered, core, lowered.translate(_FOLD), core.translate(_FOLD)} & blocked):
        reason = "the password is too common (it is on a list of often used passwords)"
    if reason:
        raise ValidationError(reason, field="password")


def _repeats(text: str) -> bool:
    for unit in (1, 2, 3):
        if len(text) > unit and text == (text[:unit] * (len(text) // unit + 1))[:len(text)]:
            return True
    return False


def _digit_run(text: str) -> bool:
    if not text.isdigit():
        return False
    steps = {(int(b) - int(a)) % 10 for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {9})


def find_organisation(session: Session, name_or_id: str | int | None) -> Organisation | None:
    """Return the organisation with this id or (case-insensitive) name, or None."""
    if name_or_id in (None, ""):
        return None
    text = str(name_or_id).strip()
    if text.isdigit():
        org = session.get(Organisation, int(text))
        if org is not None:
            return org
    return session.scalar(select(Organisation).where(func.lower(Organisation.name) ==
                                                     text.lower()))


def create_user(session: Session, *, email: str, name: str, role: str,
                organisation: str | int | None, password: str | None = None,
                password_hash: str | None = None,
                permissions: str | list[str] | tuple[str, ...] | None = None) -> User:
    """Create a staff account; reporters must belong to an organisation.

    Give ``password`` (checked and hashed here) or an existing ``password_hash``.
    ``permissions`` (``"report,review"`` or a list) overrides the role's default set.
    """
    errors: dict[str, str] = {}
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = "enter a valid e-mail address"
    if not (name or "").strip():
        errors["name"] = "enter a name"
    elif len(name.strip()) > 200:
        errors["name"] = "the name may have at most 200 characters"
    if role not in ROLES:
        errors["role"] = f"role must be one of {', '.join(ROLES)}"
    org = find_organisation(session, organisation)
    if organisation not in (None, "") and org is None:
        errors["org"] = f"no organisation {organisation!r}; list them with `est users orgs`"
    elif org is None and role == "reporter":
        errors["org"] = "a reporter must belong to an organisation (--org)"
    perms = None
    try:
        perms = parse_permissions(permissions)
    except ValidationError as exc:
        errors.update(exc.errors)
    if password_hash is None:
        try:
            check_password(password or "", email=email)
        except ValidationError as exc:
            errors.update(exc.errors)
    if not errors and session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = f"an account with e-mail {email} already exists"
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        user = User(email=email, name=name.strip(), role=role,
                    organisation_id=org.id if org else None, permissions=perms,
                    password_hash=password_hash or hash_password(password or ""), active=True)
        session.add(user)
    return user


def get_user(session: Session, email: str) -> User:
    """Return the account with this e-mail or raise NotFound."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"no account with e-mail {email!r}")
    return user


def set_password(session: Session, email: str, password: str) -> int:
    """Change an account's password, lift a lock and end all its sessions; return how many."""
    user = get_user(session, email)
    check_password(password, email=user.email)
    with transaction(session):
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        ended = _revoke_all(session, user.id)
    return ended


def set_active(session: Session, email: str, active: bool) -> int:
    """Activate or deactivate an account; deactivation ends all its sessions (count)."""
    user = get_user(session, email)
    with transaction(session):
        user.active = active
        ended = 0 if active else _revoke_all(session, user.id)
    return ended


def set_permissions(session: Session, email: str,
                    permissions: str | list[str] | None) -> User:
    """Set an account's permissions (``None`` or ``""``: back to the role's defaults)."""
    user = get_user(session, email)
    perms = parse_permissions(permissions if permissions is not None else "")
    with transaction(session):
        user.permissions = perms
    return user


def lock_minutes(failures: int) -> int:
    """Return how long an account is locked after ``failures`` failed sign-ins in a row."""
    if failures < LOCK_AFTER:
        return 0
    return min(LOCK_MAX_MINUTES, 2 ** min(failures - LOCK_AFTER, 10))


def sign_in(session: Session, email: str, password: str, *,
            now: datetime | None = None) -> SignIn:
    """Check e-mail and password with per-account back-off and return a :class:`SignIn`.

    A locked account is refused even with the right password; a wrong password counts towards
    the lock; success resets the count. Each path checks one scrypt hash, so an unknown
    address, a locked account and a wrong password take about the same time.
    """
    now = now or datetime.now(UTC)
    password = (password or "")[:MAX_PASSWORD]
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()[:254]))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return SignIn(None)
    if user.locked_until is not None and user.locked_until > now:
        check_password_hash(_DUMMY_HASH, password)
        return SignIn(None, locked=True, known=True)
    ok = check_password_hash(user.password_hash, password)
    with transaction(session):
        if ok:
            session.execute(update(User).where(User.id == user.id)
                            .values(failed_logins=0, locked_until=None))
        else:
            failures = session.scalar(
                update(User).where(User.id == user.id)
                .values(failed_logins=User.failed_logins + 1)
                .returning(User.failed_logins)) or 0
            minutes = lock_minutes(failures)
            if minutes:
                session.execute(update(User).where(User.id == user.id)
                                .values(locked_until=now + timedelta(minutes=minutes)))
    session.refresh(user)
    if not ok:
        return SignIn(None, locked=lock_minutes(user.failed_logins) > 0, known=True)
    return SignIn(actor_for(session, user), known=True)


def authenticate(session: Session, email: str, password: str) -> Actor | None:
    """Return the actor for a correct e-mail and password of an active, unlocked account."""
    return sign_in(session, email, password).actor


def load_actor(session: Session, user_id: int) -> Actor | None:
    """Return the actor of an active account by id, else None."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return actor_for(session, user)


# -- server-side sessions ---------------------------------------------------------------------

def session_id(token: str) -> str:
    """Return the SHA-256 hex digest under which a session token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user_id: int, *, now: datetime | None = None,
                  max_age: timedelta = timedelta(hours=12)) -> str:
    """Create a session for the user and return its token (for the cookie; never stored).

    The user's ended or expired sessions are deleted on the way, so the table stays small.
    """
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    with transaction(session):
        session.execute(delete(UserSession).where(
            UserSession.user_id == user_id,
            or_(UserSession.revoked_at.is_not(None), UserSession.created_at < now - max_age)))
        session.add(UserSession(id=session_id(token), user_id=user_id, created_at=now,
                                last_seen_at=now))
    return token


def resume_session(session: Session, token: str | None, *, idle: timedelta,
                   max_age: timedelta, now: datetime | None = None) -> Actor | None:
    """Return the actor of a live session, or None (unknown, ended, idle or too old).

    An expired session is ended on the server; ``last_seen_at`` moves at most once a minute.
    """
    if not token or len(token) > 128:
        return None
    now = now or datetime.now(UTC)
    row = session.get(UserSession, session_id(token))
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        with transaction(session):
            row.revoked_at = now
        return None
    actor = load_actor(session, row.user_id)
    if actor is None:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        with transaction(session):
            row.last_seen_at = now
    return actor


def end_session(session: Session, token: str | None) -> bool:
    """End one session (sign-out); return True if a live session was ended."""
    if not token:
        return False
    with transaction(session):
        result = session.execute(
            update(UserSession).where(UserSession.id == session_id(token),
                                      UserSession.revoked_at.is_(None))
            .values(revoked_at=func.now()))
    return bool(getattr(result, "rowcount", 0))


def end_all_sessions(session: Session, user_id: int) -> int:
    """End every live session of a user (sign out everywhere); return how many."""
    with transaction(session):
        return _revoke_all(session, user_id)


def _revoke_all(session: Session, user_id: int) -> int:
    result = session.execute(
        update(UserSession).where(UserSession.user_id == user_id,
                                  UserSession.revoked_at.is_(None))
        .values(revoked_at=func.now()))
    return int(getattr(result, "rowcount", 0) or 0)


def list_organisations(session: Session) -> list[Organisation]:
    """Return all organisations by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def ensure_demo_accounts(session: Session) -> list[str]:
    """Create (or reset) the demo accounts with :data:`DEMO_PASSWORD`; demo only."""
    shared_hash = hash_password(DEMO_PASSWORD)
    made = []
    with transaction(session):
        for email, name, role, org_name, perms in DEMO_ACCOUNTS:
            org = find_organisation(session, org_name)
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email)
                session.add(user)
            user.name, user.role, user.active = name, role, True
            user.organisation_id = org.id if org else None
            user.password_hash = shared_hash
            user.permissions = list(perms) if perms else None
            user.failed_logins, user.locked_until = 0, None
            extra = f" + {'+'.join(perms)}" if perms else ""
            made.append(f"{email} ({role}{extra})")
    return made
