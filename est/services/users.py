"""Staff accounts: creation, password hashing (scrypt) and sign-in."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from est.access import Actor, actor_for
from est.db import transaction
from est.errors import ValidationError
from est.models import ROLES, Organisation, User

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked when the e-mail is unknown, so a wrong address costs as much time as a wrong password.
_DUMMY_HASH = ("scrypt:32768:8:1$WyQzcSuATJ6T7tRz$e1d0a4f1c0b1e7d63fd9a02bbd2c20ad1b7b8d3f"
               "c52d4e3b0a6e4a1bd9ab7d2b4c7e1a8a3b0c7a05e1f4b2a9d6e3c8f1a7b4d0e5c2f9a6b3")

DEMO_PASSWORD = "demo-hallsberg-1861"
# (e-mail, name, role, organisation name in est.demo.DEMO_ORGANISATIONS)
DEMO_ACCOUNTS = (
    ("admin@hallsberg.example", "Demo Administratör", "admin", "Hallsbergs kommun"),
    ("samordnare@hallsberg.example", "Demo Samordnare", "coordinator", "Hallsbergs kommun"),
    ("polis@hallsberg.example", "Demo Polis", "reporter", "Polisen, lokalpolisområde Hallsberg"),
    ("hallbo@hallsberg.example", "Demo Hallbo", "reporter", "Hallbo AB"),
    ("lasare@hallsberg.example", "Demo Läsare", "viewer", "Hallsbergs kommun"),
)


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of ``password``."""
    return generate_password_hash(password, method="scrypt")


def check_password(password: str, min_length: int = MIN_PASSWORD) -> None:
    """Raise ValidationError if the password is too short."""
    if len(password or "") < min_length:
        raise ValidationError(f"the password must have at least {min_length} characters",
                              field="password")


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
                password_hash: str | None = None) -> User:
    """Create a staff account; reporters must belong to an organisation.

    Give ``password`` (hashed here) or an existing ``password_hash``.
    """
    errors: dict[str, str] = {}
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = "enter a valid e-mail address"
    if not (name or "").strip():
        errors["name"] = "enter a name"
    if role not in ROLES:
        errors["role"] = f"role must be one of {', '.join(ROLES)}"
    org = find_organisation(session, organisation)
    if organisation not in (None, "") and org is None:
        errors["org"] = f"no organisation {organisation!r}; list them with `est users orgs`"
    elif org is None and role == "reporter":
        errors["org"] = "a reporter must belong to an organisation (--org)"
    if password_hash is None:
        try:
            check_password(password or "")
        except ValidationError as exc:
            errors.update(exc.errors)
    if not errors and session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = f"an account with e-mail {email} already exists"
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        user = User(email=email, name=name.strip(), role=role,
                    organisation_id=org.id if org else None,
                    password_hash=password_hash or hash_password(password or ""), active=True)
        session.add(user)
    return user


def authenticate(session: Session, email: str, password: str) -> Actor | None:
    """Return the actor for a correct e-mail and password of an active account, else None."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return actor_for(session, user)


def load_actor(session: Session, user_id: int) -> Actor | None:
    """Return the actor of an active account by id (for the login session), else None."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return actor_for(session, user)


def list_organisations(session: Session) -> list[Organisation]:
    """Return all organisations by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def ensure_demo_accounts(session: Session) -> list[str]:
    """Create (or reset) one demo account per role with :data:`DEMO_PASSWORD`; demo only."""
    shared_hash = hash_password(DEMO_PASSWORD)
    made = []
    with transaction(session):
        for email, name, role, org_name in DEMO_ACCOUNTS:
            org = find_organisation(session, org_name)
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email)
                session.add(user)
            user.name, user.role, user.active = name, role, True
            user.organisation_id = org.id if org else None
            user.password_hash = shared_hash
            made.append(f"{email} ({role})")
    return made
