"""Public reporting and moderation in headless Chromium (map tiles need not load)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from est.demo import DEMO_CODE, DEMO_PLACES, load_demo
from est.services.reports import replace_places
from est.services.users import DEMO_PASSWORD, ensure_demo_accounts
from tests.e2e.waiting import wait_for_js

pytestmark = pytest.mark.e2e

STATION = (15.1122, 59.0651)  # lon, lat: Hallsbergs resecentrum, inside the demo boundary


@pytest.fixture
def demo(e2e_session):
    load_demo(e2e_session)
    replace_places(e2e_session, DEMO_CODE, DEMO_PLACES)
    ensure_demo_accounts(e2e_session)
    return e2e_session


def stored(session, ref: str):
    session.rollback()  # see the server's commits
    return session.execute(text(
        "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, status, source FROM report "
        "WHERE receipt_ref = :ref"
    ), {"ref": ref.removeprefix("EST-")}).one()


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)


def test_click_the_map_report_and_publish(page, live_server, demo):
    page.goto(live_server + "/rapportera")
    page.wait_for_selector(".report-map .leaflet-container")
    page.select_option("#category", "klotter")

    # Click where the station is drawn, and work out which lon/lat that pixel is.
    container = page.locator(".report-map .leaflet-container")
    container.scroll_into_view_if_needed()
    # Zoom in as a user would (a pixel is then well under a metre), then click the station.
    page.evaluate("([lat, lon]) => window.estMap.setView([lat, lon], 17, {animate: false})",
                  [STATION[1], STATION[0]])
    point = page.evaluate("([lat, lon]) => window.estMap.latLngToContainerPoint([lat, lon])",
                          [STATION[1], STATION[0]])
    x, y = round(point["x"]), round(point["y"])
    expected = page.evaluate("([x, y]) => { const p = window.estMap.containerPointToLatLng([x, y]);"
                             " return [p.lng, p.lat]; }", [x, y])
    container.click(position={"x": x, "y": y})
    page.locator(".leaflet-marker-icon").wait_for()
    typed = (float(page.input_value("#lon")), float(page.input_value("#lat")))
    assert metres(typed, tuple(expected)) < 3  # sub-pixel rounding of the click
    assert "Vald plats" in page.text_content("#location-status")

    page.click("#submit-report")
    page.wait_for_url("**/rapportera/tack/EST-*")
    ref = page.text_content("#reference").strip()
    assert "112" in page.content() and "114 14" in page.content()
    row = stored(demo, ref)
    assert row.status == "pending" and row.source == "public"

    # A coordinator publishes it from the moderation queue.
    page.goto(live_server + "/logga-in")
    page.fill("#email", "samordnare@hallsberg.example")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.narrow-form button[type=submit]")
    page.wait_for_url("**/moderering/")
    page.wait_for_selector(".leaflet-container")
    page.click(f"text={ref}")
    page.wait_for_selector("#publish")
    page.click("#publish")
    page.wait_for_url("**/moderering/")
    assert f"{ref} är publicerad" in page.content()

    row = stored(demo, ref)
    assert row.status == "published"
    assert metres((row.lon, row.lat), tuple(expected)) < 3
    assert metres((row.lon, row.lat), STATION) < 5


def focus_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focus_id(page) == element_id:
            return
    raise AssertionError(f"#{element_id} was not reached with Tab (focus on {focus_id(page)!r})")


def test_keyboard_only_report_with_the_place_list(page, live_server, demo):
    page.goto(live_server + "/rapportera")
    page.wait_for_selector(".leaflet-container")
    tab_to(page, "kind-incident")
    assert page.is_checked("#kind-incident")
    tab_to(page, "category")  # left empty on purpose: the error summary must help
    tab_to(page, "place")
    page.keyboard.type("Torget")
    assert page.input_value("#place") != ""
    tab_to(page, "description")
    page.keyboard.type("Krossade rutor vid torget")
    tab_to(page, "submit-report")
    page.keyboard.press("Enter")

    page.wait_for_selector("#error-summary")
    assert focus_id(page) == "error-summary"
    assert "Välj en kategori." in page.text_content("#error-summary")
    page.keyboard.press("Tab")  # the first link of the summary
    page.keyboard.press("Enter")
    wait_for_js(page, "document.activeElement && document.activeElement.id === 'category'")
    page.keyboard.type("Skadegörelse")
    assert page.input_value("#category") == "skadegorelse"
    assert page.input_value("#description") == "Krossade rutor vid torget"  # kept
    tab_to(page, "submit-report")
    page.keyboard.press("Enter")

    page.wait_for_url("**/rapportera/tack/EST-*")
    row = stored(demo, page.text_content("#reference").strip())
    torget = next((lon, lat) for name, lon, lat in DEMO_PLACES if name.startswith("Torget"))
    assert metres((row.lon, row.lat), torget) < 0.5
    assert row.status == "pending"
