"""The public form /rapportera: rendering, language switch, validation, abuse protection."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from est.models import AuditEvent, Report
from est.services import reports
from web import create_app

VALID = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
         "when": "now"}


@pytest.fixture
def area(make_area):
    return make_area()


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


def test_form_is_swedish_and_accessible(client, area):
    html = client.get("/rapportera").get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Rapportera en händelse eller en otrygg plats" in html
    for label in ('for="category"', 'for="lat"', 'for="lon"', 'for="description"',
                  'for="contact"', 'for="kind-incident"', 'for="kind-otrygghet"'):
        assert label in html
    assert html.count("<fieldset") >= 4 and html.count("<legend") >= 4
    assert "Belysning" in html or "Dålig belysning" in html
    assert "Ring 112" in html and "114 14" in html
    assert 'name="idempotency_key" value="' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html  # honeypot
    assert "leaflet" in html.lower() and "estReportMap" in html
    assert 'name="viewport"' in html


def test_place_list_is_offered(client, db_session, area):
    reports.replace_places(db_session, "1861", [("Torget, Hallsberg", 15.1088, 59.0672)])
    html = client.get("/rapportera").get_data(as_text=True)
    assert re.search(r'<select name="place" id="place"', html)
    assert "Torget, Hallsberg" in html


def test_language_switch_to_english_and_back(client, area):
    response = client.get("/sprak/en?next=/rapportera")
    assert response.status_code == 302 and response.headers["Location"].endswith("/rapportera")
    html = client.get("/rapportera").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Report an incident or a place that feels unsafe" in html
    assert "Graffiti" in html and "Poor lighting" in html
    html = client.post("/rapportera", data={**VALID, "category": ""}).get_data(as_text=True)
    assert "Choose a category." in html
    client.get("/sprak/sv")
    assert '<html lang="sv">' in client.get("/rapportera").get_data(as_text=True)
    assert client.get("/sprak/de").status_code == 404
    assert client.get("/sprak/en?next=https://evil.example/").headers["Location"] == "/"


def test_valid_report_gives_receipt_and_pending_row(client, db_session, area):
    response = client.post("/rapportera", data={**VALID, "description": "Klotter på muren",
                                                 "contact": "070-123 45 67"})
    assert response.status_code == 302
    ref = response.headers["Location"].rsplit("/", 1)[1]
    report = db_session.scalars(select(Report)).one()
    assert reports.reference(report.receipt_ref) == ref
    assert report.status == "pending" and report.source == "public"
    assert report.contact == "070-123 45 67"
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ref in receipt and "112" in receipt and "polisen.se" in receipt and "114 14" in receipt
    assert client.get("/rapportera/tack/nonsense").status_code == 404


def test_pending_public_report_is_not_shown_publicly(client, db_session, area):
    client.post("/rapportera", data=VALID)
    html = client.get("/").get_data(as_text=True)
    assert "Inga rutor att visa" in html and '"count"' not in html


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"category": ""}, "category", "Välj en kategori."),
    ({"kind": "otrygghet", "category": ""}, "reasons", "Välj minst en sak"),
    ({"lat": "", "lon": ""}, "location", "Ange platsen"),
    ({"lat": "59.33", "lon": "18.07"}, "location", "utanför kommunen"),
    ({"lat": "norr", "lon": "15.1"}, "lat", "Latitud måste vara ett tal"),
    ({"lat": "59.06", "lon": "öst"}, "lon", "Longitud måste vara ett tal"),
    ({"lat": "95", "lon": "15.1"}, "lat", "mellan -90 och 90"),
    ({"lat": "59", "lon": "-181"}, "lon", "mellan -180 och 180"),
    ({"when": "at", "date": "2999-01-01", "time": "12:00"}, "date", "framtiden"),
    ({"when": "at", "date": "igår", "time": "12:00"}, "date", "ÅÅÅÅ-MM-DD"),
    ({"description": "å" * 2001}, "description", "högst 2000 tecken"),
    ({"contact": "ring mig"}, "contact", "e-postadress eller ett telefonnummer"),
])
def test_each_rule_gives_a_field_message_and_stores_nothing(client, db_session, area, data,
                                                            field, message):
    typed = {**VALID, "description": "Det jag skrev", **data}
    response = client.post("/rapportera", data=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert count(db_session) == 0
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert message in summary and 'href="#' in summary
    assert f'id="{field}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', html)
    # the form keeps what the user typed
    if "description" not in data:
        assert ">Det jag skrev</textarea>" in html
    if data.get("lat"):
        assert f'value="{data["lat"]}"' in html


def test_error_is_linked_to_its_input_with_aria(client, area):
    html = client.post("/rapportera", data={**VALID, "contact": "x"}).get_data(as_text=True)
    contact_input = re.search(r'<input type="text" name="contact"[^>]*>', html).group(0)
    assert 'aria-describedby="contact-hint contact-error"' in contact_input
    assert 'aria-invalid="true"' in contact_input
    assert '<a href="#contact">' in html


def test_chosen_otrygghet_reasons_are_kept_on_error(client, area):
    html = client.post("/rapportera", data={**VALID, "kind": "otrygghet", "category": "",
                                            "reasons": ["belysning", "skymd_sikt"],
                                            "lat": "x"}).get_data(as_text=True)
    assert re.search(r'id="reason-belysning" value="belysning" checked', html)
    assert re.search(r'id="reason-skymd_sikt" value="skymd_sikt" checked', html)
    assert not re.search(r'id="reason-folksamling" value="folksamling" checked', html)


def test_report_at_a_given_local_time(client, db_session, area, app):
    tz = app.config["EST_SETTINGS"].tz
    yesterday = datetime.now(tz) - timedelta(days=1)
    client.post("/rapportera", data={**VALID, "when": "at", "date": yesterday.date().isoformat(),
                                     "time": "21:15"})
    report = db_session.scalars(select(Report)).one()
    assert report.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") == \
        f"{yesterday.date().isoformat()} 21:15"


def test_honeypot_pretends_success_and_stores_nothing(client, db_session, area):
    response = client.post("/rapportera", data={**VALID, "website": "http://spam.example"})
    assert response.status_code == 302 and "/rapportera/tack/EST-" in response.headers["Location"]
    assert count(db_session) == 0


def test_double_submit_creates_one_report(client, db_session, area):
    html = client.get("/rapportera").get_data(as_text=True)
    token = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    first = client.post("/rapportera", data={**VALID, "idempotency_key": token})
    second = client.post("/rapportera", data={**VALID, "idempotency_key": token})
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db_session) == 1
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_token_is_kept_when_the_form_is_shown_again(client, area):
    html = client.post("/rapportera", data={**VALID, "category": "",
                                            "idempotency_key": "t" * 32}).get_data(as_text=True)
    assert f'name="idempotency_key" value="{"t" * 32}"' in html


def test_csrf_token_is_required(app_config, db_session, area):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    assert client.post("/rapportera", data=VALID).status_code == 400
    assert count(db_session) == 0
    html = client.get("/rapportera").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/rapportera", data={**VALID, "csrf_token": token})
    assert response.status_code == 302
    assert count(db_session) == 1
    app.extensions["est_db"].dispose()


def test_reports_are_rate_limited_per_ip(app_config, db_session, area):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True,
                      "EST_REPORT_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    addr = {"REMOTE_ADDR": "198.51.100.7"}
    statuses = [client.post("/rapportera", data=VALID, environ_base=addr).status_code
                for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert count(db_session) == 2
    # another address is not affected, and reading the form is never limited
    other = client.post("/rapportera", data=VALID, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 302
    assert client.get("/rapportera", environ_base=addr).status_code == 200
    app.extensions["est_db"].dispose()


def test_without_municipality_the_form_explains(client):
    response = client.get("/rapportera")
    assert response.status_code == 404
    assert "est demo" in response.get_data(as_text=True)
