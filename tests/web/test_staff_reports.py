"""Staff report list: search by reference and text, filters, paging past 200, map, export."""

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from est.models import Area


@pytest.fixture
def town(db_session, make_area, make_organisation, make_report):
    area = make_area()
    db_session.add(Area(kind="district", code="1861-03", name="Vretstorp", parent_id=area.id,
                        geom=from_shape(MultiPolygon([box(14.86, 59.02, 14.89, 59.04)]),
                                        srid=4326)))
    org = make_organisation("Hallbo AB", "bostadsbolag", area=area)
    base = datetime(2026, 10, 1, 12, tzinfo=UTC)
    for i in range(230):  # more than the old cap of 200
        make_report(area=area, occurred_at=base - timedelta(hours=i), organisation_id=org.id,
                    receipt_ref=f"R{i:07d}", description=f"klotter på vägg {i}")
    make_report(14.872, 59.030, area=area, code="stold", occurred_at=base, source="public",
                status="published", receipt_ref="VRET0001",
                description="=HYPERLINK(\"http://evil.example\") cykel stulen vid 100% säkert")
    return area, org


def count(html):
    return len(re.findall(r'class="ref-cell"', html))


def test_paging_search_and_filters(client, sign_in, town):
    sign_in("coordinator", town[1])
    html = client.get("/personal/rapporter").get_data(as_text=True)
    assert "231 rapporter, sida 1 av 3" in html and count(html) == 100
    html = client.get("/personal/rapporter?page=3").get_data(as_text=True)
    assert count(html) == 31 and 'rel="prev"' in html and 'rel="next"' not in html
    html = client.get("/personal/rapporter?q=EST-VRET0001").get_data(as_text=True)
    assert "1 rapporter" in html and "EST-VRET0001" in html
    html = client.get("/personal/rapporter?q=100%25").get_data(as_text=True)  # % is literal
    assert "1 rapporter" in html
    html = client.get("/personal/rapporter?q=v%C3%A4gg+22").get_data(as_text=True)
    assert "11 rapporter" in html  # 22, 220–229
    html = client.get("/personal/rapporter?district=1861-03&source=public&status=published"
                      "&category=stold").get_data(as_text=True)
    assert "1 rapporter" in html and "EST-VRET0001" in html
    html = client.get("/personal/rapporter?from=2026-10-01&to=2026-10-01").get_data(
        as_text=True)
    # 14:00 back to 00:00 local time (CEST) on 1 Oct: 15 hourly reports + Vretstorp
    assert "16 rapporter" in html
    for bad in ("page=0", "from=0001-01-01", "to=bad", "status=x", "source=x",
                "category=nope", "district=nope", "q=a%00b", "view=x", "format=pdf"):
        res = client.get(f"/personal/rapporter?{bad}", headers={"Accept": "application/json"})
        assert res.status_code == 400, bad
        assert bad.split("=")[0] in res.get_json()["fields"], bad


def test_map_view_and_exports(client, sign_in, town):
    sign_in("coordinator", town[1])
    html = client.get("/personal/rapporter?view=karta&district=1861-03").get_data(as_text=True)
    assert "estMaps.points" in html and "[59.03, 14.872, " in html
    assert "Visa som lista" in html
    csv = client.get("/personal/rapporter?format=csv&q=VRET0001")
    text = csv.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Referens;Inträffade;Typ")
    assert "'=HYPERLINK" in text and len(text.strip().splitlines()) == 2
    xlsx = client.get("/personal/rapporter?format=xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(xlsx.data)).active
    assert ws.max_row == 232  # header + every match, not one page


def test_reporter_finds_only_their_organisations_reports(client, sign_in, town,
                                                         make_organisation):
    other = make_organisation("Polisen", "polis", area=town[0])
    sign_in("reporter", other)
    html = client.get("/personal/rapporter?q=klotter").get_data(as_text=True)
    assert "0 rapporter" in html and count(html) == 0
    sign_in("reporter", town[1])
    assert "230 rapporter" in client.get("/personal/rapporter").get_data(as_text=True)
