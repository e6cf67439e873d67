"""A trygghetsvandring on a phone (390 × 844, touch): plan the walk, draw the route by tapping and
record it from the phone's positions ("Starta spår"), open the sheet at "Använd min position",
add three observations with ratings by tapping the map, finish, add a proposal and turn it into
an action, then see the observations on the review map and in the lägesbild counts."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import from_shape, to_shape
from PIL import Image
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select

from est.models import (
    Action,
    Area,
    Organisation,
    Photo,
    Report,
    User,
    Walk,
    WalkObservation,
)
from est.photos import read_photo
from est.review import Week
from est.services.users import DEMO_PASSWORD, hash_password
from tests.e2e.waiting import sign_in, wait_for_js

pytestmark = pytest.mark.e2e
TZ = "Europe/Stockholm"
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
EMAIL = "samordnare@hallsberg.example"


def seed(session) -> None:
    """A municipality (a box around Hallsberg), its kommun and one coordinator; no reports."""
    area = Area(kind="municipality", code="1861", name="Hallsberg",
                geom=from_shape(MultiPolygon([box(15.05, 59.03, 15.17, 59.10)]), srid=4326))
    session.add(area)
    session.flush()
    org = Organisation(name="Hallsbergs kommun", kind="kommun", area_id=area.id)
    session.add(org)
    session.flush()
    session.add(User(email=EMAIL, name="Samordnare", role="coordinator", organisation_id=org.id,
                     password_hash=hash_password(DEMO_PASSWORD)))
    session.commit()


def tap_map(page, x: float, y: float) -> None:
    page.locator("#walk-map").tap(position={"x": x, "y": y})


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), (90, 110, 130))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 3.0, 50.0), 3: "E", 4: (15.0, 6.0, 40.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_walk_on_a_phone_counts_in_review_and_lagesbild(browser, live_server, e2e_session,
                                                        tmp_path, monkeypatch):
    monkeypatch.setenv("EST_PHOTO_DIR", str(tmp_path / "photos"))
    seed(e2e_session)
    context = browser.new_context(**PHONE, permissions=["geolocation"],
                                  geolocation={"latitude": 59.0651, "longitude": 15.1122})
    page = context.new_page()
    sign_in(page, live_server, EMAIL)

    page.goto(f"{live_server}/vandringar/ny")
    page.fill("#f-title", "Kvällsvandring i centrum")
    page.select_option("#f-light", "skymning")
    page.fill("input[name=total]", "9")
    page.fill("input[name=gender_kvinna]", "5")
    page.locator("#walk-save").tap()
    page.wait_for_url(re.compile(r"/vandringar/\d+/telefon$"))
    walk_id = int(re.search(r"/vandringar/(\d+)/", page.url).group(1))
    page.locator("#walk-map .leaflet-tile-pane").wait_for(state="attached")
    box_ = page.locator("#walk-map").bounding_box()
    assert box_ is not None and box_["width"] == 390  # full width on the phone

    # The route: "Rita rutt", three taps, "Spara rutt".
    page.locator("#walk-draw").tap()
    for x, y in ((120, 330), (195, 380), (270, 430)):
        tap_map(page, x, y)
    page.locator("#walk-draw-save").tap()
    wait_for_js(page, "document.getElementById('walk-status').textContent === 'Rutten sparad.'")

    # "Starta spår": the phone's positions extend the route (sent in batches, and on stop).
    page.locator("#walk-track").tap()
    for lat, lon in ((59.0655, 15.1126), (59.0660, 15.1131), (59.0666, 15.1137)):
        context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 8})
        page.wait_for_timeout(300)
    page.locator("#walk-track").tap()
    wait_for_js(page, "document.getElementById('walk-status').textContent"
                      " === 'Spårningen stoppad.'")
    deadline = time.monotonic() + 10
    while True:
        e2e_session.expire_all()
        route = e2e_session.get(Walk, walk_id).route
        points = len(to_shape(route).coords) if route is not None else 0
        if points >= 6 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert points >= 6, points  # three drawn + the tracked positions
    # "Använd min position" opens the sheet at the phone's position.
    page.locator("#walk-here").tap()
    page.locator("#obs-form").wait_for(state="visible")
    assert page.input_value("#obs-lat") == "59.066600"
    page.locator("#obs-cancel").tap()

    # Three observations, each a tap on the map and a few taps in the sheet.
    spots = ((130, 340), (200, 390), (260, 420))
    timings = []
    for n, (x, y) in enumerate(spots, start=1):
        started = time.monotonic()
        tap_map(page, x, y)
        page.locator("#obs-form").wait_for(state="visible")
        page.locator("label:has(#safety-2)").tap()
        page.locator("label:has(#rating-lighting-0)").tap()
        page.locator("label:has(#rating-people-1)").tap()
        page.locator("label:has(#reason-belysning)").tap()
        if n == 1:
            page.fill("#obs-note", "Trasig gatlampa vid gångtunneln")
            page.set_input_files("#obs-photo", files=[{
                "name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_with_gps()}])
        page.locator("#obs-save").tap()
        wait_for_js(page, f"document.getElementById('walk-status').textContent"
                          f" === 'Observation {n} sparad.'")
        timings.append(time.monotonic() - started)
        assert page.locator("#obs-form").is_hidden()
    assert max(timings) < 15, timings
    print(f"seconds per observation (tap to saved): {[round(t, 2) for t in timings]}")
    assert page.locator(".obs-dot").count() == 3
    # Each button in the sheet is a big touch target (at least 44 × 44 CSS pixels).
    tap_map(page, 150, 360)
    size = page.locator("label:has(#safety-3) span").bounding_box()
    assert size is not None and size["height"] >= 44 and size["width"] >= 44
    page.locator("#obs-cancel").tap()

    # Finishing while the track is recording keeps its last positions.
    page.locator("#walk-track").tap()
    context.set_geolocation({"latitude": 59.0672, "longitude": 15.1145, "accuracy": 8})
    page.wait_for_timeout(300)
    page.locator("#walk-finish").tap()
    page.wait_for_url(re.compile(rf"/vandringar/{walk_id}\?notice=finished"))
    e2e_session.expire_all()
    last = to_shape(e2e_session.get(Walk, walk_id).route).coords[-1]
    assert (round(last[0], 4), round(last[1], 4)) == (15.1145, 59.0672)
    assert "Vandringen är avslutad" in page.locator("main").inner_text()
    assert page.locator("#observation-table tbody tr[id^=obs-]").count() == 3
    assert "Trasig gatlampa vid gångtunneln" in page.locator("#observation-table").inner_text()
    ratings = page.locator("#ratings-table").inner_text()
    assert re.search(r"Belysning\s+3\s+0", ratings)  # three rated, mean 0
    page.locator(".walk-report-map .obs-dot").first.wait_for()
    assert page.locator(".walk-report-map .obs-dot").count() == 3

    # A proposal for observation 1, turned into an action.
    page.locator("details summary", has_text="Lägg till åtgärdsförslag för 1").tap()
    page.locator("textarea[id^=measure-]").first.fill("Byt belysning i gångtunneln")
    page.locator("details[open] button[type=submit]").tap()
    page.wait_for_url(re.compile(r"notice=saved"))
    page.locator("button[id^=to-action-]").first.tap()
    page.wait_for_url(re.compile(r"/atgarder/\d+$"))
    link = page.locator("#walk-proposal-link")
    assert "Kvällsvandring i centrum" in link.inner_text()
    action = e2e_session.scalars(select(Action)).one()
    assert action.title == "Byt belysning i gångtunneln"

    observations = e2e_session.scalars(select(WalkObservation)).all()
    reports = e2e_session.scalars(select(Report)).all()
    assert len(observations) == 3 and len(reports) == 3
    assert {r.source for r in reports} == {"trygghetsvandring"}
    with_photo = [o for o in observations if o.photo_id]
    assert len(with_photo) == 1
    stored = Image.open(io.BytesIO(read_photo(e2e_session.get(Photo, with_photo[0].photo_id))))
    assert stored.size == (2048, 1365) and len(stored.getexif()) == 0  # shrunk, no GPS

    # The review map of this week: the three reports are its points and count in its total.
    today = datetime.now(ZoneInfo(TZ)).date()
    week = Week.containing(today, TZ)
    page.goto(f"{live_server}/granskning/{week.slug}")
    main = page.locator("main").inner_text()
    assert "3 rapporter hittills" in main, main[:600]
    html = page.content()
    for r in reports:
        lat = e2e_session.scalar(select(Report.geom.ST_Y()).where(Report.id == r.id))
        assert f"{lat:.5f}"[:7] in html  # each observation is a point of the map layer

    # The lägesbild of the last seven days counts them too.
    page.goto(f"{live_server}/lagesbild?from={(today - timedelta(days=6)).isoformat()}"
              f"&to={today.isoformat()}")
    text = page.locator("main").inner_text()
    assert re.search(r"Dålig belysning\s+3", text), text[:1500]
    context.close()
