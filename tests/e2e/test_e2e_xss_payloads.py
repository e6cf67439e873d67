"""The shared payloads (tests/payloads.py) in every free-text field, then every page, map,
HTML export and API that shows them in headless Chromium: no dialog opens, no script runs."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from est.models import Area, Category, Organisation, Report
from est.models.audit import Place
from est.models.review import Decision, Review
from tests.payloads import combined

from .test_e2e_csp import RECORD_VIOLATIONS, seed, staff_paths, visit
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TEXT = combined(200)


def store_payloads(session) -> dict:
    """Seed the demo with TEXT in every free-text field; return the ids of the pages."""
    ids = seed(session, TEXT)  # action title/description/contact/place, promise texts
    week = ids["week"]
    for n, area in enumerate(session.scalars(select(Area)).all()):
        area.name = f"{n} {TEXT}"[:200]
    for n, org in enumerate(session.scalars(select(Organisation)).all()):
        org.name = f"{n} {TEXT}"[:200]
    session.execute(update(Category).values(label_sv=TEXT, label_en=TEXT))
    session.execute(update(Place).values(name=TEXT))
    session.execute(update(Report).values(description=TEXT, contact=TEXT))
    area = session.scalars(select(Area).where(Area.kind == "municipality")).first()
    assert area is not None
    review = Review(area_id=area.id, iso_year=week.year, iso_week=week.week, notes=TEXT)
    session.add(review)
    session.flush()
    session.add(Decision(review_id=review.id, text=TEXT, action_id=ids["action"]))
    session.commit()
    return ids


@pytest.fixture
def category_labels(e2e_engine):
    """Put the category labels back afterwards: the e2e database keeps categories."""
    with e2e_engine.connect() as conn:
        saved = conn.execute(select(Category.id, Category.label_sv, Category.label_en)).all()
    yield
    with e2e_engine.begin() as conn:
        for cid, sv, en in saved:
            conn.execute(update(Category).where(Category.id == cid)
                         .values(label_sv=sv, label_en=en))


def test_no_payload_runs_anywhere(page, live_server, e2e_session, category_labels):
    ids = store_payloads(e2e_session)
    started = time.monotonic()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    slug = ids["week"].slug
    public = ["/", "/rapportera", "/open311/v2/requests.json", "/open311/v2/services.json"]
    extra = ["/api/v1/reports.geojson", "/api/v1/cells.geojson", "/api/v1/hotspots.geojson",
             f"/granskning/{slug}?format=html"]
    for path in public:
        visit(page, live_server + path)
        assert page.evaluate("window.__xss") is None, path
    sign_in(page, live_server)
    for path in staff_paths(ids) + extra:
        visit(page, live_server + path)
        assert page.evaluate("window.__xss") is None, path
    # The text is there, shown as text: on the review page and in its map's tooltips.
    visit(page, f"{live_server}/granskning/{slug}")
    assert TEXT.split(" ")[0] in page.locator("main").inner_text()
    page.locator(".action-marker").first.dispatch_event("mouseover")
    tip = page.locator(".leaflet-tooltip").first.inner_text()
    assert "<img src=x onerror=alert(1)>" in tip
    # The HTML exports, opened without any CSP: only their escaping stands between.
    for path in ("/lagesbild/export.html", f"/promises/{ids['promise']}/followup.html"):
        res = page.request.get(live_server + path)
        assert res.status == 200 and "html" in res.headers["content-type"], path
        page.set_content(res.text(), wait_until="load")  # no CSP: escaping alone
        assert page.evaluate("window.__xss") is None, path
    assert dialogs == []
    assert time.monotonic() - started < 90
