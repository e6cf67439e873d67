"""Automated accessibility check: axe-core (WCAG 2.1 A/AA rules) on every main page.

axe-core is installed by ``scripts/bootstrap`` into ``var/npm`` (test-only, never served by
the app). Violations of impact "serious" or "critical" fail the test; the Leaflet map
container is excluded because its markup is third-party (Leaflet/Folium).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from est.demo import DEMO_CODE, DEMO_PLACES, load_demo
from est.review import Week
from est.services.reports import replace_places
from est.services.users import DEMO_PASSWORD, ensure_demo_accounts

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "var/npm/node_modules/axe-core/axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
TZ = "Europe/Stockholm"

RUN_AXE = """async (tags) => {
  const result = await axe.run(
    {include: [document], exclude: [['.leaflet-container']]},
    {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target, impact: n.impact, summary: n.failureSummary})),
    })),
    passes: result.passes.length,
  };
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core goes in as an inline script tag: let it past the CSP in this test only."""
    return {**browser_context_args, "bypass_csp": True}


def audit(page, label: str) -> tuple[list[dict], int]:
    """Run axe on the loaded page; return its serious/critical violations and the pass count."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(RUN_AXE, TAGS)
    blocking = []
    for v in result["violations"]:
        nodes = [n for n in v["nodes"] if (n["impact"] or v["impact"]) in BLOCKING]
        if nodes:
            blocking.append({"page": label, "rule": v["id"], "help": v["help"],
                             "nodes": [{"target": n["target"], "why": n["summary"]}
                                       for n in nodes[:5]]})
    return blocking, result["passes"]


def test_main_pages_have_no_serious_axe_violations(page, live_server, e2e_session):
    assert AXE.is_file(), f"{AXE} is missing: run scripts/bootstrap (npm install axe-core)"
    load_demo(e2e_session)
    replace_places(e2e_session, DEMO_CODE, DEMO_PLACES)
    ensure_demo_accounts(e2e_session)
    week = Week.containing(datetime.now(ZoneInfo(TZ)).date() - timedelta(days=7), TZ)

    found: list[dict] = []
    audited: dict[str, int] = {}

    def check(label: str) -> None:
        blocking, passes = audit(page, label)
        found.extend(blocking)
        audited[label] = passes

    # --- public pages -------------------------------------------------------------------
    page.goto(live_server + "/")
    page.wait_for_selector(".leaflet-container")
    check("/")

    page.goto(live_server + "/rapportera")
    page.wait_for_selector(".leaflet-container")
    check("/rapportera")

    page.click("#submit-report")  # nothing chosen: the form comes back with errors
    page.wait_for_selector("#error-summary")
    assert page.locator("[aria-invalid=true]").count() >= 1
    check("/rapportera (with errors)")

    page.select_option("#category", "klotter")
    torget = page.locator("#place option", has_text="Torget").first.get_attribute("value")
    page.select_option("#place", torget)
    page.click("#submit-report")
    page.wait_for_url(re.compile(r"/rapportera/tack/EST-"))
    check("/rapportera/tack/<ref>")

    page.click("text=Se status för din rapport")
    page.wait_for_selector("#status-result")
    check("/rapportera/status?ref=<ref>")

    page.goto(live_server + "/logga-in")
    check("/logga-in")

    # --- staff pages (coordinator) ----------------------------------------------------------
    page.fill("#email", "samordnare@hallsberg.example")
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.narrow-form button[type=submit]")
    page.wait_for_url(re.compile(r"/moderering/$"))
    page.wait_for_selector(".leaflet-container")
    check("/moderering/")

    for path in ("/personal/rapporter", "/personal/rapportera",
                 f"/granskning/{week.slug}", f"/granskning/{week.slug}/mote",
                 "/lagesbild", "/promises"):
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        if page.locator(".folium-map").count():
            page.wait_for_selector(".leaflet-container")
        check(path)

    assert len(audited) == 13 and all(n > 10 for n in audited.values()), audited
    assert not found, "axe found serious/critical violations:\n" + json.dumps(
        found, indent=1, ensure_ascii=False)
