"""A valid API key's client is remembered per process for a few seconds (no query per POST).

Revocation in the same process forgets it at once; a revocation another process made (a
second gunicorn worker, ``est apikeys revoke``) is honoured once ``CLIENT_TTL_S`` has passed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, update

from est.models import ApiKey
from est.services import apikeys


@pytest.fixture
def token(db_session, make_area, make_organisation) -> str:
    make_organisation("Hallbo AB", "bostadsbolag", area=make_area())
    return apikeys.create_key(db_session, organisation="Hallbo AB", label="felanmälan")[1]


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    now = [5000.0]
    monkeypatch.setattr(apikeys, "_clock", lambda: now[0])
    apikeys.forget_clients()
    return now


def _statements(session) -> list[str]:
    seen: list[str] = []
    event.listen(session.connection(), "before_cursor_execute",
                 lambda *args: seen.append(args[2]))
    return seen


def test_client_reused_without_a_query_then_read_again(db_session, token, clock):
    first = apikeys.authenticate(db_session, token)
    assert first is not None and first.organisation_name == "Hallbo AB"
    seen = _statements(db_session)
    assert apikeys.authenticate(db_session, token) == first and seen == []
    # Another process revokes the key: refused once the TTL has passed, not before.
    db_session.execute(update(ApiKey).values(revoked_at=ApiKey.created_at))
    clock[0] += apikeys.CLIENT_TTL_S - 0.5
    assert apikeys.authenticate(db_session, token) == first
    clock[0] += 1
    assert apikeys.authenticate(db_session, token) is None
    assert seen  # the key was read again


def test_revocation_in_this_process_is_at_once(db_session, token, clock):
    client = apikeys.authenticate(db_session, token)
    assert client is not None
    apikeys.revoke_key(db_session, client.id)
    assert apikeys.authenticate(db_session, token) is None
    assert apikeys.authenticate(db_session, token + "x") is None  # unknown keys: never stored


def test_unknown_and_malformed_tokens_are_not_remembered(db_session, token, clock):
    for bad in ("", "est_nope", "x" * 200, "est_" + "a" * 200):
        assert apikeys.authenticate(db_session, bad) is None
    assert apikeys._clients == {}
