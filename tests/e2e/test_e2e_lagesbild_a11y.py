"""axe-core (WCAG 2.1 A/AA) on the lägesbild's version pages: list, version with the
decision form, comparison, and the public page; plus the form errors of the group texts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from est.demo import load_demo
from est.services.users import ensure_demo_accounts

from .test_e2e_accessibility import AXE, audit, browser_context_args  # noqa: F401
from .waiting import sign_in

pytestmark = pytest.mark.e2e


def test_version_pages_have_no_serious_axe_violations(page, live_server, e2e_session):
    assert AXE.is_file(), f"{AXE} is missing: run scripts/bootstrap (npm install axe-core)"
    load_demo(e2e_session)
    ensure_demo_accounts(e2e_session)
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    period = f"from={today - timedelta(days=28)}&to={today - timedelta(days=1)}"
    found: list[dict] = []
    sign_in(page, live_server)
    page.goto(f"{live_server}/lagesbild?{period}")
    # Over the limit (past the browser's maxlength): the error summary and the field error.
    page.evaluate("document.querySelector('#f-text_causes').removeAttribute('maxlength')")
    page.fill("#f-text_causes", "x" * 8001)
    page.fill("#f-text_conclusions", "Stationen prioriteras.")
    page.click("#gruppens-texter button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#error-summary").count() == 1
    found += audit(page, "/lagesbild/utkast (fel)")[0]
    page.fill("#f-text_causes", "Dålig belysning.")
    page.click("#gruppens-texter button[type=submit]")
    page.wait_for_load_state("load")
    for _ in range(2):
        page.goto(f"{live_server}/lagesbild?{period}")
        page.click(".lagesbild-save button[type=submit]")
        page.wait_for_load_state("load")
    assert "/lagesbild/versioner/2" in page.url
    found += audit(page, "/lagesbild/versioner/2")[0]
    page.fill("#f-decided_by", "Kommunstyrelsen")
    page.fill("#f-decided_on", today.isoformat())
    page.click("#beslut button[type=submit]")
    page.wait_for_load_state("load")
    area = page.url.split("area=")[1]
    for path in (f"/lagesbild/versioner?area={area}", f"/lagesbild/versioner/2/jamfor?area={area}",
                 f"/lagesbild/publik?area={area}"):
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        found += audit(page, path)[0]
    assert "Beslutad av Kommunstyrelsen" in page.locator("main").inner_text()
    assert not found, "axe found serious/critical violations:\n" + json.dumps(
        found, indent=1, ensure_ascii=False)
