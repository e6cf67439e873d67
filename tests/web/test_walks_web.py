"""Walk pages: list, new walk, phone endpoints (route, observation with photo), report as
HTML/PDF/DOCX, proposal → action, photos, and the public digital walk with moderation."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from est.models import Action, Report, Walk, WalkObservation
from est.models.walks import DigitalWalkSafePlace

TZ = ZoneInfo("Europe/Stockholm")
STATION = (15.1122, 59.0651)
TORGET = (15.1088, 59.0672)
TUNNEL = (15.1160, 59.0638)
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def photo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EST_PHOTO_DIR", str(tmp_path / "photos"))


@pytest.fixture
def town(make_area):
    return make_area()


@pytest.fixture
def kommun(make_organisation, town):
    return make_organisation("Hallsbergs kommun", area=town)


@pytest.fixture
def coordinator(sign_in, kommun):
    return sign_in("coordinator", kommun)


def _new_walk(client, town, **kw):
    data = {"title": "Kvällsvandring", "area_id": str(town.id),
            "starts_at": (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "light": "morker", "total": "8", "gender_kvinna": "5", "age_16-25": "2", **kw}
    response = client.post("/vandringar/ny", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/vandringar/(\d+)/telefon", response.headers["Location"]).group(1))


def _jpeg(size=(300, 200)) -> bytes:
    image = Image.new("RGB", size, (120, 40, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 3.0, 50.0), 3: "E", 4: (15.0, 6.0, 40.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_access_to_walk_pages(client, sign_in, kommun, make_organisation, town):
    assert client.get("/vandringar").status_code == 302  # anonymous: to the login page
    sign_in("viewer", kommun)
    assert client.get("/vandringar").status_code == 200
    assert client.get("/vandringar/ny").status_code == 403


def test_new_walk_then_phone_page(client, coordinator, town, db_session):
    walk_id = _new_walk(client, town)
    walk = db_session.get(Walk, walk_id)
    assert walk.participants == {"total": 8, "gender": {"kvinna": 5}, "age": {"16-25": 2}}
    response = client.get(f"/vandringar/{walk_id}/telefon")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "Använd min position" in html and "Starta spår" in html and "Trygg plats" in html
    assert html.count('name="rating_') == 9 * 4 and html.count('name="safety"') == 5
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all('type="application/json"' in s or f'nonce="{nonce}"' in s for s in scripts)
    assert all("src=\"/static/" in s for s in scripts if "src=" in s)
    assert "https://" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html))


@pytest.mark.parametrize("data, field", [
    ({"participants": "x", "total": "Anna Andersson"}, "participants.total"),
    ({"title": ""}, "title"),
    ({"starts_at": "1999-01-01T10:00"}, "starts_at"),
])
def test_new_walk_errors_name_the_field(client, coordinator, town, data, field, db_session):
    form = {"title": "V", "area_id": str(town.id), "starts_at": "2026-05-01T18:00", **data}
    response = client.post("/vandringar/ny", data=form)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Walk.id))) == 0


def test_phone_route_observations_finish_and_report(client, coordinator, town, db_session,
                                                   kommun):
    walk_id = _new_walk(client, town)
    assert client.post(f"/vandringar/{walk_id}/start", headers=JSON).json["status"] == \
        "in_progress"
    r = client.post(f"/vandringar/{walk_id}/rutt", headers=JSON,
                    json={"points": [list(STATION), list(TORGET)], "append": True})
    assert r.status_code == 200 and r.json["points"] == 2
    r = client.post(f"/vandringar/{walk_id}/rutt", headers=JSON,
                    json={"points": [list(TUNNEL)], "append": True})
    assert r.json["points"] == 3
    bad = client.post(f"/vandringar/{walk_id}/rutt", headers=JSON, json={"points": "x"})
    assert bad.status_code == 400 and "route" in bad.json["fields"]

    first = client.post(f"/vandringar/{walk_id}/observationer", headers=JSON, data={
        "lon": str(TUNNEL[0]), "lat": str(TUNNEL[1]), "safety": "2", "rating_lighting": "0",
        "rating_people": "1", "reasons": ["belysning", "ode_plats"], "note": "Mörk tunnel",
        "photo": (io.BytesIO(_jpeg()), "IMG_0001.HEIC.jpg")},
        content_type="multipart/form-data")
    assert first.status_code == 201, first.json
    assert first.json["number"] == 1 and first.json["report"]
    second = client.post(f"/vandringar/{walk_id}/observationer", headers=JSON, data={
        "lon": str(TORGET[0]), "lat": str(TORGET[1]), "safety": "5", "safe_place": "1",
        "rating_lighting": "3"})
    assert second.status_code == 201 and second.json["safe"] and second.json["report"] is None
    refused = client.post(f"/vandringar/{walk_id}/observationer", headers=JSON, data={
        "lon": str(STATION[0]), "lat": str(STATION[1]), "rating_lighting": "7",
        "photo": (io.BytesIO(b"GIF89a..."), "x.gif")}, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "ratings.lighting" in refused.json["fields"] or "photo" in refused.json["fields"]
    nul = client.post(f"/vandringar/{walk_id}/observationer", headers=JSON, data={
        "lon": str(STATION[0]), "lat": str(STATION[1]), "note": "a\x00b"})
    assert nul.status_code == 400 and "note" in nul.json["fields"]
    assert db_session.scalar(select(func.count(WalkObservation.id))) == 2

    finished = client.post(f"/vandringar/{walk_id}/avsluta")
    assert finished.status_code == 302
    page = client.get(finished.headers["Location"]).get_data(as_text=True)
    assert "Vandringen är avslutad" in page and "Mörk tunnel" in page
    assert "Problemplatser: 1. Trygga platser: 1." in page
    assert re.search(r"<td>Belysning</td><td class=\"num\">2</td><td class=\"num\">1,5</td>",
                     page)
    assert client.get(f"/vandringar/{walk_id}/telefon").status_code == 302  # finished

    photo_url = re.search(r'src="(/vandringar/foto/[^"]+)"', page).group(1)
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo.content_type == "image/jpeg"
    assert len(Image.open(io.BytesIO(photo.data)).getexif()) == 0
    assert "no-store" in photo.headers["Cache-Control"]

    pdf = client.get(f"/vandringar/{walk_id}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Kvällsvandring" in text and "Mörk tunnel" in text
    docx = client.get(f"/vandringar/{walk_id}/rapport.docx")
    doc = Document(io.BytesIO(docx.data))
    assert any("Mörk tunnel" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert client.get(f"/vandringar/{walk_id}/rapport.exe").status_code == 400


def test_proposal_becomes_action_with_link_back(client, coordinator, town, db_session, kommun):
    walk_id = _new_walk(client, town)
    client.post(f"/vandringar/{walk_id}/observationer", headers=JSON, data={
        "lon": str(TUNNEL[0]), "lat": str(TUNNEL[1]), "reasons": ["belysning"]})
    obs = db_session.scalars(select(WalkObservation)).one()
    empty = client.post(f"/vandringar/observationer/{obs.id}/forslag", data={"measure": ""})
    assert empty.status_code == 400
    r = client.post(f"/vandringar/observationer/{obs.id}/forslag", data={
        "measure": "Byt armaturer i tunneln", "horizon": "quick", "priority": "1",
        "organisation_id": str(kommun.id)})
    assert r.status_code == 302
    proposal = obs.proposals[0]
    r = client.post(f"/vandringar/forslag/{proposal.id}/atgard",
                    data={"organisation_id": str(kommun.id)})
    assert r.status_code == 302
    action = db_session.scalars(select(Action)).one()
    assert r.headers["Location"].endswith(f"/atgarder/{action.id}")
    action_page = client.get(f"/atgarder/{action.id}").get_data(as_text=True)
    assert 'id="walk-proposal-link"' in action_page and f"/vandringar/{walk_id}" in action_page
    report_page = client.get(f"/vandringar/{walk_id}").get_data(as_text=True)
    assert f"/atgarder/{action.id}" in report_page and "Accepterad" in report_page
    rejected = client.post(f"/vandringar/forslag/{proposal.id}", data={"status": "rejected"})
    assert rejected.status_code == 400 and "Ange varför" in rejected.get_data(as_text=True)


def test_reporter_cannot_decide_and_other_town_sees_nothing(client, sign_in, kommun, town,
                                                            make_area, make_organisation,
                                                            db_session):
    sign_in("reporter", kommun)
    walk_id = _new_walk(client, town)
    client.post(f"/vandringar/{walk_id}/observationer", headers=JSON, data={
        "lon": str(TUNNEL[0]), "lat": str(TUNNEL[1]),
        "photo": (io.BytesIO(_jpeg()), "a.jpg")}, content_type="multipart/form-data")
    obs = db_session.scalars(select(WalkObservation)).one()
    client.post(f"/vandringar/observationer/{obs.id}/forslag", data={"measure": "Klipp"})
    proposal = obs.proposals[0]
    assert client.post(f"/vandringar/forslag/{proposal.id}/atgard").status_code == 403
    other = make_area("1880", "Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    sign_in("coordinator", make_organisation(area=other))
    assert client.get(f"/vandringar/{walk_id}").status_code == 404
    assert client.get(f"/vandringar/foto/{obs.photo_id}").status_code == 404
    assert client.post(f"/vandringar/{walk_id}/rutt", headers=JSON,
                       json={"points": [list(STATION), list(TORGET)]}).status_code == 404


def _campaign(client, town, opens=None, closes=None) -> int:
    now = datetime.now(TZ)
    r = client.post("/vandringar/digitala/ny", data={
        "title": "Tyck till om centrum", "description": "Markera platser",
        "area_id": str(town.id),
        "opens_at": (opens or now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (closes or now + timedelta(days=13)).strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_digital_walk_pins_are_moderated_and_seen_when_planning(client, coordinator, town,
                                                                 db_session, app):
    campaign_id = _campaign(client, town)
    public = app.test_client()
    page = public.get(f"/digital-vandring/{campaign_id}")
    assert page.status_code == 200 and "Tyck till om centrum" in page.get_data(as_text=True)
    r = public.post(f"/digital-vandring/{campaign_id}", data={
        "pin": "unsafe", "lon": str(TUNNEL[0]), "lat": str(TUNNEL[1]),
        "reasons": ["belysning"], "description": "Mörkt under bron"})
    assert r.status_code == 302 and "tack=unsafe" in r.headers["Location"]
    report = db_session.scalars(select(Report).where(Report.campaign_id == campaign_id)).one()
    assert (report.source, report.status, report.kind) == ("digital_vandring", "pending",
                                                           "otrygghet")
    r = public.post(f"/digital-vandring/{campaign_id}", data={
        "pin": "safe", "lon": str(TORGET[0]), "lat": str(TORGET[1]),
        "safe_reasons": ["folkliv"], "note": "Alltid folk här"})
    assert r.status_code == 302
    assert db_session.scalar(select(func.count(DigitalWalkSafePlace.id))) == 1
    assert db_session.scalar(select(func.count(Report.id))) == 1  # safe places are no reports
    bad = public.post(f"/digital-vandring/{campaign_id}", data={
        "pin": "unsafe", "lon": "0.1", "lat": "0.1", "reasons": []})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "utanför" in html
    honeypot = public.post(f"/digital-vandring/{campaign_id}", data={
        "website": "http://spam", "pin": "unsafe", "lon": str(TUNNEL[0]),
        "lat": str(TUNNEL[1]), "reasons": ["belysning"]})
    assert honeypot.status_code == 302
    assert db_session.scalar(select(func.count(Report.id))) == 1
    assert "Alltid folk här" not in public.get(f"/digital-vandring/{campaign_id}").get_data(
        as_text=True)  # residents never see others' pins

    queue = client.get("/moderering/").get_data(as_text=True)
    assert "digital trygghetsvandring" in queue
    staff = client.get(f"/vandringar/digitala/{campaign_id}").get_data(as_text=True)
    assert "Mörkt under bron" in staff and "Alltid folk här" in staff
    walk_id = _new_walk(client, town, digital_walk_id=str(campaign_id))
    phone = client.get(f"/vandringar/{walk_id}/telefon").get_data(as_text=True)
    assert "Alltid folk h" in phone and "rkt under bron" in phone  # JSON: \u00f6


def test_closed_digital_walk_refuses_pins(client, coordinator, town, db_session, app):
    now = datetime.now(TZ)
    campaign_id = _campaign(client, town, opens=now - timedelta(days=10),
                            closes=now - timedelta(days=1))
    public = app.test_client()
    assert "inte öppen" in public.get(f"/digital-vandring/{campaign_id}").get_data(as_text=True)
    r = public.post(f"/digital-vandring/{campaign_id}", data={
        "pin": "unsafe", "lon": str(TUNNEL[0]), "lat": str(TUNNEL[1]), "reasons": ["belysning"]})
    assert r.status_code == 400
    assert db_session.scalar(select(func.count(Report.id))) == 0
    assert public.get("/digital-vandring/999999").status_code == 404


@pytest.mark.parametrize("data, field", [
    ({"title": ""}, "title"),
    ({"closes_at": "2020-01-01T00:00"}, "closes_at"),
    ({"opens_at": "1990-01-01T00:00"}, "opens_at"),
    ({"description": "x" * 2001}, "description"),
])
def test_campaign_fields_bounded(client, coordinator, town, data, field, db_session):
    now = datetime.now(UTC)
    form = {"title": "T", "area_id": str(town.id),
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), **data}
    r = client.post("/vandringar/digitala/ny", data=form)
    assert r.status_code == 400 and 'class="error-summary"' in r.get_data(as_text=True)


def test_digital_walk_posts_are_rate_limited(app_config, client, coordinator, town, monkeypatch,
                                             db_session):
    from web import create_app

    campaign_id = _campaign(client, town)
    monkeypatch.setenv("EST_REPORT_RATE_LIMIT", "2 per minute")
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True})
    public = limited.test_client()
    pin = {"pin": "unsafe", "lon": str(TUNNEL[0]), "lat": str(TUNNEL[1]),
           "reasons": ["belysning"]}
    codes = [public.post(f"/digital-vandring/{campaign_id}", data=pin).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]
    assert db_session.scalar(select(func.count(Report.id))) == 2
    limited.extensions["est_db"].dispose()
