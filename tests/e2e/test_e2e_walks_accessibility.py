"""axe-core (WCAG 2.1 A/AA) on the walk pages: list, new walk, phone page (sheet open), walk
report, digital walk pages (public with errors too); no serious or critical violation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from est.access import actor_for
from est.models import Area, User
from est.walks import digital, observations, proposals, store

from .test_e2e_accessibility import AXE, audit
from .test_e2e_walk_phone import EMAIL, PHONE, seed
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TZ = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core goes in as an inline script tag: let it past the CSP in this test only."""
    return {**browser_context_args, "bypass_csp": True}


def test_walk_pages_have_no_serious_axe_violations(browser, live_server, e2e_session):
    assert AXE.is_file(), f"{AXE} is missing: run scripts/bootstrap (npm install axe-core)"
    seed(e2e_session)
    actor = actor_for(e2e_session, e2e_session.scalars(select(User)).one())
    area = e2e_session.scalars(select(Area)).one()
    now = datetime.now(TZ)
    campaign = digital.create_campaign(e2e_session, actor, {
        "title": "Tyck till om centrum", "area_id": area.id,
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")}, tz=TZ)
    walk = store.create_walk(e2e_session, actor, {
        "title": "Kvällsvandring", "area_id": area.id, "digital_walk_id": campaign.id,
        "starts_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}, tz=TZ)
    obs = observations.add_observation(e2e_session, actor, walk.id, {
        "lon": 15.116, "lat": 59.0638, "safety": 2, "reasons": ["belysning"],
        "ratings": {"lighting": 0}}, tz=TZ)
    proposals.add_proposal(e2e_session, actor, obs.id, {"measure": "Ny belysning"})
    e2e_session.commit()

    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    found: list[dict] = []

    def check(label: str) -> None:
        blocking, passes = audit(page, label)
        found.extend(blocking)
        assert passes > 0, label

    page.goto(f"{live_server}/digital-vandring/{campaign.id}")
    check("/digital-vandring/<id>")
    page.locator("#digital-submit").tap()
    page.wait_for_selector("#error-summary")
    check("/digital-vandring/<id> (with errors)")
    sign_in(page, live_server, EMAIL)
    for path in ("/vandringar", "/vandringar/ny", f"/vandringar/{walk.id}",
                 f"/vandringar/digitala/{campaign.id}", "/vandringar/digitala/ny"):
        page.goto(live_server + path)
        check(path)
    page.goto(f"{live_server}/vandringar/{walk.id}/telefon")
    page.locator("#walk-map .leaflet-tile-pane").wait_for(state="attached")
    check("/vandringar/<id>/telefon")
    page.locator("#walk-map").tap(position={"x": 195, "y": 300})
    page.locator("#obs-form").wait_for(state="visible")
    check("/vandringar/<id>/telefon (sheet open)")
    context.close()
    assert found == [], found
