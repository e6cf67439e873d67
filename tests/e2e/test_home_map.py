"""The home page map initialises in a real browser with no internet (tiles need not load)."""

import pytest

from est.demo import load_demo

pytestmark = pytest.mark.e2e


def test_home_map_renders_cells(page, live_server, e2e_session):
    load_demo(e2e_session)
    page.goto(live_server + "/")
    page.wait_for_selector(".leaflet-container")
    assert "Hallsberg" in page.title()
    cells = page.locator("path.leaflet-interactive")
    cells.first.wait_for()
    # the busy places of the week (station, square, school yard …); cells under 5 are hidden
    assert cells.count() >= 3
    page.locator(".leaflet-control-zoom-in").click()  # the map responds to input
    assert page.locator(".leaflet-control-layers").count() == 1
