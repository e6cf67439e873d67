"""Server-side sessions: sign-out, timeouts, password change and deactivation end them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from sqlalchemy import select

from est.models import UserSession
from est.services import users
from web.auth import SESSION_KEY

PASSWORD = "correct horse battery"
STAFF_PAGES = ("/granskning", "/personal/oversikt", "/api/v1/reports.geojson")


@cache
def password_hash() -> str:
    return users.hash_password(PASSWORD)


@pytest.fixture
def coordinator(db_session, make_area, make_organisation, make_report):
    area = make_area()
    org = make_organisation(name="Hallsbergs kommun", area=area)
    make_report(area=area, organisation_id=org.id)
    return users.create_user(db_session, email="samordnare@x.example", name="Sam Ordnare",
                             role="coordinator", organisation=org.id,
                             password_hash=password_hash())


def login(client, email="samordnare@x.example", password=PASSWORD):
    response = client.post("/logga-in", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def signed_in(client, path: str) -> bool:
    """Return True if ``path`` answers as to a signed-in user (not login or 401)."""
    response = client.get(path)
    if response.status_code == 401 or "/logga-in" in response.headers.get("Location", ""):
        return False
    assert response.status_code in (200, 302), (path, response.status_code)
    return True


def copy_cookie(app, source, target) -> None:
    name = app.config["SESSION_COOKIE_NAME"]
    target.set_cookie(name, source.get_cookie(name).value)


def live_sessions(db_session, user_id) -> list[UserSession]:
    db_session.expire_all()
    return list(db_session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None))))


def test_a_copied_cookie_is_dead_after_logout(app, coordinator):
    owner, thief = app.test_client(), app.test_client()
    login(owner)
    copy_cookie(app, owner, thief)
    assert all(signed_in(thief, path) for path in STAFF_PAGES)
    assert owner.post("/logga-ut").status_code == 302
    assert not any(signed_in(thief, path) for path in STAFF_PAGES)
    assert thief.get("/api/v1/reports.geojson").status_code == 401
    assert not signed_in(owner, "/personal/oversikt")


def test_only_a_hash_of_the_token_is_stored(app, client, db_session, coordinator):
    login(client)
    with client.session_transaction() as sess:
        token = sess[SESSION_KEY]
    [row] = live_sessions(db_session, coordinator.id)
    assert row.id == hashlib.sha256(token.encode()).hexdigest() and token not in row.id
    assert client.get_cookie("remember_token") is None  # no remember-me cookie, ever


def test_a_user_id_without_a_live_session_is_anonymous(client, coordinator):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(coordinator.id)
        sess["_fresh"] = True
    assert not signed_in(client, "/personal/oversikt")
    with client.session_transaction() as sess:
        sess[SESSION_KEY] = "made-up-token"
    assert not signed_in(client, "/personal/oversikt")


def test_login_rotates_the_session(client, db_session, coordinator):
    planted = users.start_session(db_session, coordinator.id)
    users.end_session(db_session, planted)
    with client.session_transaction() as sess:
        sess[SESSION_KEY] = planted  # an attacker's fixed session
    login(client)
    with client.session_transaction() as sess:
        assert sess[SESSION_KEY] != planted
    assert signed_in(client, "/personal/oversikt")


def test_idle_timeout_ends_the_session(client, db_session, coordinator):
    login(client)
    [row] = live_sessions(db_session, coordinator.id)
    row.last_seen_at = datetime.now(UTC) - timedelta(minutes=31)
    db_session.flush()
    assert not signed_in(client, "/personal/oversikt")
    db_session.refresh(row)
    assert row.revoked_at is not None


def test_absolute_lifetime_ends_an_active_session(client, db_session, coordinator):
    login(client)
    [row] = live_sessions(db_session, coordinator.id)
    row.created_at = datetime.now(UTC) - timedelta(hours=12, minutes=1)
    db_session.flush()
    assert not signed_in(client, "/personal/oversikt")


def test_timeouts_come_from_the_environment(app_config, db_session, coordinator):
    from web import create_app

    app = create_app({**app_config, "EST_SESSION_IDLE_MINUTES": "5",
                      "EST_SESSION_MAX_HOURS": "1"})
    client = app.test_client()
    login(client)
    [row] = live_sessions(db_session, coordinator.id)
    row.last_seen_at = datetime.now(UTC) - timedelta(minutes=6)
    db_session.flush()
    assert not signed_in(client, "/personal/oversikt")
    app.extensions["est_db"].dispose()


def test_last_seen_moves_at_most_once_a_minute(db_session, coordinator):
    start = datetime.now(UTC)
    token = users.start_session(db_session, coordinator.id, now=start)
    limits = {"idle": timedelta(minutes=30), "max_age": timedelta(hours=12)}
    row = db_session.get(UserSession, users.session_id(token))
    assert users.resume_session(db_session, token, now=start + timedelta(seconds=30), **limits)
    db_session.refresh(row)
    assert row.last_seen_at == start
    assert users.resume_session(db_session, token, now=start + timedelta(seconds=61), **limits)
    db_session.refresh(row)
    assert row.last_seen_at == start + timedelta(seconds=61)


def test_password_change_signs_out_everywhere(app, runner, db_session, coordinator):
    first, second = app.test_client(), app.test_client()
    login(first)
    login(second)
    assert len(live_sessions(db_session, coordinator.id)) == 2
    result = runner.invoke(args=["users", "password", "samordnare@x.example", "--password",
                                 "ett nytt och längre lösen"])
    assert result.exit_code == 0, result.output
    assert "2 session(s) ended" in result.output
    assert not signed_in(first, "/personal/oversikt")
    assert not signed_in(second, "/personal/oversikt")
    assert first.post("/logga-in", data={"email": "samordnare@x.example",
                                         "password": PASSWORD}).status_code == 401
    login(first, password="ett nytt och längre lösen")


def test_password_change_refuses_weak_passwords(runner, db_session, coordinator):
    result = runner.invoke(args=["users", "password", "samordnare@x.example", "--password",
                                 "sommar2024"])
    assert result.exit_code == 1 and "too common" in result.output
    db_session.refresh(coordinator)
    assert coordinator.password_hash == password_hash()


def test_deactivation_signs_out_everywhere(app, client, runner, db_session, coordinator):
    login(client)
    result = runner.invoke(args=["users", "deactivate", "samordnare@x.example"])
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert not signed_in(client, "/personal/oversikt")
    assert client.post("/logga-in", data={"email": "samordnare@x.example",
                                          "password": PASSWORD}).status_code == 401
    assert runner.invoke(args=["users", "activate", "samordnare@x.example"]).exit_code == 0
    login(client)


def test_ended_sessions_are_cleaned_up_on_the_next_login(client, db_session, coordinator):
    for _ in range(3):
        login(client)
        client.post("/logga-ut")
    login(client)
    db_session.expire_all()
    rows = db_session.scalars(select(UserSession).where(
        UserSession.user_id == coordinator.id)).all()
    assert len(rows) == 1 and rows[0].revoked_at is None
