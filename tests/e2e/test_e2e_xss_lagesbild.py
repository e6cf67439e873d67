"""The shared payloads in the lägesbild's free-text fields (the group's texts, planned
changes, decision record), typed into the forms, then every page and export that shows them
in headless Chromium: no dialog opens, no script runs, the text is shown as text."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from est.lagesbild.group import TEXTS
from tests.payloads import combined

from .test_e2e_csp import RECORD_VIOLATIONS, seed, visit
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TEXT = combined(200)
SHORT = combined(100)


def no_script_ran(page, where: str) -> None:
    assert page.evaluate("window.__xss") is None, where


def test_no_payload_in_the_lagesbild_runs(page, live_server, e2e_session):
    seed(e2e_session, TEXT)
    started = time.monotonic()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server)
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    period = f"from={today - timedelta(days=28)}&to={today - timedelta(days=1)}"  # short: fast
    visit(page, f"{live_server}/lagesbild?{period}")
    for key in TEXTS:
        page.fill(f"#f-text_{key}", TEXT)
    page.select_option("#f-change_kind_0", "byggnation")
    page.fill("#f-change_text_0", TEXT)
    page.fill("#f-change_place_0", TEXT)
    page.fill("#f-change_when_0", SHORT)
    page.click("#gruppens-texter button[type=submit]")
    page.wait_for_load_state("load")
    no_script_ran(page, "lägesbild after saving the draft")
    assert page.locator("#planned_changes td").filter(has_text="<img src=x onerror=alert(1)>") \
        .count() >= 2  # the change and its place, as text
    assert "x</script><script>alert(1)</script>" in page.locator("#conclusions").inner_text()

    page.click(".lagesbild-save button[type=submit]")
    page.wait_for_load_state("load")
    assert "/lagesbild/versioner/1" in page.url
    page.fill("#f-decided_by", TEXT)
    page.fill("#f-decided_on", today.isoformat())
    page.fill("#f-decision_note", TEXT)
    page.click("#beslut button[type=submit]")
    page.wait_for_load_state("load")
    no_script_ran(page, "version 1 after the decision")
    assert f"Beslutad av {TEXT}" in page.locator(".lagesbild-record").inner_text()

    visit(page, f"{live_server}/lagesbild?{period}")  # a second version with changed texts
    page.fill("#f-text_conclusions", f"{SHORT} ändrad")
    page.click("#gruppens-texter button[type=submit]")
    page.wait_for_load_state("load")
    page.click(".lagesbild-save button[type=submit]")
    page.wait_for_load_state("load")
    assert "/lagesbild/versioner/2" in page.url
    version = page.url.split("?")[0]
    area = page.url.split("area=")[1]
    for path in (f"{version}/jamfor?area={area}", f"{version}?area={area}&audience=public",
                 f"{version}?area={area}&audience=partner",
                 f"{live_server}/lagesbild/versioner?area={area}"):
        visit(page, path)
        no_script_ran(page, path)
    visit(page, f"{version}/jamfor?area={area}")
    assert "<img src=x onerror=alert(1)>" in page.locator(".lb-diff").first.inner_text()
    # The public page, without signing in.
    page.context.clear_cookies()
    visit(page, f"{live_server}/lagesbild/publik?area={area}")
    no_script_ran(page, "public page")
    assert "x</script><script>alert(1)</script>" in page.locator("#conclusions").inner_text()
    # The HTML exports, opened without any CSP: only their escaping stands between.
    sign_in(page, live_server)
    for path in (f"/lagesbild/versioner/1/export.html?area={area}&audience=internal",
                 f"/lagesbild/export.html?area={area}&{period}"):
        res = page.request.get(live_server + path)
        assert res.status == 200 and "html" in res.headers["content-type"], path
        page.set_content(res.text(), wait_until="load")
        no_script_ran(page, path)
    assert dialogs == []
    assert time.monotonic() - started < 120
