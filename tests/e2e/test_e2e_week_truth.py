"""On ``make demo``'s data the week tells the truth in a browser: the last complete week lists
Vretstorp centrum and Folkets park by name, as new or rising, at the top of the hot spot list
and of the agenda; the running week says it is in progress. Screenshots for the README."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from est.demo import DEMO_CODE, DEMO_PLACES, load_demo
from est.review import Week
from est.services.reports import replace_places
from est.services.users import ensure_demo_accounts
from tests.e2e.waiting import sign_in

pytestmark = pytest.mark.e2e
TZ = "Europe/Stockholm"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EMERGING = {"Vretstorp centrum", "Folkets park, Hallsberg"}


def test_last_complete_week_puts_emerging_places_on_top(page, live_server, e2e_session):
    load_demo(e2e_session)
    replace_places(e2e_session, DEMO_CODE, DEMO_PLACES)
    ensure_demo_accounts(e2e_session)
    today = datetime.now(ZoneInfo(TZ)).date()
    week = Week.containing(today - timedelta(days=7), TZ)

    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server}/granskning")
    assert week.slug in page.url

    items = page.locator("li.hotspot")
    items.first.wait_for()
    names = [n.strip() for n in page.locator("li.hotspot .hs-name").all_inner_texts()]
    assert set(names[:2]) == EMERGING, names
    for i in range(2):
        item = items.nth(i)
        assert "urgent" in (item.get_attribute("class") or "")
        badge = item.locator(".badge").inner_text()
        assert re.match(r"(Ny|Återkommande|Ökande|Stigande)", badge), badge
        assert "Veckan:" in item.inner_text() and "Snitt senaste 4 veckorna" in item.inner_text()
    # No scroll box: the whole list is laid out, the last item is not clipped by its list.
    assert page.locator("ol.hotspot-list").evaluate(
        "el => getComputedStyle(el).overflowY") == "visible"
    lead = page.locator("p.lead").inner_text()
    assert "samma vecka i fjol: saknas" in lead and "i fjol: 0" not in lead
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    page.screenshot(path=str(SHOTS / "review-week.png"), full_page=False)

    page.goto(f"{live_server}/granskning/{week.slug}/dagordning")
    new = [t.split(" – ")[0].strip()
           for t in page.locator("ol.agenda-new > li").all_inner_texts()]
    assert set(new[:2]) == EMERGING, new
    assert "Inga nya" not in page.content()
    page.screenshot(path=str(SHOTS / "agenda.png"), full_page=False)

    running = Week.containing(today, TZ)
    page.goto(f"{live_server}/granskning/{running.slug}")
    lead = page.locator("p.lead").inner_text()
    assert lead.startswith("Veckan pågår.")
    assert not re.search(r"[−-]\d+ % mot snitt", page.locator("ol.hotspot-list").inner_text())
