"""Public pages a municipality links: medborgarlöften with follow-up, how the map is made,
QR posters that open the form with the place chosen."""

from __future__ import annotations

import io
from datetime import date

from geoalchemy2.shape import from_shape
from pypdf import PdfReader
from shapely.geometry import Point

from est.models import Action, Place
from est.models.promises import Promise, PromiseFollowup, PromiseItem, PromiseParty


def make_promise(db_session, area, org, status="adopted", title="Tryggare centrum"):
    promise = Promise(area_id=area.id, title=title, period_start=date(2026, 1, 1),
                      period_end=date(2026, 12, 31), status=status)
    police = PromiseParty(name="Polisen i Hallsberg", kind="polis", position=0)
    promise.parties = [police]
    promise.items = [PromiseItem(text="Polisen ska vara synlig vid resecentrum på helgkvällar.",
                                 party=police, position=0)]
    db_session.add(promise)
    db_session.flush()
    return promise


def test_published_promises_with_follow_up(client, db_session, make_area, make_organisation,
                                           category):
    area = make_area()
    org = make_organisation(name="Hallsbergs kommun", area=area)
    promise = make_promise(db_session, area, org)
    make_promise(db_session, area, org, status="draft", title="Utkast som inte syns")
    action = Action(area_id=area.id, title="Bättre belysning i gångtunneln",
                    organisation_id=org.id, starts_on=date(2026, 2, 1), status="done",
                    category_id=category("klotter").id, contact_person="Kalle Kontakt",
                    outcome_note="Intern notering")
    db_session.add(action)
    db_session.flush()
    promise.actions.append(action)
    db_session.add(PromiseFollowup(promise_id=promise.id, as_of=date(2026, 7, 1), results=[
        {"label": "Skadegörelse vid resecentrum", "unit": "per månad", "now": 4.5,
         "before": 7.25, "change": -2.8, "target": "färre än 5 per månad"},
        {"label": "Klotter i Pålsboda", "unit": "per månad", "now": "<5", "before": "<5",
         "change": None, "target": None}]))
    db_session.flush()

    page = client.get("/medborgarloften")
    assert page.status_code == 200
    text = page.text
    assert "Tryggare centrum" in text and "Utkast som inte syns" not in text
    assert "Polisen ska vara synlig vid resecentrum på helgkvällar." in text
    assert "före löftet 7,3 per månad" in text or "före löftet 7,2 per månad" in text
    assert "nu 4,5 per månad" in text and "en minskning med 2,8" in text
    assert "före löftet &lt;5" in text and "1 jul 2026" in text
    assert "Bättre belysning i gångtunneln" in text and "genomförd" in text
    assert "Kalle Kontakt" not in text and "Intern notering" not in text
    assert "/lagesbild/publik" in text and "/om-kartan" in text


def test_no_promises_says_so(client, make_area):
    make_area()
    assert "inga antagna medborgarlöften" in client.get("/medborgarloften").text


def test_about_the_map_states_the_rules(client, make_area):
    make_area()
    page = client.get("/om-kartan")
    assert page.status_code == 200
    assert "100 × 100 meter" in page.text and "minst 5 rapporter" in page.text
    assert "minst 2 dagar" in page.text and "(måndag–söndag)" in page.text


def test_qr_poster_for_a_place_opens_the_form_with_it(client, db_session, make_area,
                                                      make_organisation, sign_in):
    area = make_area()
    place = Place(area_id=area.id, name="Torget", geom=from_shape(Point(15.11, 59.065), 4326))
    db_session.add(place)
    db_session.flush()
    url = f"/affischer/plats-{place.id}.pdf"
    assert client.get(url).status_code == 302  # staff only (a PDF costs CPU)
    sign_in("viewer", make_organisation(area=area))
    assert "Torget" in client.get("/affischer").text
    response = client.get(url)
    assert response.status_code == 200 and response.content_type == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Torget, Hallsberg" in text
    assert f"/rapportera?plats={place.id}" in text.replace("\n", "")
    assert client.get("/affischer/plats-999999.pdf").status_code == 404
    form = client.get(f"/rapportera?plats={place.id}").text
    assert f'<option value="{place.id}"' in form
    assert f'value="{place.id}" data-lon' in form and "selected>Torget" in form


def test_qr_poster_for_a_digital_walk(client, db_session, make_area, make_organisation,
                                      sign_in):
    from datetime import UTC, datetime, timedelta

    from est.models.inputs import DigitalWalk

    area = make_area()
    now = datetime.now(UTC)
    walk = DigitalWalk(area_id=area.id, title="Vandring i Pålsboda", opens_at=now,
                       closes_at=now + timedelta(days=14))
    old = DigitalWalk(area_id=area.id, title="Förra årets vandring",
                      opens_at=now - timedelta(days=400), closes_at=now - timedelta(days=380))
    db_session.add_all([walk, old])
    db_session.flush()
    sign_in("coordinator", make_organisation(area=area))
    listing = client.get("/affischer").text
    assert "Vandring i Pålsboda" in listing and "Förra årets vandring" not in listing
    response = client.get(f"/affischer/vandring-{walk.id}.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text().replace("\n", "")
    assert "Vandring i Pålsboda, Hallsberg" in text
    assert f"/digital-vandring/{walk.id}" in text
    assert client.get("/affischer/vandring-999999.pdf").status_code == 404
