"""The weekly review in a real browser: hot spots listed and drawn, an action recorded from a
hot spot, and its follow-up on the next week's page."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from est.demo import load_demo
from est.models import Action
from est.review import Week
from est.services.actions import follow_up
from est.services.users import ensure_demo_accounts
from tests.e2e.waiting import sign_in

pytestmark = pytest.mark.e2e
TZ = "Europe/Stockholm"


def test_weekly_review_action_and_follow_up(page, live_server, e2e_session):
    load_demo(e2e_session)
    ensure_demo_accounts(e2e_session)
    today = datetime.now(ZoneInfo(TZ)).date()
    week = Week.containing(today - timedelta(days=7), TZ)

    sign_in(page, live_server)
    page.goto(f"{live_server}/granskning")
    assert week.slug in page.url

    hotspots = page.locator("li.hotspot")
    hotspots.first.wait_for()
    n = hotspots.count()
    assert n >= 3  # the demo's station, school yard and square at least
    # drawn: one SVG path per hot spot polygon besides the outline and districts
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    drawn = page.locator(".leaflet-overlay-pane path[stroke-width='3']").count()
    assert drawn >= n
    assert page.locator(".map-legend").inner_text().startswith("Teckenförklaring")

    hotspots.first.get_by_role("link", name="Ny åtgärd här").click()
    page.fill("#f-title", "Trygghetsvandring och bättre belysning")
    page.select_option("#f-organisation_id", label="Hallbo AB")
    page.fill("#f-contact_person", "Kim Karlsson")
    starts = week.monday - timedelta(weeks=2)
    page.fill("#f-starts_on", starts.isoformat())
    page.select_option("#f-status", "in_progress")
    page.click("form.stacked button[type=submit]")
    row = page.locator("tr.action-row", has_text="Trygghetsvandring och bättre belysning")
    row.wait_for()
    assert "Pågår" in row.inner_text()

    page.get_by_role("link", name=re.compile(rf"Vecka {week.shift(1).week} →")).click()
    page.wait_for_url(re.compile(week.shift(1).slug))
    row = page.locator("tr.action-row", has_text="Trygghetsvandring och bättre belysning")
    row.wait_for()
    action = e2e_session.scalars(select(Action).where(
        Action.title == "Trygghetsvandring och bättre belysning")).one()
    as_of = min(today, week.shift(1).sunday + timedelta(days=1))
    f = follow_up(e2e_session, action, today=as_of)
    assert f.measurable
    assert f"{f.before} → {f.after} rapporter ({f.weeks} v före/efter" in row.inner_text()
    assert isinstance(action.starts_on, date) and action.lineage_id is not None
