"""The weekly review pages: roles, filters, actions CRUD, follow-up, meeting, print views."""

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select

from est.models import Action
from est.models.hotspots import Hotspot, HotspotRun
from est.review import Week

TZ = "Europe/Stockholm"
W = Week(2026, 40, TZ)  # 28 Sep – 4 Oct 2026, well in the past
SLUG = W.slug
STATION = (15.1110, 59.0645, 15.1135, 59.0657)


def at(day, hour=12):
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


@pytest.fixture
def hallsberg(make_area, make_organisation):
    area = make_area()
    org = make_organisation("Hallbo AB", "bostadsbolag", area=area)
    police = make_organisation("Polisen", "polis", area=area)
    return area, org, police


@pytest.fixture
def login(sign_in, hallsberg):
    """Sign the test client in as a new user with ``role`` (member of Hallbo)."""

    return lambda role, org=None: sign_in(role, org or hallsberg[1])


@pytest.fixture
def hotspot(db_session, hallsberg):
    area = hallsberg[0]
    run = HotspotRun(area_id=area.id, window_start=W.start, window_end=W.end, baseline_weeks=12,
                     method="scan", parameters={}, params_hash="x", data_version="x", n_reports=9)
    poly = MultiPolygon([box(*STATION)])
    run.hotspots = [Hotspot(rank=1, lineage_id=uuid.uuid4(), klass="new",
                            polygon=from_shape(poly, srid=4326),
                            centroid=from_shape(poly.centroid, srid=4326), count=9,
                            area_m2=25000.0, counts={"weekly": [0] * 12,
                                                     "by_category": {"klotter": 9}},
                            profile={"busiest_weekdays": ["sat"], "busiest_hours": [22]})]
    db_session.add(run)
    db_session.flush()
    return run.hotspots[0]


@pytest.fixture
def week_reports(hallsberg, make_report):
    area, org, police = hallsberg
    day = W.monday + timedelta(days=5)
    for _ in range(9):
        make_report(15.1122, 59.0651, area=area, code="klotter", occurred_at=at(day, 22),
                    organisation_id=org.id)
    make_report(15.1122, 59.0651, area=area, code="belysning", occurred_at=at(day, 20),
                source="public", status="published")
    return area


@pytest.mark.parametrize(("role", "status"), [
    (None, 302), ("reporter", 403), ("viewer", 200), ("coordinator", 200), ("admin", 200),
])
def test_review_page_access(client, login, week_reports, role, status):
    if role:
        login(role)
    res = client.get(f"/granskning/{SLUG}")
    assert res.status_code == status
    if status == 302:
        assert "/logga-in" in res.headers["Location"]


@pytest.fixture
def busy_station(hallsberg, make_report):
    """A tight cluster at the station this week over a thin, even background of 12 weeks."""
    area = hallsberg[0]
    rng = np.random.default_rng(46)
    for i in range(25):
        make_report(15.1122 + rng.normal(0, 0.0002), 59.0651 + rng.normal(0, 0.0001), area=area,
                    code="klotter", occurred_at=at(W.monday + timedelta(days=i % 7), 22))
    for _ in range(240):
        day = W.monday - timedelta(days=int(rng.integers(-6, 84)))
        make_report(float(rng.uniform(15.06, 15.16)), float(rng.uniform(59.035, 59.095)),
                    area=area, code="nedskrapning", occurred_at=at(day, 14))
    return area


def test_review_page_detects_and_lists_hot_spots(client, login, busy_station):
    login("coordinator")
    html = client.get(f"/granskning/{SLUG}").get_data(as_text=True)
    assert 'data-class="new"' in html
    assert re.search(r"Veckan: 2[5-9] rapporter", html)  # the station cluster, this week
    assert "Klotter 2" in html  # its dominant category


def test_review_page_for_coordinator_shows_points_and_legend(
        client, login, week_reports, hotspot):
    login("coordinator")
    html = client.get(f"/granskning/{SLUG}").get_data(as_text=True)
    assert "Vecka 40 2026" in html
    assert "<strong>10</strong> rapporter denna vecka" in html
    assert "estMaps.points" in html  # individual reports drawn as canvas markers
    assert "[59.0651, 15.1122, " in html
    assert "Teckenförklaring" in html and "Otrygghet (ring)" in html
    assert "Hot spots" in html and "Kommundelar" not in html  # no districts in this fixture
    assert f"/granskning/{W.shift(-1).slug}" in html and f"/granskning/{W.shift(1).slug}" in html
    # weekday x hour: Saturday 22:00 holds the nine klotter reports
    assert 'title="9"' in html


def test_viewer_sees_aggregates_only(client, login, week_reports, hotspot):
    login("viewer")
    html = client.get(f"/granskning/{SLUG}").get_data(as_text=True)
    assert "estMaps.points" not in html and "Rapporter per ruta" in html
    # no report point ([lat, lon, category, kind]); hot spot outlines are aggregates
    assert "[59.0651, 15.1122" not in html and "59.0651,15.1122" not in html
    assert "Ny åtgärd" not in html


def test_filters_are_in_the_url_and_apply(client, login, week_reports, hallsberg):
    login("coordinator")
    html = client.get(f"/granskning/{SLUG}?kind=otrygghet").get_data(as_text=True)
    assert "<strong>1</strong> rapporter denna vecka" in html
    assert f"/granskning/{W.shift(1).slug}?kind=otrygghet" in html  # filters kept when paging
    html = client.get(f"/granskning/{SLUG}?organisation={hallsberg[1].id}").get_data(
        as_text=True)
    assert "<strong>9</strong> rapporter denna vecka" in html
    for bad in ("district=nope", "kind=crime", "category=nope", "organisation=abc"):
        res = client.get(f"/granskning/{SLUG}?{bad}", headers={"Accept": "application/json"})
        assert res.status_code == 400
        assert bad.split("=")[0] in res.get_json()["fields"]


def test_bad_week_is_404(client, login, hallsberg):
    login("coordinator")
    assert client.get("/granskning/2026-W99").status_code == 404


def test_create_action_from_hot_spot_and_follow_up_next_week(
        client, login, db_session, hallsberg, hotspot, make_report):
    area, org, _police = hallsberg
    login("coordinator")
    form = client.get(f"/granskning/{SLUG}/atgard/ny?hotspot={hotspot.id}")
    text = form.get_data(as_text=True)
    assert form.status_code == 200 and 'name="place_name" value="Hallsberg"' in text
    assert "Karta över platsen" in text and "estMaps" in text  # a map of the hot spot
    bad = client.post(f"/granskning/{SLUG}/atgard/ny?hotspot={hotspot.id}",
                      data={"hotspot_id": hotspot.id, "title": "", "organisation_id": ""})
    assert bad.status_code == 400
    assert "Rätta följande" in bad.get_data(as_text=True)
    assert db_session.scalar(select(Action.id)) is None
    res = client.post(f"/granskning/{SLUG}/atgard/ny?hotspot={hotspot.id}", data={
        "hotspot_id": hotspot.id, "title": "Väktare fredag och lördag kväll",
        "organisation_id": org.id, "contact_person": "Anna Andersson",
        "starts_on": "2026-10-05", "due_on": "2026-12-31", "status": "in_progress"})
    assert res.status_code == 302
    week_page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "Åtgärden ”Väktare fredag och lördag kväll” är sparad" in week_page
    action = db_session.scalars(select(Action)).one()
    assert action.lineage_id == hotspot.lineage_id and action.created_by is not None
    assert action.review_id is not None  # decided from week 40: in its meeting record
    # hand-counted follow-up: 3 reports in the 2 weeks before, 1 in the 2 weeks after
    for d in (3, 6, 10):
        make_report(15.1122, 59.0651, area=area, occurred_at=at(date(2026, 10, 5)
                                                                  - timedelta(days=d)))
    make_report(15.1122, 59.0651, area=area, occurred_at=at(date(2026, 10, 9)))
    later = W.shift(2).slug  # the review of 2026-W42 (12–18 Oct): two weeks after the start
    html = client.get(f"/granskning/{later}").get_data(as_text=True)
    assert "Väktare fredag och lördag kväll" in html
    row = re.search(r'data-action="\d+">(.*?)</tr>', html, re.S).group(1)
    assert "3 → 1 rapporter (2 v före/efter, -67 %)" in row
    assert "Pågår" in row


def test_action_permissions(client, login, db_session, hallsberg, hotspot):
    area, org, police = hallsberg
    login("viewer")
    assert client.get(f"/granskning/{SLUG}/atgard/ny?hotspot={hotspot.id}").status_code == 403
    login("coordinator")
    client.post(f"/granskning/{SLUG}/atgard/ny", data={
        "hotspot_id": hotspot.id, "title": "Klottersanering", "organisation_id": org.id,
        "starts_on": "2026-10-05"})
    action = db_session.scalars(select(Action)).one()
    # a partner of the responsible organisation who sees the review sets status and outcome
    partner = login("reporter", org=org)
    assert client.post(f"/atgarder/{action.id}", data={"status": "done"}).status_code == 403
    partner.permissions = ["report", "review"]
    db_session.flush()
    res = client.post(f"/atgarder/{action.id}", data={"status": "not_done",
                                                     "outcome_note": "Hann inte",
                                                     "title": "ignored"})
    assert res.status_code == 302
    db_session.refresh(action)
    assert (action.status, action.outcome_note, action.title) == (
        "not_done", "Hann inte", "Klottersanering")
    # a partner of another organisation may read it but not change it
    other = login("reporter", org=police)
    other.permissions = ["report", "review"]
    db_session.flush()
    assert client.get(f"/atgarder/{action.id}").status_code == 200
    assert client.post(f"/atgarder/{action.id}", data={"status": "done"}).status_code == 403


def test_meeting_record_agenda_minutes_and_pdf(client, login, db_session, hallsberg,
                                               week_reports):
    login("coordinator")
    res = client.post(f"/granskning/{SLUG}/mote", data={
        "participants": ["Hallbo AB", "Polisen"], "notes": "Mycket klotter vid stationen",
        "decision_text": ["Hallbo sanerar inom 24 h", ""], "decision_action": ["", ""]})
    assert res.status_code == 302
    page = client.get(f"/granskning/{SLUG}/mote").get_data(as_text=True)
    assert "sparade" in page and "Mycket klotter vid stationen" in page
    agenda = client.get(f"/granskning/{SLUG}/dagordning").get_data(as_text=True)
    assert "Dagordning EST-möte" in agenda and "Öppna och försenade åtgärder" in agenda
    minutes = client.get(f"/granskning/{SLUG}/protokoll").get_data(as_text=True)
    assert "Hallbo AB, Polisen" in minutes and "Hallbo sanerar inom 24 h" in minutes
    pdf = client.get(f"/granskning/{SLUG}/protokoll?format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert "Protokoll EST-möte" in text and "Hallbo sanerar inom 24 h" in text
    login("viewer")
    assert client.post(f"/granskning/{SLUG}/mote", data={"notes": "x"}).status_code == 403
    assert "Mycket klotter" in client.get(f"/granskning/{SLUG}/mote").get_data(as_text=True)


def test_viewer_cells_follow_the_cells_api_rule(client, login, hallsberg, make_report):
    """One rule: a viewer's weekly map hides cells under EST_MIN_CELL like cells.geojson."""
    area = hallsberg[0]
    day = W.monday + timedelta(days=2)
    for _ in range(6):  # one cell with 6 reports (at or above the default minimum 5) …
        make_report(15.1122, 59.0651, area=area, occurred_at=at(day))
    for _ in range(2):  # … and one 2 km away with 2 (below it)
        make_report(15.0800, 59.0500, area=area, occurred_at=at(day))
    login("viewer")
    html = client.get(f"/granskning/{SLUG}").get_data(as_text=True)
    counts = sorted(int(n) for n in re.findall(r'"count":\s*(\d+)', html))
    api = client.get(f"/api/v1/cells.geojson?from={W.monday}&to={W.sunday}").get_json()
    assert counts == [6] == sorted(f["properties"]["count"] for f in api["features"])
    assert "färre än 5 rapporter visas inte" in html


def test_missing_last_year_is_saknas_and_hot_spots_are_named(client, login, week_reports,
                                                            hotspot, db_session):
    from est.models import Place

    db_session.add(Place(area_id=week_reports.id, name="Hallsbergs resecentrum",
                         geom=from_shape(box(15.1121, 59.0650, 15.1122, 59.0651).centroid,
                                         srid=4326)))
    db_session.flush()
    login("coordinator")
    html = client.get(f"/granskning/{SLUG}").get_data(as_text=True)
    assert "samma vecka i fjol: saknas" in html and "i fjol: 0" not in html
    assert '<strong class="hs-name">Hallsbergs resecentrum</strong>' in html
    assert re.search(r"<strong>Veckan: 10 rapporter</strong> – Klotter 9, Dålig belysning 1",
                     html)  # the week's categories add up to the week's count
    lineage = re.search(r'/granskning/[^/]+/namn/([0-9a-f-]+)"', html).group(1)
    res = client.post(f"/granskning/{SLUG}/namn/{lineage}", data={"name": "Stationsområdet"})
    assert res.status_code == 302
    html = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "Platsen heter nu Stationsområdet." in html
    assert '<strong class="hs-name">Stationsområdet</strong>' in html
    login("viewer")
    assert client.post(f"/granskning/{SLUG}/namn/{lineage}",
                       data={"name": "x"}).status_code == 403


def test_minutes_and_agenda_carry_the_meeting_across_weeks(client, login, db_session,
                                                           hallsberg, week_reports, hotspot):
    _area, org, police = hallsberg
    login("coordinator")
    client.post(f"/granskning/{W.shift(-1).slug}/mote", data={
        "decision_text": ["Polisen patrullerar stationen"], "decision_action": [""]})
    client.post(f"/granskning/{SLUG}/atgard/ny", data={
        "hotspot_id": hotspot.id, "title": "Ny belysning", "organisation_id": org.id,
        "starts_on": "2026-09-01", "due_on": "2026-09-20"})  # overdue by week 40's meeting
    client.post(f"/granskning/{SLUG}/atgard/ny", data={
        "hotspot_id": hotspot.id, "title": "Klottersanering", "organisation_id": police.id,
        "starts_on": "2026-10-05", "due_on": "2026-12-01"})
    res = client.post(f"/granskning/{SLUG}/mote", data={
        "held_on": "2026-10-05", "chair": "Eva Ek", "minute_taker": "Per Berg",
        "next_meeting": "2026-10-12T09:00", "participants": ["Polisen"],
        "decision_text": ["Hallbo sanerar"], "decision_action": [""]})
    assert res.status_code == 302
    minutes = client.get(f"/granskning/{SLUG}/protokoll").get_data(as_text=True)
    for text in ("2026-10-05", "Eva Ek", "Per Berg", "2026-10-12 kl 09:00", "Ny belysning",
                 "Klottersanering"):
        assert text in minutes
    agenda = client.get(f"/granskning/{SLUG}/dagordning").get_data(as_text=True)
    assert "Polisen patrullerar stationen" in agenda  # last week's decision
    row = re.search(r"<tr class=\"overdue\">(.*?)</tr>", agenda, re.S).group(1)
    assert "Ny belysning" in row and "försenad" in row
    assert "Klottersanering" in agenda
    bad = client.post(f"/granskning/{SLUG}/mote", data={
        "held_on": "0001-01-01", "next_meeting": "bad", "chair": "x" * 201})
    assert bad.status_code == 400
    assert db_session.scalar(select(Action.id).where(Action.title == "x")) is None


def test_action_overview_filters_and_exports(client, login, db_session, hallsberg, hotspot):
    _area, org, police = hallsberg
    login("coordinator")
    for title, owner, due in (("=HYPERLINK(\"http://evil.example\")", org, "2026-09-20"),
                              ("Trygghetsvandring", police, "2099-01-01")):
        client.post(f"/granskning/{SLUG}/atgard/ny", data={
            "hotspot_id": hotspot.id, "title": title, "organisation_id": owner.id,
            "starts_on": "2026-09-01", "due_on": due})
    html = client.get("/atgarder").get_data(as_text=True)
    assert html.count('class="action-row') == 2 and "försenad" in html
    html = client.get("/atgarder?overdue=1").get_data(as_text=True)
    assert html.count('class="action-row') == 1 and "HYPERLINK" in html
    html = client.get(f"/atgarder?organisation={police.id}&status=open").get_data(as_text=True)
    assert html.count('class="action-row') == 1 and "Trygghetsvandring" in html
    for bad in ("status=fixed", "organisation=99999999999999999999", "overdue=yes",
                "format=pdf"):
        res = client.get(f"/atgarder?{bad}", headers={"Accept": "application/json"})
        assert res.status_code == 400 and bad.split("=")[0] in res.get_json()["fields"]
    csv = client.get("/atgarder?format=csv")
    assert csv.headers["Content-Type"].count("charset") == 1
    text = csv.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Nr;Åtgärd;Plats")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ";=HYPERLINK" not in text
    xlsx = client.get("/atgarder?format=xlsx&overdue=1")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(xlsx.data)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Trygghetsvandring" not in [c.value for c in cells]
    formula = [c for c in cells if "HYPERLINK" in str(c.value)]
    assert formula and all(c.data_type == "s" and c.quotePrefix for c in formula)
