""""Åtgärdad": when an action is set done, reporters of the public reports it covers (place,
category, received before) get one mail each (loopback SMTP), and the status page says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select

from est.models import Action, AuditEvent
from tests.integration import test_resident_mail as resident_mail
from tests.integration.test_resident_mail import text_of
from web import create_app

smtp = resident_mail.smtp  # the loopback SMTP server fixture
STATION = (15.1122, 59.0651)


@pytest.fixture
def mail_app(app_config, smtp):
    app = create_app({**app_config, "EST_SMTP_URL": smtp[0]})
    yield app
    app.extensions["est_db"].dispose()


def test_done_action_mails_covered_reporters_once(mail_app, smtp, db_session, make_area,
                                                  make_organisation, make_report, category):
    area = make_area()
    org = make_organisation(area=area)
    earlier = datetime.now(UTC) - timedelta(days=3)
    common = {"source": "public", "status": "published", "area": area, "reported_at": earlier}
    covered = make_report(*STATION, contact="boende@example.se", **common)
    outside = make_report(15.06, 59.04, contact="annan@example.se", **common)
    opted_out = make_report(*STATION, contact="nej@example.se", mail_opt_out=True, **common)
    phone = make_report(*STATION, contact="070-123 45 67", **common)
    other_kind = make_report(*STATION, code="nedskrapning", contact="skrap@example.se",
                             **common)
    rejected = make_report(*STATION, contact="avvisad@example.se",
                           **{**common, "status": "rejected"})
    action = Action(area_id=area.id, title="Klottersanering vid stationen",
                    organisation_id=org.id, starts_on=date.today() - timedelta(days=1),
                    status="in_progress", category_id=category("klotter").id,
                    geom=from_shape(MultiPolygon([box(15.111, 59.064, 15.113, 59.066)]),
                                    srid=4326))
    db_session.add(action)
    db_session.flush()

    client = mail_app.test_client()
    resident_mail.sign_in_coordinator(client, db_session, lambda **kw: org)
    status_url = f"/rapportera/status?ref=EST-{covered.receipt_ref}"
    assert "Publicerad" in client.get(status_url).text

    form = {"title": action.title, "organisation_id": str(org.id),
            "starts_on": action.starts_on.isoformat(), "status": "done"}
    response = client.post(f"/atgarder/{action.id}", data=form)
    assert response.status_code == 302
    [message] = smtp[1].messages
    assert message["To"] == "boende@example.se"
    assert message["Subject"] == f"Din rapport EST-{covered.receipt_ref} är åtgärdad"
    assert "åtgärdat" in text_of(message)
    assert "Åtgärdad" in client.get(status_url).text
    for report in (outside, other_kind):
        page = client.get(f"/rapportera/status?ref=EST-{report.receipt_ref}").text
        assert "Publicerad" in page
    assert "Avvisad" in client.get(f"/rapportera/status?ref=EST-{rejected.receipt_ref}").text
    events = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "resident_mailed")).all()
    assert [(e.report_id, e.new) for e in events] == [
        (covered.id, {"event": "closed", "action_id": action.id})]

    # set back and done again: nobody is mailed twice
    client.post(f"/atgarder/{action.id}", data={**form, "status": "in_progress"})
    client.post(f"/atgarder/{action.id}", data=form)
    assert len(smtp[1].messages) == 1
    assert opted_out.id and phone.id
