"""Lägesbild: hand-computed numbers in every export, read-back of PDF/DOCX, privacy."""

import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import insert

from est.errors import NotFound, ValidationError
from est.lagesbild import build_lagesbild, render
from est.lagesbild.render import to_csv, to_markdown
from est.lagesbild.suppress import SECONDARY, SMALL, Hidden, suppress, suppress_matrix
from est.models import report_reason

TZ = ZoneInfo("Europe/Stockholm")
START, END = date(2025, 3, 1), date(2025, 4, 30)  # 61 days
SECRETS = ("anna.secret@example.se", "SECRET-DESC-xyz", "SECRET-NOTE-abc", "070-1234567")
STATION = (15.1122, 59.0651)
TORGET = (15.1088, 59.0672)
TUNNEL = (15.1160, 59.0638)


def at(y, m, d, h=12):
    return datetime(y, m, d, h, 0, tzinfo=TZ)


@pytest.fixture
def fixture_reports(make_area, make_organisation, make_report, category, db_session):
    """A small literal report set; expected figures are worked out by hand in the tests."""
    area = make_area()
    make_area("1861-01", "Hallsberg tätort", "district", (15.09, 59.055, 15.13, 59.08), area)
    hallbo = make_organisation("Hallbo AB", "bostadsbolag", area=area)
    police = make_organisation("Polisen LPO Hallsberg", "polis", area=area)
    secret = {"contact": SECRETS[0], "description": SECRETS[1], "internal_note": SECRETS[2]}

    def rep(n, point, code, when, **kw):
        out = []
        for _ in range(n):
            out.append(make_report(*point, code=code, occurred_at=when, area=area,
                                   reported_at=when + timedelta(hours=1), **{**secret, **kw}))
        return out

    first = rep(6, STATION, "klotter", at(2025, 3, 10), organisation_id=hallbo.id)  # Mon 12
    rep(4, STATION, "klotter", at(2025, 4, 10), organisation_id=hallbo.id)  # Thu 12
    rep(2, STATION, "klotter", at(2025, 4, 10), organisation_id=hallbo.id,
        time_precision="window", occurred_until=at(2025, 4, 10, 14))
    rep(5, STATION, "skadegorelse", at(2025, 3, 11, 14), organisation_id=police.id)  # Tue 14
    rep(5, STATION, "skadegorelse", at(2025, 4, 11, 14), organisation_id=police.id)  # Fri 14
    rep(3, TORGET, "narkotika", at(2025, 4, 12, 22), source="public", status="published")
    tunnel = rep(5, TUNNEL, "belysning", at(2025, 3, 20, 20), source="public",
                 status="published")
    rep(5, TORGET, "klotter", at(2025, 4, 20), source="public", status="pending")
    rep(1, STATION, "klotter", at(2025, 3, 10), organisation_id=hallbo.id,
        duplicate_of=first[0].id)
    rep(10, STATION, "klotter", at(2025, 2, 10), organisation_id=hallbo.id)  # previous period
    rep(8, STATION, "klotter", at(2024, 3, 5), organisation_id=hallbo.id)  # last year
    rep(5, STATION, "skadegorelse", at(2024, 4, 5), organisation_id=police.id)
    bel, ode = category("belysning").id, category("ode_plats").id
    rows = [{"report_id": r.id, "category_id": bel} for r in tunnel]
    rows += [{"report_id": r.id, "category_id": ode} for r in tunnel[:2]]
    db_session.execute(insert(report_reason), rows)
    db_session.flush()
    return area


def build(db_session, **kw):
    return build_lagesbild(db_session, area_code="1861", start=START, end=END,
                           today=date(2025, 6, 1), hotspots=False, **kw)


def row(table, label):
    return next(r for r in table.rows if r[0] == label)


def assert_protected(table, first_value_col, last_value_col):
    """No row of a table published with its sum has exactly one hidden cell."""
    for r in table.rows:
        hidden = [v for v in r[first_value_col:last_value_col + 1] if isinstance(v, Hidden)]
        assert len(hidden) != 1, r


# -- suppression (pure) ------------------------------------------------------------------------

def test_suppress_hides_small_and_protects_sums():
    out = suppress({"tot": 13, "a": 10, "b": 3}, [("tot", ["a", "b"])], 5)
    assert out == {"tot": 13, "a": SECONDARY, "b": SMALL}  # the smaller partner is hidden
    body, rows, cols, total = suppress_matrix([[6, 3], [5, 5]], 5)
    assert body[0][1] == SMALL and total == 19
    for line in ([*body[0], rows[0]], [*body[1], rows[1]], [body[0][0], body[1][0], cols[0]],
                 [body[0][1], body[1][1], cols[1]]):
        assert sum(isinstance(v, Hidden) for v in line) != 1
    assert suppress({"a": 0, "b": 4}, [], 5) == {"a": 0, "b": SMALL}
    assert suppress({"a": 2}, [], 1) == {"a": 2}


# -- numbers -----------------------------------------------------------------------------------

def test_numbers_match_hand_computed_fixture(db_session, fixture_reports):
    lb = build(db_session)
    # Counted: klotter 12, skadegörelse 10, narkotika 3, belysning 5 = 30 (pending 5 and the
    # duplicate are not counted).
    assert "30 rapporter: 25 händelser och 5 om otrygga platser" in lb.section(
        "summary").paragraphs[0]
    months = lb.table("by_month")
    assert months.columns[2:] == ["mar 2025", "apr 2025", "Summa"]
    assert row(months, "Totalt")[2:] == [16, 14, 30]
    assert row(months, "Summa händelser")[2:] == [11, 14, 25]
    assert row(months, "Dålig belysning")[2:] == [5, 0, 5]
    assert row(months, "Narkotika")[2:] == [0, SMALL, SMALL]
    assert_protected(months, 2, 4)
    compare = lb.table("compare")
    # klotter: 12 now, 10 in 2024-12-30 … 2025-02-28, 8 in March–April 2024.
    assert row(compare, "Klotter")[2:] == [12, 10, "+20 %", 8, "+50 %"]
    assert row(compare, "Totalt")[2:] == [30, 10, "+200 %", 13, "+131 %"]
    assert compare.note.startswith("Föregående period: 2024-12-30 – 2025-02-28")

    when = lb.table("weekday_hour")
    assert row(when, "Mån")[1:] == [0, 0, 0, 0, 6, 0, 0, 0, 6]  # 6 klotter Monday 12:00
    assert row(when, "Tor")[5] == SMALL  # 4 klotter with exact time on Thursday 12:00
    assert row(when, "Summa")[-1] == 28  # 30 minus 2 with only a time window
    assert_protected(when, 1, 9)

    reasons = lb.table("otrygghet_reasons")
    assert row(reasons, "Dålig belysning")[1] == 5
    assert row(reasons, "Öde plats, få människor")[1] == SMALL
    places = lb.table("otrygghet_places")
    assert places.rows[0][:2] == ["Hallsberg tätort", 5]  # no named place: the district

    sources = lb.table("sources")
    assert row(sources, "Hallbo AB")[-1] == 12
    assert row(sources, "Polisen LPO Hallsberg")[-1] == 10
    assert row(sources, "Summa")[-1] == 30
    assert_protected(sources, 1, len(sources.columns) - 1)

    quality = dict(lb.table("quality").rows)
    assert quality["Rapporter som räknas"] == 30
    assert quality["Andel utan exakt tidpunkt (tidsfönster eller okänd)"] == "7 %"  # 2/30
    assert quality["Väntar på granskning (räknas inte)"] == 5
    assert quality["Dubbletter borttagna"] == SMALL  # 1


def test_every_format_carries_the_same_numbers(db_session, fixture_reports):
    lb = build(db_session)
    md = to_markdown(lb)
    assert "| Klotter | Händelser | 12 | 10 | +20 % | 8 | +50 % |" in md
    assert "| Narkotika | Händelser | 0 | \\<5 | \\<5 |" in md
    html = render(lb, "html").decode()
    assert "<td>Klotter</td><td>Händelser</td><td class=\"num\">12</td>" in html
    assert html.count("data:image/png;base64,") >= 3
    csv_text = to_csv(lb).decode("utf-8-sig")
    assert csv_text.startswith("Område;Kommunkod;Från;Till;Avsnitt;Tabell;Rad;Kolumn;Värde\r\n")
    assert ("Hallsberg;1861;2025-03-01;2025-04-30;Rapporter per kategori och månad;"
            "Jämförelse med föregående period och samma period i fjol;Klotter;Perioden;12\r\n"
            ) in csv_text
    assert ";Rapporter per kategori och månad;Narkotika;apr 2025;<5\r\n" in csv_text
    assert ";Datakvalitet;Väntar på granskning (räknas inte);Värde;5\r\n" in csv_text
    geo = json.loads(render(lb, "geojson"))
    cells = [f for f in geo["features"] if f["properties"]["layer"] == "count_cell"]
    # 250 m cells of incidents: the station cell (12 + 10 = 22) and Torget's 3 (left out).
    assert [c["properties"]["count"] for c in cells] == [22]
    assert geo["properties"]["cells_left_out"] == 1
    places = [f for f in geo["features"] if f["properties"]["layer"] == "otrygghet_place"]
    assert [p["properties"]["count"] for p in places] == [5]

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render(lb, "pdf"))).pages)
    for heading in ("Rapporter per kategori och månad", "Hot spots", "Otrygga platser och skäl",
                    "När: veckodag och tid på dygnet", "Vem rapporterar vad",
                    "Åtgärder och effekt", "Datakvalitet", "Uppföljning av medborgarlöften"):
        assert heading in text
    assert "Klotter Händelser 12 10 +20 % 8 +50 %" in text

    doc = Document(io.BytesIO(render(lb, "docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Datakvalitet" in headings and "Rapporter per kategori och månad" in headings
    compare = next(t for t in doc.tables if t.rows[0].cells[2].text == "Perioden")
    klotter = next(r for r in compare.rows if r.cells[0].text == "Klotter")
    assert [c.text for c in klotter.cells[2:]] == ["12", "10", "+20 %", "8", "+50 %"]
    assert len(doc.inline_shapes) >= 3


def test_no_contact_free_text_or_points_in_any_export(db_session, fixture_reports):
    lb = build(db_session)
    for fmt in ("md", "html", "csv", "geojson"):
        body = render(lb, fmt).decode()
        for secret in SECRETS[:3]:
            assert secret not in body, (fmt, secret)
        for lon, lat in (STATION, TORGET, TUNNEL):  # no single report's position
            assert f"{lon}" not in body and f"{lat}" not in body, fmt
        assert "| 3 |" not in body and ",3\n" not in body  # the 3 narkotika stay hidden
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render(lb, "pdf"))).pages)
    docx = Document(io.BytesIO(render(lb, "docx")))
    docx_text = "\n".join([p.text for p in docx.paragraphs]
                          + [c.text for t in docx.tables for r in t.rows for c in r.cells])
    for secret in SECRETS[:3]:
        assert secret not in pdf_text and secret not in docx_text
    geo = json.loads(render(lb, "geojson"))
    for f in geo["features"]:
        n = f["properties"].get("count")
        assert n is None or n >= lb.min_cell


def test_min_cell_is_configurable(db_session, fixture_reports):
    lb = build(db_session, min_cell=2)
    assert row(lb.table("by_month"), "Narkotika")[2:] == [0, 3, 3]
    lb = build(db_session, min_cell=11)
    assert row(lb.table("compare"), "Klotter")[2:5] == [12, SMALL, None]


def test_hotspots_section_publishes_polygons_not_reports(db_session, fixture_reports,
                                                         make_report):
    for i in range(30):  # a compact cluster so the detector finds a hot spot
        make_report(15.1122 + (i % 5) * 0.0001, 59.0651 + (i // 5) * 0.0001, code="klotter",
                    occurred_at=at(2025, 4, 1 + i % 20, 20), area=fixture_reports,
                    contact=SECRETS[0])
    lb = build_lagesbild(db_session, area_code="1861", start=START, end=END,
                         today=date(2025, 6, 1))
    geo = json.loads(render(lb, "geojson"))
    spots = [f for f in geo["features"] if f["properties"]["layer"] == "hotspot"]
    for f in spots:
        assert f["properties"]["count"] >= 5
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert not {"first", "last", "centroid", "weekly"} & set(f["properties"])
    section = lb.section("hotspots")
    if spots:
        assert section.tables and section.charts
    assert SECRETS[0] not in render(lb, "md").decode()


def test_bad_input_is_rejected(db_session, fixture_reports):
    with pytest.raises(ValidationError):
        build_lagesbild(db_session, area_code="1861", start="2025-13-01", end=END)
    with pytest.raises(ValidationError):
        build_lagesbild(db_session, area_code="1861", start=END, end=START)
    with pytest.raises(NotFound):
        build_lagesbild(db_session, area_code="9999", start=START, end=END)
    with pytest.raises(ValidationError):
        render(build(db_session), "xls")
