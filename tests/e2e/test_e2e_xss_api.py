"""The shared payloads (tests/payloads.py) through the new API outputs in headless Chromium:
the bulk exports, a problem document that echoes the path, and a webhook URL. No dialog opens,
no script runs; the CSV never starts a cell with a formula character."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import select, update

from est import webhooks
from est.models import Organisation, Report
from tests.payloads import PAYLOADS, combined

from .test_e2e_csp import RECORD_VIOLATIONS, seed
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TEXT = combined(200)


def test_api_outputs_never_run_a_payload(page, live_server, e2e_session, monkeypatch):
    seed(e2e_session, TEXT)
    e2e_session.execute(update(Report).values(description=TEXT))
    org = e2e_session.scalars(select(Organisation).order_by(Organisation.id)).first()
    assert org is not None
    monkeypatch.setenv("EST_WEBHOOK_ALLOW_PRIVATE", "1")
    hook, _secret = webhooks.add_webhook(
        e2e_session, org.id, 'http://127.0.0.1:9/"><svg/onload=alert(1)>')
    e2e_session.commit()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    for payload in PAYLOADS[:4]:  # echoed as `instance` of a 404 problem
        response = page.goto(f"{live_server}/api/v1/{quote(payload, safe='')}")
        assert response is not None and response.status == 404
        assert response.headers["content-type"].startswith("application/problem+json")
    sign_in(page, live_server)
    since = "from=2000-01-01"
    response = page.goto(f"{live_server}/api/v1/reports.geojson?{since}&limit=50")
    assert response is not None and response.status == 200
    assert "<img src=x onerror=alert(1)>" in response.text()  # JSON text, not markup
    assert page.evaluate("window.__xss") is None
    # The streamed exports are downloads in a browser (no HTML type, nosniff): read them.
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for path in ("reports.geojsonseq", "reports.ndjson", "reports.csv"):
        exported = requests.get(f"{live_server}/api/v1/{path}?{since}", cookies=cookies,
                                timeout=60)
        assert exported.status_code == 200, path
        assert "html" not in exported.headers["Content-Type"], path
        assert exported.headers["X-Content-Type-Options"] == "nosniff", path
        assert "<img src=x onerror=alert(1)>" in exported.text, path
    rows = list(csv.reader(io.StringIO(exported.text.removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) > 1 and any(TEXT in cell for row in rows for cell in row)
    assert not any(cell[:1] in "=+@" and cell for row in rows for cell in row)
    assert dialogs == [] and hook.id
