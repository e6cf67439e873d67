"""The shared payloads in every free-text field of the lägesbild inputs (dialogue title,
participant groups, themes, quotes and place labels; survey titles, area labels and questions
from files; polisen.se event names, summaries, types and places; Brå crime types, Kolada
titles, DeSO names): every /underlag page in headless Chromium runs none of it."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import select

from est.demo import load_demo
from est.models import Area, Category
from est.models.inputs import (
    CrimeStatistic,
    Dialogue,
    DialoguePlace,
    DialogueQuote,
    DialogueTheme,
    KpiValue,
    PoliceEvent,
    Population,
    Survey,
    SurveyResult,
)
from est.services.users import ensure_demo_accounts
from tests.payloads import combined

from .test_e2e_csp import RECORD_VIOLATIONS, visit
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TZ = "Europe/Stockholm"
TEXT = combined(200)


def store_payloads(session) -> int:
    """Seed the demo and one of each input with TEXT in its free text; return a dialogue id."""
    load_demo(session)
    ensure_demo_accounts(session)
    today = datetime.now(ZoneInfo(TZ)).date()
    year_start = date(today.year, 1, 1)
    area = session.scalars(select(Area).where(Area.kind == "municipality")).first()
    klotter = session.scalars(select(Category).where(Category.code == "klotter")).one()
    assert area is not None
    dialogue = Dialogue(area_id=area.id, kind="medborgardialog", title=TEXT, held_on=today,
                        participants=[{"group": TEXT, "count": 12}])
    dialogue.themes = [DialogueTheme(free_theme=TEXT, mentions=2),
                       DialogueTheme(category_id=klotter.id, mentions=1)]
    dialogue.quotes = [DialogueQuote(text=TEXT)]
    dialogue.places = [DialoguePlace(label=TEXT[:200],
                                     geom=from_shape(Point(15.1122, 59.0651), srid=4326))]
    survey = Survey(area_id=area.id, kind="kommun", title=TEXT, period_start=year_start,
                    period_end=date(today.year, 12, 31), source_file=TEXT[:200])
    survey.results = [SurveyResult(area_label=TEXT, question=TEXT, measure="share_agree",
                                   value=62.0, n=400)]
    when = datetime.now(UTC) - timedelta(hours=1)
    deso = Area(kind="deso", code=f"{area.code}C1010", name=TEXT, parent_id=area.id,
                geom=from_shape(MultiPolygon([box(15.10, 59.05, 15.12, 59.07)]), srid=4326))
    session.add_all([
        dialogue, survey, deso,
        PoliceEvent(id=1, occurred_at=when, name=TEXT, summary=TEXT, url=TEXT,
                    type=combined(100),
                    location_name=area.name,
                    geom=from_shape(Point(15.11, 59.066), srid=4326)),
        CrimeStatistic(region_code=area.code, region_name=TEXT, crime_type=TEXT,
                       period_kind="year", period_start=year_start, count=12),
        KpiValue(kpi="N07403", kpi_title=TEXT, region_code=area.code, year=today.year,
                 value=20.1),
        Population(region_kind="deso", region_code=f"{area.code}C1010", year=today.year - 1,
                   count=1800),
    ])
    session.commit()
    return dialogue.id


def test_no_payload_runs_on_the_input_pages(page, live_server, e2e_session):
    dialogue_id = store_payloads(e2e_session)
    started = time.monotonic()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server)
    for path in ("/underlag", "/underlag/dialoger", f"/underlag/dialoger/{dialogue_id}",
                 f"/underlag/dialoger/{dialogue_id}/andra", "/underlag/dialoger/ny",
                 "/underlag/enkater", "/underlag/statistik"):
        visit(page, live_server + path)
        assert page.evaluate("window.__xss") is None, path
    # The text is there, shown as text, in every table of the overview.
    visit(page, f"{live_server}/underlag")
    for table in ("#dialogue-themes", "#survey-results", "#crime-rates", "#kpis",
                  "#area-rates", "#police-types"):
        assert "<img src=x onerror=alert(1)>" in page.locator(table).inner_text(), table
    visit(page, f"{live_server}/underlag/dialoger/{dialogue_id}")
    main = page.locator("main").inner_text()
    assert main.count("<img src=x onerror=alert(1)>") >= 4  # title, group, theme, quote …
    # The edit form gives the stored text back as values, not markup.
    visit(page, f"{live_server}/underlag/dialoger/{dialogue_id}/andra")
    assert page.locator("#title").input_value() == TEXT
    assert page.locator("textarea[name=quote]").first.input_value() == TEXT
    assert dialogs == []
    assert time.monotonic() - started < 60
