"""API keys: create (the token is shown once), list, revoke and authenticate.

Only the SHA-256 hex digest of a token is stored. A key belongs to one organisation; its
holder acts as a ``reporter`` of that organisation (see :class:`ApiClient`).

A valid key's client is remembered per process for ``CLIENT_TTL_S`` seconds (no query on the
next requests of a busy API client). :func:`revoke_key` forgets it in its own process at once;
other processes (gunicorn workers, a revocation by ``est apikeys revoke``) refuse the key at
most ``CLIENT_TTL_S`` later.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import ApiKey, Organisation
from est.services.users import find_organisation

TOKEN_PREFIX = "est_"
MAX_LABEL = 200
CLIENT_TTL_S = 5.0  # a valid key's client is reused this long per process (0: never)
_CLIENTS_MAX = 256
_clients: OrderedDict[str, tuple[float, ApiClient]] = OrderedDict()
_clients_lock = threading.Lock()
_clock = time.monotonic  # tests move time


@dataclass(frozen=True)
class ApiClient:
    """The holder of a valid API key: a reporter of the key's organisation.

    ``id`` is the key's id (never a user id); ``area_id`` is the organisation's municipality.
    """

    id: int
    label: str
    organisation_id: int
    organisation_name: str
    area_id: int | None = None
    role: str = "reporter"


@dataclass(frozen=True)
class KeyRow:
    """A stored key as ``est apikeys list`` shows it (no token, no hash)."""

    id: int
    label: str
    organisation: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(session: Session, *, organisation: str | int, label: str) -> tuple[ApiKey, str]:
    """Create a key for an organisation (name or id); return the key and its token.

    The token is returned only here: it cannot be recovered from the database.
    """
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL:
        raise ValidationError(f"the label must have 1–{MAX_LABEL} characters", field="label")
    with transaction(session):
        org = find_organisation(session, organisation)
        if org is None:
            raise NotFound(f"no organisation {organisation!r}; see `est users orgs`")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(key_hash=hash_token(token), label=label, organisation_id=org.id)
        session.add(key)
        session.flush()
    return key, token


def list_keys(session: Session) -> list[KeyRow]:
    """Return every key, oldest first, with its organisation's name."""
    rows = session.execute(
        select(ApiKey, Organisation.name).join(Organisation,
                                               Organisation.id == ApiKey.organisation_id)
        .order_by(ApiKey.id)
    )
    return [KeyRow(id=k.id, label=k.label, organisation=name, created_at=k.created_at,
                   revoked_at=k.revoked_at) for k, name in rows]


def revoke_key(session: Session, key_id: int) -> ApiKey:
    """Revoke a key from now on (a key revoked earlier keeps its first revocation time)."""
    with transaction(session):
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound(f"no API key {key_id}")
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
        forget_clients()
    return key


def forget_clients() -> None:
    """Forget the clients remembered in this process (after a revocation)."""
    with _clients_lock:
        _clients.clear()


def authenticate(session: Session, token: str | None) -> ApiClient | None:
    """Return the client of a valid, unrevoked token, or None."""
    token = (token or "").strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    digest = hash_token(token)
    now = _clock()
    with _clients_lock:
        known = _clients.get(digest)
        if known is not None and known[0] > now:
            return known[1]
    row = session.execute(
        select(ApiKey, Organisation).join(Organisation, Organisation.id == ApiKey.organisation_id)
        .where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    key, org = row
    client = ApiClient(id=key.id, label=key.label, organisation_id=org.id,
                       organisation_name=org.name,
                       area_id=access._municipality_of(session, org.area_id))
    if CLIENT_TTL_S > 0:
        with _clients_lock:
            _clients[digest] = (now + CLIENT_TTL_S, client)
            _clients.move_to_end(digest)
            while len(_clients) > _CLIENTS_MAX:
                _clients.popitem(last=False)
    return client
