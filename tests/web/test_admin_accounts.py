"""Accounts in the browser: invite by e-mail, set password from the link, reset, deactivate,
permissions, own password; single-use and time-limited links; the audit trail (real SMTP on
loopback through aiosmtpd)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from est.models import AuditEvent, User, UserSession
from est.models.operators import AccountToken
from est.services import invites, users
from tests.integration import test_resident_mail as resident_mail
from tests.integration.test_resident_mail import text_of
from web import create_app

smtp = resident_mail.smtp  # the loopback SMTP server fixture

PASSWORD = "kvällssol över Tisaren"


@pytest.fixture
def mail_app(app_config, smtp):
    app = create_app({**app_config, "EST_SMTP_URL": smtp[0]})
    yield app
    app.extensions["est_db"].dispose()


@pytest.fixture
def admin_client(mail_app, db_session, make_organisation, make_area):
    """A test client signed in as an admin of a new organisation."""
    org = make_organisation(name="Hallsbergs kommun", area=make_area())
    user = User(email="admin@kommun.example", name="Admin", role="admin",
                organisation_id=org.id, password_hash=users.hash_password(PASSWORD))
    db_session.add(user)
    db_session.flush()
    client = mail_app.test_client()
    with mail_app.app_context():
        from web.db import get_session
        token = users.start_session(get_session(), user.id)
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_est_sid"], sess["_fresh"] = str(user.id), token, True
    client.org, client.user = org, user
    return client


def link_in(message, path: str) -> str:
    match = re.search(rf"http://localhost(/{path}/[A-Za-z0-9_-]+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


def invite(client, **over):
    data = {"email": "ny@kommun.example", "name": "Nya Personen", "role": "reporter",
            "organisation": str(client.org.id), "custom": "0", **over}
    return client.post("/admin/konton/bjud-in", data=data)


def test_invite_set_password_sign_in_and_link_used_once(admin_client, smtp, db_session):
    response = invite(admin_client)
    assert response.status_code == 302
    [message] = smtp[1].messages
    assert message["To"] == "ny@kommun.example"
    assert message["Subject"] == "Inbjudan till EST lägesbild"
    path = link_in(message, "konto/aktivera")
    token = path.rsplit("/", 1)[1]
    row = db_session.scalars(select(AccountToken)).one()
    assert row.token_hash == invites.token_hash(token) and token not in row.token_hash
    assert row.kind == "invite" and row.expires_at - row.created_at == timedelta(days=3)
    user = db_session.scalars(select(User).where(User.email == "ny@kommun.example")).one()
    # nobody can sign in before a password is chosen
    assert users.sign_in(db_session, "ny@kommun.example", "!invited").actor is None

    invitee = admin_client.application.test_client()
    page = invitee.get(path)
    assert page.status_code == 200 and "ny@kommun.example" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert '<meta name="referrer" content="no-referrer">' in page.text
    assert invitee.post(path, data={"password": PASSWORD, "repeat": "x"}).status_code == 400
    weak = invitee.post(path, data={"password": "sommar2024", "repeat": "sommar2024"})
    assert weak.status_code == 400 and "för vanligt" in weak.text
    done = invitee.post(path, data={"password": PASSWORD, "repeat": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/personal/rapporter"
    assert invitee.get("/personal/rapporter").status_code == 200  # signed in
    db_session.expire_all()
    assert users.sign_in(db_session, "ny@kommun.example", PASSWORD).actor is not None
    # used once: the link is dead now, for a second browser too
    again = admin_client.application.test_client().post(
        path, data={"password": PASSWORD + "x", "repeat": PASSWORD + "x"})
    assert again.status_code == 404 and "gäller inte längre" in again.text
    actions = [e.action for e in db_session.scalars(
        select(AuditEvent).where(AuditEvent.report_id.is_(None)).order_by(AuditEvent.id))]
    assert actions == ["user_invited", "invite_accepted"]
    listing = admin_client.get("/admin/konton")
    assert "Nya Personen" in listing.text and "valde lösenord från inbjudan" in listing.text
    assert user.id


def test_expired_invite_is_refused(admin_client, db_session):
    link = invites.invite_user(
        db_session, _actor(db_session, admin_client), email="sen@kommun.example", name="Sen",
        role="viewer", organisation=None, now=datetime.now(UTC) - timedelta(days=3, minutes=1))
    response = admin_client.application.test_client().get(f"/konto/aktivera/{link.token}")
    assert response.status_code == 404
    with pytest.raises(Exception, match="gäller inte"):
        invites.use_token(db_session, link.token, "invite", PASSWORD, PASSWORD)
    # a reset token does not work as an invitation either
    assert invites.account_for_token(db_session, link.token, "reset",
                                     now=datetime.now(UTC) - timedelta(days=4)) is None


def _actor(db_session, client):
    from est.access import actor_for
    return actor_for(db_session, client.user)


def test_invite_validation_names_the_field_and_writes_nothing(admin_client, db_session, smtp):
    before = db_session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    bad = invite(admin_client, email="inte-en-adress", name="", organisation="")
    assert bad.status_code == 400
    for text in ("Skriv en giltig e-postadress.", "Skriv ett namn.",
                 "En rapportör måste höra till en organisation."):
        assert text in bad.text
    dup = invite(admin_client, email="admin@kommun.example")
    assert dup.status_code == 400 and "Det finns redan ett konto" in dup.text
    perm = invite(admin_client, custom="1", permissions="superuser")
    assert perm.status_code == 400 and "Okänd behörighet" in perm.text
    assert db_session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) == before
    assert not smtp[1].messages


def test_admin_pages_need_the_admin_permission(client, sign_in, make_organisation):
    assert client.get("/admin/konton").status_code == 302  # to the login page
    sign_in("coordinator", make_organisation())
    assert client.get("/admin/konton").status_code == 403
    assert client.post("/admin/konton/bjud-in", data={"email": "x@y.se"}).status_code == 403


def test_forgot_password_same_answer_and_single_use_reset(admin_client, smtp, db_session):
    anon = admin_client.application.test_client()
    unknown = anon.post("/glomt-losenord", data={"email": "finns-inte@kommun.example"})
    known = anon.post("/glomt-losenord", data={"email": "ADMIN@kommun.example"})
    assert unknown.status_code == known.status_code == 200
    assert "Om det finns ett aktivt konto" in unknown.text
    nonce = re.compile(r'nonce="[^"]+"')
    assert nonce.sub("", unknown.text) == nonce.sub("", known.text)
    assert not smtp[1].messages  # the mail leaves after the answer is sent …
    known.close()  # … which a server marks by closing the response
    [message] = smtp[1].messages
    assert message["To"] == "admin@kommun.example"
    path = link_in(message, "aterstall-losenord")
    row = db_session.scalars(select(AccountToken).where(AccountToken.kind == "reset")).one()
    assert row.expires_at - row.created_at == timedelta(hours=1)
    new = PASSWORD + " och Sixtorp"
    assert anon.post(path, data={"password": new, "repeat": new}).status_code == 302
    # every earlier session of the account ended (the admin's client is signed out)
    assert admin_client.get("/admin/konton").status_code == 302
    assert anon.post(path, data={"password": new, "repeat": new}).status_code == 404
    db_session.expire_all()
    assert users.sign_in(db_session, "admin@kommun.example", new).actor is not None
    assert anon.post("/glomt-losenord", data={"email": ""}).status_code == 400


def test_reset_link_expires_after_an_hour(db_session, make_organisation):
    user = users.create_user(db_session, email="r@kommun.example", name="R", role="viewer",
                             organisation=None, password_hash="!unusable")
    link = invites.request_reset(db_session, "r@kommun.example",
                                 now=datetime.now(UTC) - timedelta(minutes=61))
    assert link is not None and link.user.id == user.id
    assert invites.account_for_token(db_session, link.token, "reset") is None
    # a newer link replaces the older one
    first = invites.request_reset(db_session, "r@kommun.example")
    second = invites.request_reset(db_session, "r@kommun.example")
    assert first and second
    assert invites.account_for_token(db_session, first.token, "reset") is None
    assert invites.account_for_token(db_session, second.token, "reset").id == user.id


def test_deactivate_ends_sessions_and_links(admin_client, db_session, smtp):
    invite(admin_client, email="tf@kommun.example", role="viewer", organisation="")
    target = db_session.scalars(select(User).where(User.email == "tf@kommun.example")).one()
    other = admin_client.application.test_client()
    path = link_in(smtp[1].messages[0], "konto/aktivera")
    assert other.post(path, data={"password": PASSWORD, "repeat": PASSWORD}).status_code == 302
    assert other.get("/personal/oversikt").status_code == 200
    response = admin_client.post(f"/admin/konton/{target.id}/aktiv", data={"active": "0"})
    assert response.status_code == 302
    assert other.get("/personal/oversikt").status_code == 302  # signed out
    assert db_session.scalar(select(UserSession.id).where(
        UserSession.user_id == target.id, UserSession.revoked_at.is_(None))) is None
    db_session.expire_all()
    assert users.sign_in(db_session, "tf@kommun.example", PASSWORD).actor is None
    page = admin_client.get(f"/admin/konton/{target.id}")
    assert "inaktiverade kontot" in page.text and "inaktiverat" in page.text
    # an admin cannot deactivate themselves
    admin_client.post(f"/admin/konton/{admin_client.user.id}/aktiv", data={"active": "0"})
    db_session.refresh(admin_client.user)
    assert admin_client.user.active


def test_permissions_and_organisation_changes_are_audited(admin_client, db_session,
                                                          make_organisation):
    police = make_organisation(name="Polisen Hallsberg", kind="polis")
    invite(admin_client, email="p@polisen.example", name="Polis", role="reporter")
    target = db_session.scalars(select(User).where(User.email == "p@polisen.example")).one()
    response = admin_client.post(f"/admin/konton/{target.id}", data={
        "name": "Polis Ett", "role": "reporter", "organisation": str(police.id), "custom": "1",
        "permissions": ["report", "review"]})
    assert response.status_code == 302
    db_session.expire_all()
    assert target.permissions == ["report", "review"] and target.organisation_id == police.id
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user_changed")).one()
    assert event.old == {"name": "Polis", "organisation": "Hallsbergs kommun",
                         "permissions": None}
    assert event.new["permissions"] == ["report", "review"]
    assert event.new["account"] == "p@polisen.example"
    assert event.user_id == admin_client.user.id
    bad = admin_client.post(f"/admin/konton/{target.id}", data={
        "name": "x" * 201, "role": "boss", "organisation": "999999"})
    assert bad.status_code == 400
    for field in ("f-name", "f-role", "f-organisation"):
        assert f'href="#{field}"' in bad.text
    own = admin_client.post(f"/admin/konton/{admin_client.user.id}", data={
        "name": "Admin", "role": "coordinator", "organisation": str(admin_client.org.id)})
    assert own.status_code == 400 and "egen admin-behörighet" in own.text


def test_own_password_change(admin_client, db_session):
    page = admin_client.get("/konto/losenord")
    assert page.status_code == 200 and "Nuvarande lösenord" in page.text
    wrong = admin_client.post("/konto/losenord", data={
        "current": "fel", "password": PASSWORD + "!", "repeat": PASSWORD + "!"})
    assert wrong.status_code == 400 and "stämmer inte" in wrong.text
    ok = admin_client.post("/konto/losenord", data={
        "current": PASSWORD, "password": "nytt lösenord vid Tisaren",
        "repeat": "nytt lösenord vid Tisaren"})
    assert ok.status_code == 302
    assert admin_client.get("/admin/konton").status_code == 200  # still signed in (new session)
    db_session.expire_all()
    assert users.sign_in(db_session, "admin@kommun.example", PASSWORD).actor is None
    assert db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.report_id.is_(None))).all() == ["password_changed"]
