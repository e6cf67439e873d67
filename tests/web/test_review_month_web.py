"""The monthly review page and the week page's notes on imprecise times (Swedish, local)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Europe/Stockholm")
THIN = "\u2009"


def local(y, m, d, h=0):
    return datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def coordinator(make_area, make_organisation, sign_in, make_report):
    area = make_area()
    org = make_organisation("Hallbo AB", "bostadsbolag", area=area)
    for _ in range(3):
        make_report(area=area, occurred_at=local(2026, 10, 28, 14))
    for _ in range(4):
        make_report(area=area, occurred_at=local(2026, 10, 30), time_precision="day")
    for _ in range(5):
        make_report(area=area, occurred_at=local(2026, 11, 1), time_precision="month",
                    code="belysning")
    make_report(area=area, occurred_at=local(2026, 11, 10, 9))
    sign_in("coordinator", org)
    return area


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def test_week_page_says_what_it_did_with_imprecise_times(client, coordinator):
    res = client.get("/granskning/2026-W44")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    text = _text(html)
    assert ("4 av veckans rapporter har bara datum (ingen tid): de ingår i kartan och "
            "platserna men inte i veckodag × timme.") in text
    assert ("5 rapporter är daterade bara till månad (nov 2026): de visas i månadsvyn .") \
        in text
    assert 'href="/granskning/2026-11">månadsvyn</a>' in html
    assert 'href="/granskning/2026-10"' in html and "Månadsvy november 2026" in text
    assert "Dålig belysning" not in text.split("Per kategori", 1)[1]  # not counted here
    assert re.search(r"<strong>7</strong>\s*rapporter denna vecka", html)


def test_month_page_is_the_same_page_by_month(client, coordinator):
    res = client.get("/granskning/2026-11")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    text = _text(html)
    assert "EST-granskning: november 2026" in text
    assert 'rel="prev">← oktober 2026' in html and "december 2026 →" in html
    assert "Veckogranskning vecka" in text  # back to a week
    assert "6 rapporter denna månad" in text  # 5 month-dated + 1 on the 10th
    assert "mot förra månaden: 7" in text and "samma månad i fjol: saknas" in text
    assert ("5 rapporter är daterade bara till månad (nov 2026): de ingår i kartan, "
            "platserna och summorna") in text
    totals = text.split("Per kategori", 1)[1]
    assert "Dålig belysning" in totals and "Samma månad i fjol" in totals
    assert "Förra månaden" in totals


def test_month_in_progress_says_so(client, coordinator, app):
    now = datetime.now(TZ)
    slug = f"{now.year}-{now.month:02d}"
    html = client.get(f"/granskning/{slug}").get_data(as_text=True)
    assert "Månaden pågår." in _text(html)


@pytest.mark.parametrize("slug", ["2026-13", "1999-12", "2026-00"])
def test_bad_month_is_a_404_in_swedish(client, coordinator, slug):
    res = client.get(f"/granskning/{slug}")
    assert res.status_code == 404
    assert "månad" in res.get_data(as_text=True) or "2000" in res.get_data(as_text=True)


def test_month_page_needs_review_rights(client, make_area, make_organisation, sign_in):
    area = make_area()
    assert client.get("/granskning/2026-11").status_code == 302
    sign_in("reporter", make_organisation(area=area))
    assert client.get("/granskning/2026-11").status_code == 403


def test_month_page_draws_reports_with_the_thin_space_formatter(client, coordinator,
                                                                make_report):
    for _ in range(1200):
        make_report(area=coordinator, occurred_at=local(2026, 11, 1), time_precision="month")
    text = _text(client.get("/granskning/2026-11").get_data(as_text=True))
    assert f"1{THIN}206 rapporter denna månad" in text
    assert f"1{THIN}205 rapporter är daterade bara till månad" in text
