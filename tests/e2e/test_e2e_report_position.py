"""'Använd min position' fills the coordinates from the browser's geolocation."""

import pytest
from sqlalchemy import text

from est.demo import load_demo
from tests.e2e.waiting import wait_for_js

pytestmark = pytest.mark.e2e
TORGET = (59.0672, 15.1088)  # lat, lon


def test_use_my_position_sets_the_point_and_the_report_lands_there(browser, live_server,
                                                                    e2e_session):
    load_demo(e2e_session)
    context = browser.new_context(geolocation={"latitude": TORGET[0], "longitude": TORGET[1]},
                                  permissions=["geolocation"], locale="sv-SE")
    page = context.new_page()
    try:
        page.goto(live_server + "/rapportera")
        page.wait_for_selector(".report-map .leaflet-container")
        page.click("#use-position")
        wait_for_js(page, "document.getElementById('lat').value !== ''")
        assert float(page.input_value("#lat")) == pytest.approx(TORGET[0], abs=1e-6)
        assert float(page.input_value("#lon")) == pytest.approx(TORGET[1], abs=1e-6)
        page.locator(".leaflet-marker-icon").wait_for()
        page.select_option("#category", "nedskrapning")
        page.click("#submit-report")
        page.wait_for_url("**/rapportera/tack/EST-*")
        receipt = page.url.rsplit("/EST-", 1)[1]
    finally:
        context.close()
    e2e_session.rollback()
    row = e2e_session.execute(text(
        "SELECT ST_Y(geom), ST_X(geom), status FROM report WHERE receipt_ref = :ref"),
        {"ref": receipt}).one()
    assert row[0] == pytest.approx(TORGET[0], abs=1e-6) and row[1] == pytest.approx(TORGET[1],
                                                                                    abs=1e-6)
    assert row[2] == "pending"
