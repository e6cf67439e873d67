"""The shared payloads in every free-text field of walks (title, purpose, weather,
accessibility, observation note, proposal measure and reject reason, digital walk title and
description, a resident's unsafe-place description and safe-place note): every walk page, map
popup and the walk report's HTML (opened without a CSP) shows them as text; nothing runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select

from est.access import actor_for
from est.models import Area, Organisation, User, WalkObservation
from est.services.users import DEMO_PASSWORD, hash_password
from est.walks import digital, documents, observations, proposals, store, summary
from tests.payloads import combined

from .test_e2e_csp import RECORD_VIOLATIONS
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TZ = ZoneInfo("Europe/Stockholm")
TEXT = combined(200)
EMAIL = "samordnare@hallsberg.example"
TUNNEL = (15.1160, 59.0638)
TORGET = (15.1088, 59.0672)


def seed(session) -> dict:
    """Store TEXT in every free-text field of a walk, its proposals and a digital walk."""
    area = Area(kind="municipality", code="1861", name="Hallsberg",
                geom=from_shape(MultiPolygon([box(15.05, 59.03, 15.17, 59.10)]), srid=4326))
    session.add(area)
    session.flush()
    org = Organisation(name="Hallsbergs kommun", kind="kommun", area_id=area.id)
    session.add(org)
    session.flush()
    user = User(email=EMAIL, name="Samordnare", role="coordinator", organisation_id=org.id,
                password_hash=hash_password(DEMO_PASSWORD))
    session.add(user)
    session.commit()
    actor = actor_for(session, user)
    now = datetime.now(TZ)
    campaign = digital.create_campaign(session, actor, {
        "title": TEXT, "description": TEXT, "area_id": area.id,
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")}, tz=TZ)
    digital.add_pin(session, campaign.id, {"pin": "unsafe", "lon": TUNNEL[0], "lat": TUNNEL[1],
                                           "reasons": ["belysning"], "description": TEXT},
                    tz=TZ)
    digital.add_pin(session, campaign.id, {"pin": "safe", "lon": TORGET[0], "lat": TORGET[1],
                                           "note": TEXT[:500]}, tz=TZ)
    walk = store.create_walk(session, actor, {
        "title": TEXT, "purpose": TEXT, "weather": TEXT, "accessibility_notes": TEXT,
        "area_id": area.id, "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "digital_walk_id": campaign.id, "participants": {"total": 3}}, tz=TZ)
    store.set_route(session, actor, walk.id, [list(TUNNEL), list(TORGET)])
    obs = observations.add_observation(session, actor, walk.id, {
        "lon": TUNNEL[0], "lat": TUNNEL[1], "note": TEXT, "safety": 2,
        "reasons": ["belysning"]}, tz=TZ)
    first = proposals.add_proposal(session, actor, obs.id, {"measure": TEXT,
                                                            "organisation_id": org.id})
    second = proposals.add_proposal(session, actor, obs.id, {"measure": TEXT})
    proposals.update_proposal(session, actor, second.id, {"status": "rejected",
                                                          "reject_reason": TEXT})
    action = proposals.proposal_to_action(session, actor, first.id)
    session.commit()
    return {"walk": walk.id, "campaign": campaign.id, "action": action.id, "actor": actor}


def test_walk_payloads_never_run(page, live_server, e2e_session):
    ids = seed(e2e_session)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)

    def visit(path: str) -> None:
        res = page.goto(live_server + path)
        assert res is not None and res.status < 400, path
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, path
        assert page.evaluate("window.__csp") == [], path

    visit(f"/digital-vandring/{ids['campaign']}")  # public: title and description
    assert TEXT.split(" ")[0] in page.locator("main").inner_text()
    sign_in(page, live_server, EMAIL)
    walk = ids["walk"]
    for path in ("/vandringar", f"/vandringar/{walk}", f"/vandringar/{walk}/redigera",
                 f"/vandringar/{walk}/telefon", f"/vandringar/digitala/{ids['campaign']}",
                 f"/atgarder/{ids['action']}", "/moderering/"):
        visit(path)
    # The report page shows the texts as text (title, note, measure, reject reason) …
    visit(f"/vandringar/{walk}")
    main = page.locator("main").inner_text()
    assert main.count("<img src=x onerror=alert(1)>") >= 5
    page.locator(".walk-report-map .obs-dot").first.click()  # popup built with textContent
    page.locator(".leaflet-popup-content").wait_for()
    # … the phone map's pins of the digital walk open popups with the residents' texts.
    visit(f"/vandringar/{walk}/telefon")
    pins = page.locator("#walk-map path.walk-pin")
    assert pins.count() == 2  # the unsafe and the safe place
    for i in range(2):
        pins.nth(i).click(force=True)
        popup = page.locator(".leaflet-popup-content").last
        popup.wait_for()
        assert "<img src=x onerror=alert(1)>" in popup.inner_text()
        assert page.evaluate("window.__xss") is None
    visit(f"/vandringar/digitala/{ids['campaign']}")
    page.locator("#digital-map path.walk-pin").first.click(force=True)
    page.locator(".leaflet-popup-content").wait_for()
    # The walk report's HTML (the PDF's source), opened without any CSP: escaping alone.
    obs = e2e_session.scalars(select(WalkObservation)).first()
    assert obs is not None
    report = summary.walk_report(e2e_session, obs.walk)
    png, note = documents.draw_walk_map(report)
    page.set_content(documents.to_html(report, png, note), wait_until="load")
    assert page.evaluate("window.__xss") is None
    assert "<img src=x onerror=alert(1)>" in page.locator("body").inner_text()
    assert dialogs == []
