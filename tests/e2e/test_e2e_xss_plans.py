"""The shared payloads in every free-text field of the åtgärdsplan and the activity library,
then every plan page, draft, dashboard, export and the promise saved from the plan, in
headless Chromium: no dialog opens, no script runs, the text is shown as text."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from est.access import actor_for
from est.demo import load_demo
from est.models import Area, Organisation, User
from est.plans import library, service
from est.promises.layouts import LAYOUTS
from est.services.users import ensure_demo_accounts
from tests.payloads import SCRIPT_BREAKERS, combined

from .test_e2e_csp import RECORD_VIOLATIONS, visit
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TEXT = combined(200)


def store_payloads(session) -> tuple[int, int]:
    """A plan with TEXT in every free-text field and an own activity with TEXT; the plan id."""
    load_demo(session)
    ensure_demo_accounts(session)
    session.commit()
    user = session.scalar(select(User).where(User.email == "samordnare@hallsberg.example"))
    actor = actor_for(session, user)
    area = session.scalar(select(Area).where(Area.kind == "municipality"))
    org = session.scalar(select(Organisation).where(Organisation.kind == "kommun"))
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    pattern = library.add_pattern(session, actor, {
        "theme": TEXT, "text": TEXT, "source": TEXT, "parties": ["kommun", "polis"],
        "indicator": "count_per_month:klotter", "fits": TEXT[:60]})
    plan = service.create_plan(session, actor, area.id, {
        "title": TEXT, "period_start": today - timedelta(days=60),
        "period_end": today + timedelta(days=300), "decided_by": TEXT[:200]})
    cause = service.add_cause(session, actor, plan.id, {
        "text": TEXT, "link_kind": "lineage", "link_ref": TEXT[:100],
        "link_label": f"Hot spot vid {TEXT}"[:300]})
    other = service.add_cause(session, actor, plan.id, {
        "text": TEXT, "finding": f"category_trend|klotter|{TEXT}"})
    for c in (cause, other):
        row = service.add_row(session, actor, c.id, {
            "measure": TEXT, "indicator": TEXT, "indicator_kind": "count_per_month",
            "indicator_ref": "klotter", "target": TEXT, "contact_role": TEXT[:200],
            "organisation_id": org.id, "activity_pattern_id": pattern.id})
        service.judge_row(session, actor, row.id, {"judgement": "yellow",
                                                  "judgement_note": TEXT})
    service.create_row_action(session, actor, row.id, {
        "title": TEXT, "organisation_id": org.id, "starts_on": today - timedelta(days=30)})
    session.commit()
    return plan.id, row.id


def test_no_plan_payload_runs(page, live_server, e2e_session):
    plan_id, row_id = store_payloads(e2e_session)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server)
    base = f"{live_server}/atgardsplan"
    paths = [base, f"{base}/{plan_id}", f"{base}/{plan_id}/status",
             f"{base}/uppfoljning", f"{live_server}/aktiviteter",
             f"{base}/{plan_id}/rader/{row_id}/andra"]
    paths += [f"{base}/{plan_id}/medborgarloften?layout={key}" for key in LAYOUTS]
    for url in paths:
        visit(page, url)
        assert page.evaluate("window.__xss") is None, url
    visit(page, f"{base}/{plan_id}")
    assert TEXT.split(" ")[0] in page.locator("main").inner_text()

    # The promise saved from the plan carries the texts onto its page.
    visit(page, f"{base}/{plan_id}/medborgarloften?layout=hallsberg")
    page.click("button:has-text('Spara som medborgarlöfte')")
    page.wait_for_load_state("load")
    assert "/promises/" in page.url and page.evaluate("window.__xss") is None
    assert TEXT.split(" ")[0] in page.locator("#planens-rader").inner_text()

    # The HTML export opened without any CSP: only its escaping stands between.
    res = page.request.get(f"{base}/{plan_id}.html")
    assert res.status == 200
    body = res.text()
    for breaker in ("<script>alert", "<img src=x", "<svg onload"):
        assert breaker not in body
    page.set_content(body, wait_until="load")
    assert page.evaluate("window.__xss") is None
    # The XLSX never starts a cell like a formula; the Markdown escapes markup.
    wb = load_workbook(io.BytesIO(page.request.get(f"{base}/{plan_id}.xlsx").body()))
    assert not any(c.data_type == "f" for ws in wb.worksheets for r in ws.iter_rows()
                   for c in r)
    md = page.request.get(f"{base}/{plan_id}.md").text()
    assert not re.search(r"(?<!\\)<(script|img|svg)", md)
    # No user text inside any script of the plan page.
    visit(page, f"{base}/{plan_id}")
    for script in page.locator("script").all_inner_texts():
        assert not any(b in script for b in SCRIPT_BREAKERS[:4] if b in TEXT), script[:200]
    assert dialogs == []
    assert page.evaluate("window.__csp") == []
