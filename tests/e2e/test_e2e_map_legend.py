"""Maps people can read, in Chromium: category colour legend, a kilometre-only scale,
district names drawn as labels, hot spots ringed when too small to see; and the lägesbild
PDF's map page with a basemap from a loopback tile server, rasterised for the README."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from est.demo import DEMO_CODE, load_demo
from est.lagesbild import build_lagesbild, charts
from est.lagesbild.render import render
from est.models import Area, Category
from est.review import Week
from est.services.users import ensure_demo_accounts
from est.taxonomy import DEFAULT_CATEGORIES
from tests.e2e.waiting import sign_in
from tests.tileserver import serve_tiles

pytestmark = pytest.mark.e2e
TZ = "Europe/Stockholm"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"




def _districts(session) -> list[str]:
    return sorted(session.scalars(select(Area.name).where(Area.kind == "district")))


def _scale_is_metric(page) -> None:
    scale = page.locator(".leaflet-control-scale-line")
    scale.first.wait_for()
    assert scale.count() == 1  # one bar: metres or kilometres, no miles or feet
    text = scale.first.inner_text().strip()
    assert text.endswith(" m") or text.endswith(" km"), text


def test_review_map_legend_scale_district_labels_and_rings(page, live_server, e2e_session):
    load_demo(e2e_session)
    ensure_demo_accounts(e2e_session)
    sign_in(page, live_server)
    week = Week.containing(datetime.now(ZoneInfo(TZ)).date() - timedelta(days=7), TZ)
    page.goto(f"{live_server}/granskning/{week.slug}")
    page.locator(".leaflet-overlay-pane path").first.wait_for()

    legend = page.locator(".map-legend")
    assert "Kategorier (färg)" in legend.inner_text()
    swatches = legend.locator("ul.cols li")
    assert swatches.count() >= 3
    # Each category row has the colour its reports are drawn in on the canvas.
    colours = {s.evaluate("e => getComputedStyle(e.querySelector('.swatch')).backgroundColor")
               for s in swatches.all()}
    assert len(colours) == swatches.count()
    assert "Händelse (fylld)" in legend.inner_text() and "Otrygghet (ring)" in legend.inner_text()

    _scale_is_metric(page)
    labels = sorted(t.strip() for t in page.locator(".map-label").all_inner_texts())
    assert labels == _districts(e2e_session)

    # Zoom out to the whole municipality: small hot spots get a ring in their class colour.
    page.evaluate("window.estMap.setZoom(11, {animate: false}); null")
    page.locator("path.hs-ring").first.wait_for()
    rings = page.locator("path.hs-ring").count()
    assert 1 <= rings <= page.locator("li.hotspot").count()
    # Up close the polygons show the extent: (without animation zoomend fires at once).
    page.evaluate("window.estMap.setZoom(18, {animate: false}); null")
    assert page.evaluate("document.querySelectorAll('path.hs-ring').length") < rings


def test_lagesbild_page_and_home_have_scale_and_district_names(page, live_server,
                                                               e2e_session):
    load_demo(e2e_session)
    ensure_demo_accounts(e2e_session)
    sign_in(page, live_server)
    page.goto(f"{live_server}/lagesbild")
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    _scale_is_metric(page)
    assert sorted(page.locator(".map-label").all_inner_texts()) == _districts(e2e_session)
    assert "Otrygg plats" in page.locator(".map-legend").inner_text()
    page.goto(f"{live_server}/")
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    _scale_is_metric(page)
    assert sorted(page.locator(".map-label").all_inner_texts()) == _districts(e2e_session)


def test_lagesbild_pdf_map_page_screenshot(e2e_session, tmp_path):
    """Write docs/screenshots/lagesbild-map.png and lagesbild-map-detail.png: the PDF's map
    pages (the overview, and the detail of the town where the places pile up), tiles from a
    loopback tile server."""
    from est.printmap import TileSource

    load_demo(e2e_session)
    # Categories outlive each e2e test (and the XSS test rewrites their labels): the picture
    # in the README shows the real Swedish labels.
    for code, _kind, label_sv, label_en in DEFAULT_CATEGORIES:
        e2e_session.execute(update(Category).where(Category.code == code)
                            .values(label_sv=label_sv, label_en=label_en))
    e2e_session.commit()
    today = datetime.now(ZoneInfo(TZ)).date()
    last = Week.containing(today - timedelta(days=7), TZ)
    lb = build_lagesbild(e2e_session, area_code=DEMO_CODE, start=last.monday - timedelta(weeks=7),
                         end=last.sunday, audience="partner", tz=TZ)
    with serve_tiles() as server:
        lb = charts.printed_map(lb, TileSource(server.url, tmp_path / "tiles"),
                                "Testkarta: genererade rutor från testernas tile-server")
        assert server.requests
    pdf = tmp_path / "lagesbild.pdf"
    pdf.write_bytes(render(lb, "pdf"))
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                           text=True).stdout.split("\f")
    number = next(i for i, p in enumerate(pages, start=1)
                  if "Karta över hot spots (brännpunkter) och otrygga platser" in p)
    assert "Bakgrundskarta saknas" not in pages[number - 1]
    assert "<script" not in "".join(pages)
    detail = next(i for i, p in enumerate(pages, start=1) if "Detaljkarta: " in p)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for page_no, name in ((number, "lagesbild-map"), (detail, "lagesbild-map-detail")):
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", str(page_no), "-l",
                        str(page_no), "-singlefile", str(pdf), str(SHOTS / name)], check=True)
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
