"""Sign-in, sign-out, cookies, login rate limit and `est users create`."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from sqlalchemy import select

from est.models import User
from est.services import users
from web import create_app

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    return users.hash_password(PASSWORD)


@pytest.fixture
def coordinator(db_session, make_area, make_organisation):
    org = make_organisation(name="Hallsbergs kommun", area=make_area())
    return users.create_user(db_session, email="samordnare@x.example", name="Sam Ordnare",
                             role="coordinator", organisation=org.id,
                             password_hash=password_hash())


def login(client, email="samordnare@x.example", password=PASSWORD, **extra):
    return client.post("/logga-in", data={"email": email, "password": password, **extra})


def test_login_page(client):
    html = client.get("/logga-in").get_data(as_text=True)
    assert 'for="email"' in html and 'for="password"' in html
    assert 'autocomplete="current-password"' in html


def test_login_and_logout(client, coordinator):
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/moderering/"
    html = client.get("/moderering/").get_data(as_text=True)
    assert "Sam Ordnare" in html and "Logga ut" in html
    response = client.post("/logga-ut")
    assert response.status_code == 302
    assert client.get("/moderering/").status_code == 302  # back to login


def test_wrong_password_or_unknown_user(client, coordinator):
    for email, password in [("samordnare@x.example", "wrong"), ("nobody@x.example", PASSWORD)]:
        response = login(client, email, password)
        assert response.status_code == 401
        assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert client.get("/moderering/").status_code == 302


def test_login_goes_back_to_next_but_never_off_site(client, coordinator):
    assert login(client, next="/personal/rapporter").headers["Location"] == "/personal/rapporter"
    client.post("/logga-ut")
    assert login(client, next="https://evil.example/").headers["Location"] == "/moderering/"
    client.post("/logga-ut")
    assert login(client, next="//evil.example/").headers["Location"] == "/moderering/"


def test_anonymous_staff_page_redirects_to_login_with_next(client):
    response = client.get("/personal/rapporter")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_session_cookie_is_secure_httponly_lax_in_production(app_config, coordinator):
    app = create_app({**app_config, "EST_ENV": "production"})
    response = login(app.test_client())
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.extensions["est_db"].dispose()


def test_login_is_rate_limited(app_config, coordinator):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True,
                      "EST_LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [login(client, password="wrong").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert login(client).status_code == 429  # even the right password waits
    app.extensions["est_db"].dispose()


def test_login_and_logout_need_csrf_tokens(app_config, coordinator):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    assert login(client).status_code == 400
    html = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert login(client, csrf_token=token).status_code == 302
    assert client.post("/logga-ut").status_code == 400
    app.extensions["est_db"].dispose()


def test_cli_users_create(runner, db_session, make_organisation):
    org = make_organisation(name="Polisen Hallsberg", kind="polis")
    result = runner.invoke(args=["users", "create", "--email", "P@Polisen.example", "--name",
                                 "Per Polis", "--role", "reporter", "--org", "Polisen Hallsberg",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created p@polisen.example (reporter; permissions report (role defaults))" \
        in result.output
    user = db_session.scalars(select(User).where(User.email == "p@polisen.example")).one()
    assert user.organisation_id == org.id and user.password_hash.startswith("scrypt:")


def test_cli_users_create_prompts_for_password(runner, db_session):
    result = runner.invoke(args=["users", "create", "--email", "admin@x.example", "--name",
                                 "Admin", "--role", "admin"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(User.role).where(User.email == "admin@x.example")) == "admin"


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "reporter", "--password", PASSWORD], "--org"),
    (["--role", "viewer", "--org", "Finns inte", "--password", PASSWORD], "no organisation"),
    (["--role", "viewer", "--password", "kort"], "at least 10 characters"),
    (["--role", "viewer", "--password", "1234567890"], "digits counting up or down"),
    (["--role", "viewer", "--password", "password123"], "too common"),
    (["--role", "viewer", "--permissions", "report,fly", "--password", PASSWORD],
     "unknown permission fly"),
])
def test_cli_users_create_errors(runner, db_session, args, message):
    result = runner.invoke(args=["users", "create", "--email", "e@x.example", "--name", "E",
                                 *args])
    assert result.exit_code == 1 and message in result.output
    assert db_session.scalar(select(User).where(User.email == "e@x.example")) is None


def test_cli_users_orgs(runner, make_organisation):
    make_organisation(name="Hallbo AB", kind="bostadsbolag")
    result = runner.invoke(args=["users", "orgs"])
    assert result.exit_code == 0 and "Hallbo AB" in result.output


def test_est_demo_creates_places_and_one_account_per_role(runner, db_session):
    from est.access import actor_for
    from est.models import Place

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "samordnare@hallsberg.example (coordinator)" in result.output
    assert users.DEMO_PASSWORD in result.output
    roles = set(db_session.scalars(select(User.role).where(User.email.like("%@hallsberg.example"))))
    assert roles == {"admin", "coordinator", "reporter", "viewer"}
    assert db_session.scalar(select(Place.id).limit(1)) is not None
    actor = users.authenticate(db_session, "samordnare@hallsberg.example", users.DEMO_PASSWORD)
    assert actor is not None and actor.area_id is not None
    assert actor == actor_for(db_session, actor.id)
    # A decided lägesbild, so the public page shows one; a second run replaces it.
    from est.models import LagesbildVersion

    assert "decided by BRÅ-rådet" in result.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    decided = db_session.scalars(select(LagesbildVersion)).all()
    assert len(decided) == 1 and decided[0].decided_by == "BRÅ-rådet"
    assert {s["Källa"] for s in decided[0].sources} >= {"Trygghetsvandringar"}


def test_cli_users_create_with_permissions(runner, db_session, make_organisation):
    make_organisation(name="Polisen Hallsberg", kind="polis")
    result = runner.invoke(args=["users", "create", "--email", "polis@x.example", "--name",
                                 "Polis", "--role", "reporter", "--org", "Polisen Hallsberg",
                                 "--permissions", "review, report", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "permissions report+review (set for the account)" in result.output
    user = db_session.scalars(select(User).where(User.email == "polis@x.example")).one()
    assert user.permissions == ["report", "review"]
    result = runner.invoke(args=["users", "permissions", "polis@x.example"])
    assert result.exit_code == 0 and "permissions report (role defaults)" in result.output
    db_session.refresh(user)
    assert user.permissions is None


# -- per-account back-off -------------------------------------------------------------------

LOCKED = "Inloggningen är tillfälligt låst"


def _attempts(client, email, n, password="wrong password!"):
    out = []
    for _ in range(n):
        response = login(client, email, password)
        html = response.get_data(as_text=True)
        out.append((response.status_code, LOCKED in html, "Fel e-postadress" in html))
    return out


def test_account_locks_after_five_failures_and_unlocks_later(client, db_session, coordinator):
    seen = _attempts(client, "samordnare@x.example", 6)
    assert seen == [(401, False, True)] * 4 + [(429, True, False)] * 2
    response = login(client)  # the right password waits too
    assert response.status_code == 429 and LOCKED in response.get_data(as_text=True)
    db_session.refresh(coordinator)
    assert coordinator.failed_logins == 5  # attempts during the lock do not count
    lock = (coordinator.locked_until - datetime.now(UTC)).total_seconds()
    assert 30 < lock <= 60
    coordinator.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db_session.flush()
    assert login(client).status_code == 302
    db_session.refresh(coordinator)
    assert (coordinator.failed_logins, coordinator.locked_until) == (0, None)


def test_unknown_address_gets_the_same_answers_as_an_account(client, coordinator):
    known = _attempts(client, "samordnare@x.example", 7)
    unknown = _attempts(client, "finns-inte@x.example", 7)
    assert unknown == known
    assert known[-1] == (429, True, False)


def test_lock_grows_exponentially_up_to_an_hour(db_session, coordinator):
    assert [users.lock_minutes(n) for n in range(4, 14)] == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    now = datetime.now(UTC)
    for _ in range(5):
        result = users.sign_in(db_session, "samordnare@x.example", "wrong password!", now=now)
    assert result.locked and result.known and result.actor is None
    later = now + timedelta(minutes=1, seconds=1)
    result = users.sign_in(db_session, "samordnare@x.example", "wrong password!", now=later)
    assert result.locked
    db_session.refresh(coordinator)
    assert coordinator.locked_until == later + timedelta(minutes=2)
    assert users.sign_in(db_session, "samordnare@x.example", PASSWORD,
                         now=later + timedelta(minutes=1)).locked
    ok = users.sign_in(db_session, "samordnare@x.example", PASSWORD,
                       now=later + timedelta(minutes=3))
    assert ok.actor is not None and ok.actor.email == "samordnare@x.example"


def test_unknown_and_known_addresses_take_similar_time(db_session, coordinator):
    def timed(email):
        start = time.perf_counter()
        users.sign_in(db_session, email, "wrong password!")
        return time.perf_counter() - start

    users.sign_in(db_session, "samordnare@x.example", PASSWORD)  # warm up
    known = sorted(timed("samordnare@x.example") for _ in range(3))[1]
    unknown = sorted(timed("nobody@x.example") for _ in range(3))[1]
    # Both check one scrypt hash (tens of milliseconds); the database work is small beside it.
    assert unknown > 0.3 * known and known > 0.3 * unknown, (known, unknown)


# -- rate limits from the environment -------------------------------------------------------

@pytest.mark.parametrize("name", ["EST_REPORT_RATE_LIMIT", "EST_LOGIN_RATE_LIMIT",
                                  "EST_API_RATE_LIMIT"])
def test_rate_limits_are_checked_settings(name):
    from est.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=name):
        load_settings({name: "ganska många"})
    key = name.removeprefix("EST_").lower()
    assert getattr(load_settings({name: "7 per minute; 70 per hour"}), key) == \
        "7 per minute; 70 per hour"


def test_login_limit_comes_from_the_environment(app_config, coordinator, monkeypatch):
    monkeypatch.setenv("EST_LOGIN_RATE_LIMIT", "2 per minute")
    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    assert app.config["EST_LOGIN_RATE_LIMIT"] == "2 per minute"
    client = app.test_client()
    assert [login(client, password="wrong").status_code for _ in range(3)] == [401, 401, 429]
    app.extensions["est_db"].dispose()
