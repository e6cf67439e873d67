"""Lägesbild → åtgärdsplan → promise draft → follow-up, in headless Chromium on the demo."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from est.demo import load_demo
from est.models.plans import ActionPlan
from est.services.users import ensure_demo_accounts

from .test_e2e_csp import RECORD_VIOLATIONS, visit
from .waiting import sign_in

pytestmark = pytest.mark.e2e


def test_lagesbild_to_plan_to_promise_to_followup(page, live_server, e2e_session):
    load_demo(e2e_session)
    ensure_demo_accounts(e2e_session)
    e2e_session.commit()
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server)

    # The lägesbild the plan answers.
    visit(page, f"{live_server}/lagesbild")
    assert "Lägesbild" in page.locator("h1").inner_text()

    # A new åtgärdsplan.
    visit(page, f"{live_server}/atgardsplan")
    page.fill("#f-title", "Åtgärdsplan e2e")
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    page.fill("#f-period_start", (today - timedelta(days=60)).isoformat())
    page.fill("#f-period_end", (today + timedelta(days=300)).isoformat())
    page.click("#ny-plan ~ form button[type=submit]")
    page.wait_for_load_state("load")
    assert re.search(r"/atgardsplan/\d+$", page.url)
    plan_url = page.url

    # Orsak: a finding of the lägesbild (a category trend), with the group's words.
    options = page.locator("#f-finding option").all_inner_texts()
    trend = next(o for o in options if o.startswith("Kategori och trend: "))
    page.select_option("#f-finding", label=trend)
    page.fill("#f-text", "Det här ökar och oroar")
    page.click("#ny-orsak button[type=submit]")
    page.wait_for_load_state("load")
    cause = page.locator("section.plan-cause").first
    assert "Orsak 1: Det här ökar och oroar" in cause.locator("h2").inner_text()

    # Åtgärd → operativt mål → när → vem, from the activity library.
    cause.locator("details summary").first.click()
    pattern = next(o for o in cause.locator("select[name$='-activity_pattern_id'] option")
                   .all_inner_texts() if o.startswith("Hot spots:"))
    cause.locator("select[name$='-activity_pattern_id']").select_option(label=pattern)
    cause.locator("textarea[name$='-measure']").fill("Besök hos de berörda")
    cause.locator("input[name$='-target']").fill("Färre rapporter än före")
    cause.locator("select[name$='-organisation_id']").select_option(
        label="Polisen, lokalpolisområde Hallsberg")
    cause.locator("input[name$='-contact_role']").fill("Kommunpolis")
    cause.locator("form.plan-form button[type=submit]").click()
    page.wait_for_load_state("load")
    row = page.locator("table.plan-rows tbody tr").first
    assert "Besök hos de berörda" in row.inner_text()
    assert re.search(r"\b(Grön|Gul|Röd)\b", row.locator("td").nth(4).inner_text())

    # The status for the BRÅ meeting.
    visit(page, f"{plan_url}/status")
    assert "Åtgärdsplanens status" in page.locator("h1").inner_text()

    # The promise draft from the plan, in the Kungsör layout, saved as a promise.
    visit(page, f"{plan_url}/medborgarloften?layout=kungsor")
    commitments = page.locator("table.plan-commitments tbody tr")
    assert commitments.count() == 1
    first = commitments.first.inner_text()
    assert first.startswith("Polisen") and "Hot spots" in first
    page.click("button:has-text('Spara som medborgarlöfte')")
    page.wait_for_load_state("load")
    assert re.search(r"/promises/\d+$", page.url)

    # Follow-up on the promise page: the plan's row with its colour, and indicators with
    # links to the reports behind each figure.
    loop = page.locator("#planens-rader").inner_text()
    assert "Besök hos de berörda" in loop
    assert re.search(r"\b(Grön|Gul|Röd)\b", loop)
    link = page.locator("#indikatorer-mot-mal a").first
    href = link.get_attribute("href")
    assert href and href.startswith("/personal/rapporter?")
    link.click()
    page.wait_for_load_state("load")
    assert "/personal/rapporter" in page.url
    plan = e2e_session.scalar(select(ActionPlan).where(ActionPlan.title == "Åtgärdsplan e2e"))
    assert plan is not None and plan.causes[0].rows[0].promise_id is not None
    assert page.evaluate("window.__csp") == []
