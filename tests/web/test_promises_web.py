"""Promise pages: edit with validation, roles, link/unlink actions, follow-up snapshots."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import func, select

from est.models import Action
from est.models.promises import (
    Promise,
    PromiseFollowup,
    PromiseIndicator,
    PromiseItem,
    PromiseParty,
    promise_action,
)

TZ = ZoneInfo("Europe/Stockholm")
STATION = (15.1110, 59.0645, 15.1135, 59.0657)  # action outline and district
INSIDE, OUTSIDE = (15.1122, 59.0651), (15.0700, 59.0400)
STARTS = date(2025, 4, 1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def world(db_session, make_area, make_organisation, make_report, category):
    """Hallsberg with a district at the station, a promise, an action and counted reports."""
    area = make_area()
    district = make_area(code="1861-01", name="Stationen", kind="district", bounds=STATION,
                         parent=area)
    kommun = make_organisation("Hallsbergs kommun", "kommun", area=area)
    polis = make_organisation("Polisen Hallsberg", "polis", area=area)
    klotter = category("klotter")
    promise = Promise(area_id=area.id, title="Medborgarlöften Hallsberg 2025",
                      period_start=date(2025, 3, 1), period_end=date(2025, 4, 30),
                      sections={"inledning": {"title": "Inledning",
                                              "paragraphs": ["Första stycket.", "Andra."]},
                                "loften": {"title": "Medborgarlöften under perioden x",
                                           "paragraphs": []}})
    police = PromiseParty(name="Lokalpolisområde Hallsberg", kind="polis", position=0)
    municipality = PromiseParty(name="Hallsbergs kommun", kind="kommun", position=1)
    promise.parties = [police, municipality]
    promise.items = [PromiseItem(party=police, text="Polisen lovar att patrullera.", position=0),
                     PromiseItem(party=municipality, text="Kommunen lovar att städa.",
                                 position=1)]
    promise.indicators = [
        PromiseIndicator(kind="count_per_month", label="Klotter per månad",
                         category_ids=[klotter.id], position=0),
        PromiseIndicator(kind="share_public_moderated", label="Granskade efter 7 dagar",
                         params={"days": 7}, position=1)]
    db_session.add(promise)
    action = Action(area_id=area.id, category_id=klotter.id, title="Klottersanering",
                    organisation_id=kommun.id, starts_on=STARTS,
                    geom=from_shape(MultiPolygon([box(*STATION)]), srid=4326))
    db_session.add(action)
    # Hand count for the action (4 whole weeks before and after 1 April, inside the outline,
    # klotter): 6 before (10–20 March), 5 after (5–25 April).
    for day in (10, 12, 14, 16, 18, 20):
        make_report(*INSIDE, area=area, occurred_at=at(date(2025, 3, day)))
    for day in (5, 10, 15, 20, 25):
        make_report(*INSIDE, area=area, occurred_at=at(date(2025, 4, day)))
    make_report(*INSIDE, area=area, occurred_at=at(date(2025, 3, 1)))   # before the window
    make_report(*OUTSIDE, area=area, occurred_at=at(date(2025, 3, 20)))  # outside the place
    make_report(*INSIDE, area=area, code="narkotika", occurred_at=at(date(2025, 4, 8)))
    db_session.flush()
    return {"area": area, "district": district, "promise": promise, "action": action,
            "kommun": kommun, "polis": polis}


@pytest.fixture
def login(sign_in, world):
    """Sign the client in as a new user with ``role`` (member of the municipality)."""

    return lambda role, org=None: sign_in(role, org or world["kommun"])


def form_for(promise, **changes):
    """The edit form as the browser posts it, with ``changes`` applied."""
    ind = [i.id for i in promise.indicators]
    data = {
        "title": promise.title, "status": "draft", "period_start": "2025-03-01",
        "period_end": "2025-04-30", "section-inledning": "Första stycket.\n\nAndra.",
        "party_count": "3",
        "party-0-id": str(promise.parties[0].id), "party-0-name": "Lokalpolisområde Hallsberg",
        "party-0-kind": "polis", "party-0-items": "Polisen lovar att patrullera.",
        "party-1-id": str(promise.parties[1].id), "party-1-name": "Hallsbergs kommun",
        "party-1-kind": "kommun", "party-1-items": "Kommunen lovar att städa.",
        "party-2-id": "", "party-2-name": "", "party-2-kind": "annan", "party-2-items": "",
        "indicator_ids": [str(i) for i in ind],
        f"indicator-{ind[0]}-label": "Klotter per månad",
        f"indicator-{ind[0]}-categories": [str(c) for c in promise.indicators[0].category_ids],
        f"indicator-{ind[1]}-label": "Granskade efter 7 dagar", f"indicator-{ind[1]}-days": "7",
        "new-kind": "", "new-label": "", "new-place": "area", "new-days": "7",
    }
    data.update(changes)
    return data


def edit_url(world):
    return f"/promises/{world['promise'].id}/edit"


@pytest.mark.parametrize(("role", "expected"), [(None, 302), ("viewer", 403), ("reporter", 403),
                                                ("coordinator", 200), ("admin", 200)])
def test_edit_page_by_role(client, login, world, role, expected):
    if role:
        login(role)
    response = client.get(edit_url(world))
    assert response.status_code == expected
    if role is None:
        assert "/logga-in" in response.headers["Location"]
    if expected == 200:
        html = response.get_data(as_text=True)
        assert 'value="Medborgarlöften Hallsberg 2025"' in html
        assert "Polisen lovar att patrullera." in html and "Första stycket.\n\nAndra." in html


@pytest.mark.parametrize("role", ["viewer", "reporter", None])
def test_only_managers_change_anything(client, db_session, login, world, role):
    if role:
        login(role)
    promise, action = world["promise"], world["action"]
    posts = [client.post(edit_url(world), data=form_for(promise, title="Kapad")),
             client.post(f"/promises/{promise.id}/actions", data={"action_id": action.id}),
             client.post(f"/promises/{promise.id}/followups")]
    for response in posts:
        assert response.status_code == (403 if role else 302)
    db_session.expire_all()
    assert db_session.get(Promise, promise.id).title == "Medborgarlöften Hallsberg 2025"
    assert db_session.scalar(select(func.count()).select_from(promise_action)) == 0
    assert db_session.scalar(select(func.count()).select_from(PromiseFollowup)) == 0


def test_viewer_reads_the_promise_without_forms(client, login, world):
    login("viewer")
    html = client.get(f"/promises/{world['promise'].id}").get_data(as_text=True)
    assert "Polisen lovar att patrullera." in html and "Kommunen lovar att städa." in html
    assert "Redigera löftet" not in html and "Koppla en åtgärd" not in html
    assert "Spara uppföljning" not in html and "<form method=\"post\" action=\"/promises" \
        not in html


def test_coordinator_of_another_municipality_is_refused(client, make_area, make_organisation,
                                                        login, world):
    away = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    login("coordinator", make_organisation("Örebro kommun", "kommun", area=away))
    assert client.get(edit_url(world)).status_code == 403
    assert client.post(f"/promises/{world['promise'].id}/followups").status_code == 403


def test_edit_saves_texts_parties_and_indicators(client, db_session, login, world, category):
    login("coordinator")
    promise = world["promise"]
    removed = promise.indicators[1].id
    kept = promise.indicators[0].id
    data = form_for(promise, **{
        "title": "Medborgarlöften 2025 (antagna)", "status": "adopted",
        "period_end": "2025-05-31", "section-inledning": "Ny inledning.\n\nMed två stycken.",
        "party-0-items": "Polisen lovar att patrullera.\nPolisen lovar att besöka skolan.",
        "party-1-remove": "1",
        "party-2-name": "Hallbo AB", "party-2-kind": "annan",
        "party-2-items": "Hallbo lovar att belysa gården.",
        f"indicator-{removed}-remove": "1", f"indicator-{kept}-target": "Under 4 per månad",
        "new-kind": "count_per_month", "new-label": "Klotter vid stationen",
        "new-place": f"district:{world['district'].id}",
        "new-categories": [str(category("klotter").id)],
    })
    response = client.post(edit_url(world), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    p = db_session.get(Promise, promise.id)
    assert (p.title, p.status, p.period_end) == ("Medborgarlöften 2025 (antagna)", "adopted",
                                                 date(2025, 5, 31))
    assert p.sections["inledning"]["paragraphs"] == ["Ny inledning.", "Med två stycken."]
    assert p.sections["loften"]["title"] == \
        "Medborgarlöften under perioden 2025-03-01 – 2025-05-31"
    assert [(x.name, x.kind) for x in p.parties] == [("Lokalpolisområde Hallsberg", "polis"),
                                                     ("Hallbo AB", "annan")]
    assert [(i.party.name, i.text) for i in p.items] == [
        ("Lokalpolisområde Hallsberg", "Polisen lovar att patrullera."),
        ("Lokalpolisområde Hallsberg", "Polisen lovar att besöka skolan."),
        ("Hallbo AB", "Hallbo lovar att belysa gården.")]
    assert [i.label for i in p.indicators] == ["Klotter per månad", "Klotter vid stationen"]
    assert p.indicators[0].target == "Under 4 per månad"
    assert p.indicators[1].area_id == world["district"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ändringarna är sparade." in page and "Hallbo lovar att belysa gården." in page
    # Klotter in the district 1 Mar – 31 May: 6 + 5 + 1 = 12 in 92 days = 3.97 per month;
    # baseline 29 Nov – 28 Feb: none.
    assert re.search(r"<td>Klotter vid stationen</td><td>2025-03-01 – 2025-05-31</td>"
                     r"<td>4.0</td><td>0.0</td>", page)


def test_invalid_edit_keeps_typed_values_and_writes_nothing(client, db_session, login, world):
    login("coordinator")
    promise = world["promise"]
    data = form_for(promise, **{
        "title": "  ", "period_start": "2025-05-01", "period_end": "2025-04-01",
        "section-inledning": "Skrivet men inte sparat.",
        "party-0-items": "Polisen lovar något nytt.", "party-2-items": "Löfte utan part",
        "new-kind": "share_public_moderated", "new-label": "", "new-days": "0",
    })
    response = client.post(edit_url(world), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in ("Ge medborgarlöftet en rubrik.", "Perioden kan inte sluta före den börjar.",
                    "Ange partens namn", "Beskriv indikatorn", "Ange antal dagar, 1–90."):
        assert message in html
    assert "Skrivet men inte sparat." in html and "Polisen lovar något nytt." in html
    assert 'value="2025-05-01"' in html and "Löfte utan part" in html
    assert 'id="f-title" name="title" value="  "' in html and 'aria-invalid="true"' in html
    db_session.expire_all()
    p = db_session.get(Promise, promise.id)
    assert p.title == "Medborgarlöften Hallsberg 2025" and p.period_start == date(2025, 3, 1)
    assert [i.text for i in p.items] == ["Polisen lovar att patrullera.",
                                         "Kommunen lovar att städa."]
    assert len(p.indicators) == 2 and p.sections["inledning"]["paragraphs"][0] == "Första stycket."


def test_unknown_place_and_category_are_field_errors(client, make_area, login, world):
    login("coordinator")
    other = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    response = client.post(edit_url(world), data=form_for(world["promise"], **{
        "new-kind": "count_per_month", "new-label": "X", "new-place": f"district:{other.id}",
        "new-categories": ["999999"]}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Välj en kommundel i kommunen." in html and "Okänd kategori." in html


def test_link_and_unlink_action_with_measured_effect(client, db_session, login, world):
    login("coordinator")
    promise, action = world["promise"], world["action"]
    page = client.get(f"/promises/{promise.id}").get_data(as_text=True)
    assert "Inga kopplade åtgärder." in page and f'<option value="{action.id}">' in page

    linked = client.post(f"/promises/{promise.id}/actions", data={"action_id": action.id})
    assert linked.status_code == 302
    page = client.get(linked.headers["Location"]).get_data(as_text=True)
    row = page.split("Klottersanering</a>")[1].split("</tr>")[0]
    # 6 klotter inside the outline 4–31 March, 5 on 1–28 April (hand count in ``world``).
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["6", "5"]
    assert "4 v före/efter, -17 %" in row and "Ta bort koppling" in row
    assert f'<option value="{action.id}">' not in page  # no longer offered

    unlinked = client.post(f"/promises/{promise.id}/actions/{action.id}/unlink")
    assert unlinked.status_code == 302
    page = client.get(unlinked.headers["Location"]).get_data(as_text=True)
    assert "Inga kopplade åtgärder." in page
    assert db_session.scalar(select(func.count()).select_from(promise_action)) == 0


def test_linking_an_action_of_another_area_is_refused(client, db_session, make_area, login,
                                                      world):
    login("coordinator")
    away = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    other = Action(area_id=away.id, category_id=world["action"].category_id, title="Annan",
                   organisation_id=world["kommun"].id, starts_on=STARTS)
    db_session.add(other)
    db_session.flush()
    response = client.post(f"/promises/{world['promise'].id}/actions",
                           data={"action_id": other.id})
    assert response.status_code == 400
    assert "Okänd åtgärd för det här området." in response.get_data(as_text=True)
    assert client.post(f"/promises/{world['promise'].id}/actions/{other.id}/unlink"
                       ).status_code == 400


def test_snapshot_button_stores_and_lists_followups(client, db_session, login, world):
    login("coordinator")
    promise = world["promise"]
    page = client.get(f"/promises/{promise.id}").get_data(as_text=True)
    assert "Inga sparade uppföljningar ännu." in page
    response = client.post(f"/promises/{promise.id}/followups")
    assert response.status_code == 302
    (row,) = db_session.scalars(select(PromiseFollowup)).all()
    today = datetime.now(TZ).date()
    assert row.as_of == today and row.promise_id == promise.id
    # Klotter 1 Mar – 30 Apr (counted, anywhere in the area): 6 + 5 + 1 + 1 = 13 in 61 days.
    assert row.results[0]["label"] == "Klotter per månad" and row.results[0]["now"] == 6.5
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uppföljningen är sparad." in page and f"Per {today}" in page
    assert "<td>Klotter per månad</td>" in page.split('id="uppfoljningar"')[1]
