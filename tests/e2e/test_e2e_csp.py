"""Every page in headless Chromium under the real CSP: zero violations, maps still drawn, and
the offline guard of conftest really catches third-party requests and blocked scripts."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import from_shape
from playwright.sync_api import Error as PlaywrightError
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select
from sqlalchemy.orm import Session

from est.demo import load_demo
from est.models import Action, Area, Category, Organisation, Report
from est.models.promises import Promise, PromiseItem
from est.review import Week
from est.services.users import ensure_demo_accounts
from tests.e2e.waiting import sign_in, wait_for_js

pytestmark = pytest.mark.e2e
TZ = "Europe/Stockholm"
STATION = MultiPolygon([box(15.1112, 59.0645, 15.1132, 59.0657)])  # WGS84 degrees
# Collected before any page script runs; a violation anywhere lands here.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def seed(session: Session, text: str = "Trygghetsvandring vid stationen") -> dict:
    """Load the demo, its accounts, one action at the station and one promise; return ids."""
    load_demo(session)
    ensure_demo_accounts(session)
    today = datetime.now(ZoneInfo(TZ)).date()
    area = session.scalars(select(Area).where(Area.kind == "municipality")).first()
    org = session.scalars(select(Organisation).order_by(Organisation.id)).first()
    klotter = session.scalars(select(Category).where(Category.code == "klotter")).one()
    assert area is not None and org is not None
    week = Week.containing(today - timedelta(days=7), TZ)
    action = Action(area_id=area.id, title=text, description=text, contact_person=text,
                    place_name=text, organisation_id=org.id, category_id=klotter.id,
                    starts_on=week.monday, geom=from_shape(STATION, srid=4326),
                    status="in_progress")
    promise = Promise(area_id=area.id, title=text, period_start=date(today.year, 1, 1),
                      period_end=date(today.year, 12, 31), sections={"orsaker": [text]})
    session.add_all([action, promise])
    session.flush()
    session.add(PromiseItem(promise_id=promise.id, text=text))
    pending = session.scalars(select(Report).where(Report.status == "pending")).first()
    report = session.scalars(select(Report).where(Report.status == "reviewed")).first()
    session.commit()
    assert pending is not None and report is not None
    return {"week": week, "action": action.id, "promise": promise.id,
            "pending": pending.id, "report": report.id}


def staff_paths(ids: dict) -> list[str]:
    """Every staff page with its ids (moderation, review, agenda, minutes, actions, lägesbild,
    promises)."""
    slug = ids["week"].slug
    return [
        "/personal/oversikt", "/personal/rapporter", f"/personal/rapporter/{ids['report']}",
        "/personal/rapportera", "/moderering/", f"/moderering/{ids['pending']}",
        f"/granskning/{slug}", f"/granskning/{slug}/dagordning", f"/granskning/{slug}/protokoll",
        f"/granskning/{slug}/mote", f"/granskning/{slug}/atgard/ny?category=klotter",
        f"/atgarder/{ids['action']}", "/lagesbild", "/promises",
        "/promises/draft", f"/promises/{ids['promise']}", f"/promises/{ids['promise']}/edit",
    ]




def visit(page, url: str) -> None:
    """Open ``url``, expect success and no CSP violation; where a map is, expect it drawn."""
    res = page.goto(url)
    assert res is not None and res.status < 400, f"{url}: {res and res.status}"
    page.wait_for_load_state("load")
    if page.locator(".folium-map").count():
        page.locator(".folium-map .leaflet-map-pane").first.wait_for(state="attached")
        page.locator(".leaflet-overlay-pane path, .leaflet-marker-icon").first.wait_for(
            state="attached", timeout=5000)
    assert page.evaluate("window.__csp") == [], f"CSP violations on {url}"


def test_every_page_runs_under_the_csp_and_maps_draw(page, live_server, e2e_session,
                                                     offline_browser):
    ids = seed(e2e_session)
    started = time.monotonic()  # page visits only: the demo load is measured elsewhere
    page.add_init_script(RECORD_VIOLATIONS)
    for path in ("/", "/rapportera", "/logga-in"):
        visit(page, live_server + path)
    sign_in(page, live_server)
    for path in staff_paths(ids):
        visit(page, live_server + path)
    # The weekly map draws hot spot polygons, numbered badges and the action's diamond.
    visit(page, f"{live_server}/granskning/{ids['week'].slug}")
    assert page.locator(".leaflet-overlay-pane path[stroke-width='3']").count() >= 1
    assert page.locator(".hs-rank-icon .hs-rank").count() >= 1
    assert page.locator(".action-marker").count() == 1
    page.locator(".action-marker").first.dispatch_event("mouseover")  # under a badge here
    assert "Åtgärd: Trygghetsvandring vid stationen" in page.locator(
        ".leaflet-tooltip").first.inner_text()
    assert offline_browser == {"third_party": [], "csp": []}
    assert time.monotonic() - started < 60


def test_the_guard_catches_third_party_requests_and_blocked_scripts(page, live_server,
                                                                    e2e_session,
                                                                    offline_browser):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server}/logga-in")
    # An inline script injected without the nonce is blocked and reported.
    page.evaluate("""() => {
        var s = document.createElement("script"); s.textContent = "window.__ran = 1";
        document.body.appendChild(s);
    }""")
    wait_for_js(page, "window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    assert any("Content Security Policy" in m for m in offline_browser["csp"])
    # A request to another host never leaves the machine and is recorded.
    with pytest.raises(PlaywrightError):
        page.goto("https://tile.example.org/1/1/1.png")
    assert offline_browser["third_party"] == ["https://tile.example.org/1/1/1.png"]
    offline_browser["third_party"].clear()  # seen as intended: not a failure of this test
    offline_browser["csp"].clear()
