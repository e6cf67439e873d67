"""/rapportera/status: a report's state by receipt reference, nothing else, rate-limited."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from est.models.core import new_receipt_ref
from web import create_app


@pytest.fixture
def area(make_area):
    return make_area()


def result(html: str) -> str:
    match = re.search(r'<div class="receipt" role="status" id="status-result">(.*?)</div>',
                      html, re.S)
    assert match, "no status result on the page"
    return match.group(1)


@pytest.mark.parametrize(("status", "state"), [
    ("pending", "Mottagen"), ("reviewed", "Granskad"), ("new", "Granskad"),
    ("published", "Publicerad"), ("closed", "Åtgärdad"), ("rejected", "Avvisad"),
])
def test_each_state_in_plain_swedish(client, area, make_report, status, state):
    report = make_report(area=area, source="public", status=status,
                         description="Hemlig text om grannen", contact="boende@example.se",
                         occurred_at=datetime(2026, 11, 30, 22, 47, tzinfo=UTC),
                         reject_reason="personal" if status == "rejected" else None)
    ref = f"EST-{report.receipt_ref}"
    response = client.get(f"/rapportera/status?ref={ref}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = result(html)
    assert f'<span id="state">{state}</span>' in shown and ref in shown
    if status == "rejected":
        assert "Skäl:" in shown and "Rapporten handlade om enskilda personer." in shown
    else:
        assert "Skäl:" not in shown
    # never the place, the text, the category, the contact or a time of day
    for secret in ("Hemlig", "boende@", "59.0651", "15.1122", "Klotter", "22:47", "23:47",
                   str(report.id)):
        assert secret not in html
    assert re.search(r"Mottagen: \d{4}-\d{2}-\d{2}<", shown)


def test_reference_is_forgiving_about_case_and_prefix(client, area, make_report):
    report = make_report(area=area, source="public", status="published")
    html = client.get(f"/rapportera/status?ref=est-{report.receipt_ref.lower()}"
                      ).get_data(as_text=True)
    assert "Publicerad" in result(html)
    html = client.get(f"/rapportera/status?ref={report.receipt_ref}").get_data(as_text=True)
    assert "Publicerad" in result(html)


def test_unknown_reference_has_the_same_shape(client, area, make_report):
    known = make_report(area=area, source="public", status="pending")
    unknown = new_receipt_ref()
    assert unknown != known.receipt_ref
    a = client.get(f"/rapportera/status?ref=EST-{known.receipt_ref}")
    b = client.get(f"/rapportera/status?ref=EST-{unknown}")
    assert a.status_code == b.status_code == 200
    assert "Ingen rapport hittades" in result(b.get_data(as_text=True))
    assert 'id="state"' not in b.get_data(as_text=True)


def test_malformed_reference_is_a_400_naming_the_field(client, area):
    response = client.get("/rapportera/status?ref=<script>alert(1)</script>")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'id="ref-error"' in html
    assert "<script>alert" not in html
    assert client.get("/rapportera/status").status_code == 200  # the empty form


def test_status_lookups_are_rate_limited_per_ip(app_config, area):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True,
                      "EST_STATUS_RATE_LIMIT": "3 per minute"})
    try:
        client = app.test_client()
        addr = {"REMOTE_ADDR": "198.51.100.9"}
        codes = [client.get(f"/rapportera/status?ref=EST-{new_receipt_ref()}",
                            environ_base=addr).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        other = client.get(f"/rapportera/status?ref=EST-{new_receipt_ref()}",
                           environ_base={"REMOTE_ADDR": "198.51.100.10"})
        assert other.status_code == 200
        assert client.get("/rapportera/status", environ_base=addr).status_code == 200
    finally:
        app.extensions["est_db"].dispose()


def test_linked_from_receipt_and_form(client, area):
    ref = f"EST-{new_receipt_ref()}"
    receipt = client.get(f"/rapportera/tack/{ref}").get_data(as_text=True)
    assert f'href="/rapportera/status?ref={ref}"' in receipt
    assert 'href="/rapportera/status"' in client.get("/rapportera").get_data(as_text=True)


def test_status_page_in_english(client, area, make_report):
    report = make_report(area=area, source="public", status="rejected", reject_reason="spam")
    client.get("/sprak/en")
    html = client.get(f"/rapportera/status?ref=EST-{report.receipt_ref}").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Status of your report" in html and "Rejected" in result(html)
    client.get("/sprak/sv")
