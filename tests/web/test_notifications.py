"""Staff notifications: on the start pages by each person's choice, and the daily e-mail
(`est notify send`, real SMTP on loopback)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from est.models import Action, Review
from est.models.operators import NotificationPreference
from est.weeks import Week
from tests.integration import test_resident_mail as resident_mail
from tests.integration.test_resident_mail import text_of
from web import create_app

smtp = resident_mail.smtp  # the loopback SMTP server fixture


@pytest.fixture
def town(make_area, make_organisation):
    area = make_area()
    return area, make_organisation(name="Kommunen", area=area), \
        make_organisation(name="Hallbo", kind="bostadsbolag", area=area)


def action(db_session, area, org, title, due_on, category, status="planned"):
    row = Action(area_id=area.id, title=title, organisation_id=org.id,
                 starts_on=date.today() - timedelta(days=30), due_on=due_on, status=status,
                 category_id=category("klotter").id)
    db_session.add(row)
    db_session.flush()
    return row


def test_start_page_shows_what_each_person_chose(client, db_session, town, sign_in,
                                                 make_report, category):
    area, kommun, hallbo = town
    make_report(source="public", status="pending", area=area)
    make_report(source="public", status="pending", area=area)
    today = date.today()
    action(db_session, area, kommun, "Städa tunneln", today - timedelta(days=2), category)
    action(db_session, area, hallbo, "Ny belysning på gården", today + timedelta(days=3),
           category)
    action(db_session, area, hallbo, "Klar sedan länge", today - timedelta(days=9), category,
           status="done")
    sign_in("coordinator", kommun)
    page = client.get("/personal/oversikt").text
    assert "2 rapporter väntar på granskning" in page
    assert "1 försenad åtgärd och 1 åtgärd som ska vara klar inom 7 dagar" in page
    assert "Städa tunneln – Kommunen: försenad sedan" in page
    assert "Klar sedan länge" not in page
    # the coordinator turns moderation off on the page
    response = client.post("/konto", data={"on_page": ["actions_due", "agenda"],
                                           "by_mail": ["moderation"]})
    assert response.status_code == 302
    page = client.get("/personal/oversikt").text
    assert "väntar på granskning" not in page and "Städa tunneln" in page
    assert client.get("/konto").status_code == 200


def test_a_partner_sees_its_own_actions_and_cannot_choose_moderation(
        client, db_session, town, sign_in, category):
    area, kommun, hallbo = town
    today = date.today()
    action(db_session, area, kommun, "Kommunens åtgärd", today, category)
    action(db_session, area, hallbo, "Hallbos åtgärd", today + timedelta(days=1), category)
    user = sign_in("viewer", hallbo)
    page = client.get("/personal/oversikt").text
    assert "Hallbos åtgärd" in page and "Kommunens åtgärd" not in page
    refused = client.post("/konto", data={"on_page": ["moderation"]})
    assert refused.status_code == 400 and 'href="#f-on_page"' in refused.text
    assert db_session.get(NotificationPreference, user.id) is None


def test_agenda_of_the_coming_meeting(client, db_session, town, sign_in):
    area, kommun, _ = town
    # stored as the meeting form does: local wall time without a zone
    meeting = (datetime.now(ZoneInfo("Europe/Stockholm")) + timedelta(days=2)).replace(
        tzinfo=None, second=0, microsecond=0)
    week = Week.containing(date.today(), "Europe/Stockholm")
    db_session.add(Review(area_id=area.id, iso_year=week.year, iso_week=week.week,
                          participants={"organisations": ["Kommunen"],
                                        "next_meeting": meeting.isoformat()}))
    db_session.flush()
    sign_in("coordinator", kommun)
    page = client.get("/personal/oversikt").text
    agenda_week = Week.containing(meeting.date(), "Europe/Stockholm").shift(-1)
    assert f"Nästa EST-möte {meeting.day} " in page and f"kl. {meeting:%H:%M}" in page
    assert f"/granskning/{agenda_week.slug}/dagordning" in page


def test_est_notify_send(app_config, smtp, db_session, town, make_report, category):
    area, kommun, _ = town
    from est.services import users

    user = users.create_user(db_session, email="samordnare@kommun.example", name="Samordnare",
                             role="coordinator", organisation=kommun.id,
                             password_hash="!unusable")
    quiet = users.create_user(db_session, email="tyst@kommun.example", name="Tyst",
                              role="coordinator", organisation=kommun.id,
                              password_hash="!unusable")
    db_session.add_all([
        NotificationPreference(user_id=user.id, on_page=[], by_mail=["moderation"]),
        NotificationPreference(user_id=quiet.id, on_page=[], by_mail=[])])
    make_report(source="public", status="pending", area=area)
    db_session.flush()
    app = create_app({**app_config, "EST_SMTP_URL": smtp[0]})
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["notify", "send"])
    assert missing.exit_code != 0 and "--base-url" in missing.output
    dry = runner.invoke(args=["notify", "send", "--base-url", "https://est.kommun.example",
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "samordnare@kommun.example: 1 rapport väntar på granskning" in dry.output
    assert not smtp[1].messages
    result = runner.invoke(args=["notify", "send", "--base-url", "https://est.kommun.example"])
    assert result.exit_code == 0, result.output
    assert "mailed 1 people" in result.output
    [message] = smtp[1].messages
    assert message["To"] == "samordnare@kommun.example"
    body = text_of(message)
    assert "1 rapport väntar på granskning" in body
    assert "https://est.kommun.example/moderering/" in body
    assert "https://est.kommun.example/konto" in body
    db_session.expire_all()
    assert db_session.scalar(select(NotificationPreference.last_mailed_at).where(
        NotificationPreference.user_id == user.id)) is not None
    app.extensions["est_db"].dispose()
