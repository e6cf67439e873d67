"""Spreadsheet exports that open in Swedish Excel and never run a cell as a formula.

CSV: ``;`` between fields, UTF-8 with a byte order mark, CRLF, decimal comma. XLSX: one
sheet per table (openpyxl), numbers as numbers, text as text. Text cells that begin like a
formula (``= + - @``, tab or CR; OWASP "CSV injection") get a leading ``'`` in CSV and are
stored as quote-prefixed text in XLSX; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CSV_MEDIA = "text/csv; charset=utf-8"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
# ASCII formula starters (OWASP) and their full-width forms, which some spreadsheets accept.
FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
# A plain signed number (optionally a percentage) cannot be a formula: it stays as it is.
PLAIN_NUMBER = re.compile(r"[+\-\u2212]?\d+(?:[.,]\d+)?(?:[ \u2009\u202f]?%)?")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

Value = int | float | str | None


def safe_cell(value: object) -> Value:
    """Return ``value`` as a spreadsheet cell that cannot be read as a formula.

    Numbers and None pass through; text starting with ``= + - @``, tab or CR gets a leading
    apostrophe, unless it is a plain signed number such as ``-3`` or ``+20 %``.
    """
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value  # type: ignore[return-value]
    text = str(value)
    if text and text[0] in FORMULA_START and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_value(value: object) -> str:
    """Return one CSV field for Swedish Excel: decimal comma, neutralised text."""
    cell = safe_cell(value)
    if cell is None:
        return ""
    if isinstance(cell, float):
        return repr(cell).replace(".", ",") if not cell.is_integer() else str(int(cell))
    return str(cell)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a CSV file for Swedish Excel: ``;``, UTF-8 with BOM, CRLF, safe cells."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([csv_value(c) for c in columns])
    for row in rows:
        w.writerow([csv_value(v) for v in row])
    return (BOM + buf.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    """One table of an XLSX workbook: a title (the sheet name) and rows under a header."""

    title: str
    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)
    note: str = ""


def sheet_name(title: str, taken: set[str]) -> str:
    """Return a valid, unique Excel sheet name (at most 31 characters) for ``title``."""
    base = SHEET_NAME_BAD.sub(" ", title).strip().strip("'")[:31] or "Blad"
    name, i = base, 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name, i = base[:31 - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str = "") -> bytes:
    """Return an XLSX workbook with one sheet per table; numbers as numbers, text as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    if not sheets:
        sheets = [Sheet("Tom", ["Inga tabeller"])]
    for sheet in sheets:
        ws = wb.create_sheet(sheet_name(sheet.title, taken))
        r = 1
        if title:
            _put(ws, r, 1, title).font = Font(bold=True, size=12)
            _put(ws, r + 1, 1, sheet.title).font = Font(bold=True)
            r += 3
        for j, name in enumerate(sheet.columns, start=1):
            _put(ws, r, j, name).font = Font(bold=True)
        header_row = r
        for row in sheet.rows:
            r += 1
            for j, v in enumerate(row, start=1):
                _put(ws, r, j, v)
        if sheet.note:
            _put(ws, r + 2, 1, sheet.note)
        ws.freeze_panes = ws.cell(header_row + 1, 1)
        for j, name in enumerate(sheet.columns, start=1):
            width = max([len(str(name))] + [len(str(row[j - 1])) for row in sheet.rows
                                            if j - 1 < len(row) and row[j - 1] is not None])
            ws.column_dimensions[ws.cell(header_row, j).column_letter].width = min(
                max(width + 2, 8), 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _put(ws, row: int, col: int, value: object):
    """Write one cell: numbers as numbers; any text as text, never as a formula."""
    cell = ws.cell(row, col)
    if value is None:
        return cell
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl would store "=…" as a formula otherwise
    if text and text[0] in FORMULA_START:
        cell.quotePrefix = True
    return cell
