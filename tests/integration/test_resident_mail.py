"""E-mail to reporters over real SMTP (aiosmtpd on loopback): receipt, published, rejected,
unsubscribe, nothing without EST_SMTP_URL, a dead server never breaks a report."""

from __future__ import annotations

import email
import socket
import uuid
from email.message import Message
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from est import mail
from est.config import ConfigError, load_settings
from est.models import Report
from est.services import users
from web import create_app

VALID = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
         "when": "now", "description": "Klotter <script>x</script> på muren"}


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=default_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 and a free port; yields (url, inbox)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}?from=est@hallsberg.example", inbox
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app_config, smtp, make_area):
    make_area()
    app = create_app({**app_config, "EST_SMTP_URL": smtp[0]})
    yield app
    app.extensions["est_db"].dispose()


def text_of(message: Message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: Message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def submit(client, contact: str = "boende@example.se") -> Report:
    from web.db import get_session

    response = client.post("/rapportera", data={**VALID, "contact": contact,
                                                "idempotency_key": uuid.uuid4().hex})
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[1]
    with client.application.app_context():
        return get_session().scalars(select(Report).where(
            Report.receipt_ref == ref.removeprefix("EST-"))).one()


def sign_in_coordinator(client, db_session, make_organisation):
    from est.models import Area
    from web.db import get_session

    area = db_session.scalars(select(Area).where(Area.code == "1861")).one()
    org = make_organisation(name="Kommunen", kind="kommun", area=area)
    user = users.create_user(db_session, email="samordnare@x.example", name="Samordnare",
                             role="coordinator", organisation=org.id,
                             password_hash="!unusable")
    with client.application.app_context():
        token = users.start_session(get_session(), user.id)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_est_sid"] = token
        session["_fresh"] = True


def test_receipt_mail_on_submission(mail_app, smtp):
    client = mail_app.test_client()
    report = submit(client)
    [message] = smtp[1].messages
    ref = f"EST-{report.receipt_ref}"
    assert message["To"] == "boende@example.se"
    assert message["From"] == "est@hallsberg.example"
    assert message["Subject"] == f"Vi har tagit emot din rapport {ref}"
    body = text_of(message)
    assert ref in body and "112" in body
    assert f"/rapportera/status?ref={ref}" in body
    token = mail.unsubscribe_token("test-secret", report.id, report.receipt_ref)
    assert f"/rapportera/avprenumerera/{token}" in body
    assert message["List-Unsubscribe"].endswith(f"/rapportera/avprenumerera/{token}>")
    # the reporter's own text, place and the record id never travel in the mail
    for secret in ("Klotter", "script", "59.0651", str(report.id)):
        assert secret not in body and secret not in html_of(message)


def test_a_repeated_submission_sends_one_receipt(mail_app, smtp):
    client = mail_app.test_client()
    data = {**VALID, "contact": "boende@example.se", "idempotency_key": uuid.uuid4().hex}
    assert client.post("/rapportera", data=data).status_code == 302
    assert client.post("/rapportera", data=data).status_code == 302
    assert len(smtp[1].messages) == 1


def test_phone_number_gets_no_mail(mail_app, smtp):
    submit(mail_app.test_client(), contact="070-123 45 67")
    assert smtp[1].messages == []


def test_published_mail(mail_app, smtp, db_session, make_organisation):
    client = mail_app.test_client()
    report = submit(client)
    sign_in_coordinator(client, db_session, make_organisation)
    assert client.post(f"/moderering/{report.id}/publicera").status_code == 302
    receipt, published = smtp[1].messages
    ref = f"EST-{report.receipt_ref}"
    assert published["Subject"] == f"Din rapport {ref} är publicerad"
    assert "publicerad" in text_of(published)


def test_rejected_mail_names_the_chosen_reason(mail_app, smtp, db_session, make_organisation):
    client = mail_app.test_client()
    report = submit(client)
    sign_in_coordinator(client, db_session, make_organisation)
    response = client.post(f"/moderering/{report.id}/avvisa",
                           data={"reason": "elsewhere", "note": "Trafikverkets väg"})
    assert response.status_code == 302
    rejected = smtp[1].messages[-1]
    assert rejected["Subject"] == f"Din rapport EST-{report.receipt_ref} är avvisad"
    body = text_of(rejected)
    assert "Skäl: Ärendet hör till en annan myndighet eller fastighetsägare." in body
    assert "Trafikverket" not in body  # the staff note stays with the staff


def test_unsubscribe_stops_further_mail(mail_app, smtp, db_session, make_organisation):
    client = mail_app.test_client()
    report = submit(client)
    token = mail.unsubscribe_token("test-secret", report.id, report.receipt_ref)
    page = client.get(f"/rapportera/avprenumerera/{token}")
    assert page.status_code == 200 and 'id="unsubscribe"' in page.get_data(as_text=True)
    done = client.post(f"/rapportera/avprenumerera/{token}")
    assert "Du får inga fler e-postmeddelanden" in done.get_data(as_text=True)
    sign_in_coordinator(client, db_session, make_organisation)
    assert client.post(f"/moderering/{report.id}/publicera").status_code == 302
    assert len(smtp[1].messages) == 1  # the receipt only
    # a forged or another report's token is a 404, and changes nothing
    assert client.get(f"/rapportera/avprenumerera/{report.receipt_ref}-{'0' * 32}"
                      ).status_code == 404
    assert client.get("/rapportera/avprenumerera/x").status_code == 404


def test_no_mail_without_smtp_url(app_config, smtp, make_area, db_session, make_organisation):
    make_area()
    app = create_app({**app_config, "EST_SMTP_URL": ""})
    try:
        client = app.test_client()
        report = submit(client)
        sign_in_coordinator(client, db_session, make_organisation)
        assert client.post(f"/moderering/{report.id}/publicera").status_code == 302
        assert smtp[1].messages == []
        stored = db_session.get(Report, report.id, populate_existing=True)
        assert stored is not None and stored.status == "published"
    finally:
        app.extensions["est_db"].dispose()


def test_a_dead_smtp_server_does_not_undo_the_report(app_config, make_area, db_session):
    make_area()
    app = create_app({**app_config, "EST_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    try:
        report = submit(app.test_client())
        stored = db_session.get(Report, report.id, populate_existing=True)
        assert stored is not None and stored.status == "pending"
        assert stored.contact == "boende@example.se"
    finally:
        app.extensions["est_db"].dispose()


def test_smtp_url_is_validated():
    assert load_settings({"EST_SMTP_URL": ""}).smtp_url is None
    good = "smtp://user:p%40ss@mail.example:587?starttls=1&from=est@kommun.example"
    config = mail.parse_smtp_url(load_settings({"EST_SMTP_URL": good}).smtp_url or "")
    assert (config.host, config.port, config.username, config.password, config.starttls,
            config.sender) == ("mail.example", 587, "user", "p@ss", True, "est@kommun.example")
    assert mail.parse_smtp_url("smtps://mail.example").port == 465
    for bad in ("http://mail.example", "smtp://", "smtp://h:99999",
                "smtp://h?from=not-an-address"):
        with pytest.raises(ConfigError, match="EST_SMTP_URL"):
            load_settings({"EST_SMTP_URL": bad})


def test_retention_erases_the_address(db_session, make_report, make_area):
    from datetime import UTC, datetime, timedelta

    from est.services import retention

    area = make_area()
    report = make_report(area=area, source="public", status="published",
                         contact="boende@example.se",
                         occurred_at=datetime.now(UTC) - timedelta(days=400))
    report.reported_at = datetime.now(UTC) - timedelta(days=400)
    db_session.flush()
    retention.purge(db_session, days=180)
    db_session.refresh(report)
    assert report.contact is None


def test_starttls_and_login_when_asked(tmp_path, monkeypatch):
    """STARTTLS with a certificate the client verifies, then AUTH, then the message."""
    import shutil
    import ssl
    import subprocess

    from aiosmtpd.smtp import AuthResult

    openssl = shutil.which("openssl")
    assert openssl, "the openssl command makes the test certificate"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"hemligt")

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            tls_context=server_context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts the test certificate
    try:
        config = mail.parse_smtp_url(
            f"smtp://est:hemligt@127.0.0.1:{port}?starttls=1&from=est@kommun.example")
        assert mail.send(config, "boende@example.se", "Ämne", "Hej")
        assert [m["Subject"] for m in inbox.messages] == ["Ämne"]
        assert logins == [(b"est", b"hemligt")]
        # without STARTTLS the server refuses, and send() says so instead of raising
        plain = mail.parse_smtp_url(f"smtp://127.0.0.1:{port}")
        assert mail.send(plain, "boende@example.se", "Ämne", "Hej") is False
        assert len(inbox.messages) == 1
    finally:
        controller.stop()
