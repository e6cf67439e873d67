"""Reading input files: row errors with line numbers, CSV dialects, Swedish numbers, text bounds.

Every importer checks all rows first and collects errors with the line (CSV), row
(spreadsheet) or record (JSON) they belong to; :class:`RowErrors` raises one
ValidationError naming the first of them, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from est.errors import ValidationError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ERRORS_SHOWN = 10
MISSING_MARKS = {"", "..", ".", "-", "–", "x", "X", "saknas"}


@dataclass
class RowErrors:
    """Errors of a file, each with where it is (``line 4``, ``record 2``, ``row 7``)."""

    path: str
    errors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record ``message`` for ``where``."""
        self.errors.append((where, message))

    def raise_if_any(self, field_name: str = "file") -> None:
        """Raise ValidationError listing the first errors; nothing has been written."""
        if not self.errors:
            return
        shown = "; ".join(f"{where}: {msg}" for where, msg in self.errors[:MAX_ERRORS_SHOWN])
        more = len(self.errors) - MAX_ERRORS_SHOWN
        tail = f" (and {more} more)" if more > 0 else ""
        raise ValidationError(f"{Path(self.path).name}: {len(self.errors)} bad "
                              f"{'entry' if len(self.errors) == 1 else 'entries'}, nothing "
                              f"imported: {shown}{tail}", field=field_name)


def read_bytes(path: str | Path) -> bytes:
    """Return a file's bytes; ValidationError if missing or over :data:`MAX_FILE_BYTES`."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise ValidationError(f"file {path} does not exist", field="file") from None
    if not p.is_file():
        raise ValidationError(f"{path} is not a file", field="file")
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{path} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                              field="file")
    return p.read_bytes()


def decode(raw: bytes, path: str | Path) -> str:
    """Decode UTF-8 (with or without BOM), else Windows-1252 (Excel's Swedish CSV)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ValidationError(f"{Path(path).name} contains NUL bytes (not a text file?)",
                              field="file")
    return text


def read_json(path: str | Path) -> object:
    """Parse a JSON file with a clear error."""
    text = decode(read_bytes(path), path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{Path(path).name} is not valid JSON: {exc}",
                              field="file") from None


def read_csv(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and the rows (with their 1-based line numbers) of a CSV file.

    The delimiter (``;``, ``,`` or tab) is sniffed from the header line; empty lines are
    skipped.
    """
    text = decode(read_bytes(path), path)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            rows.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise ValidationError(f"{Path(path).name} line {reader.line_num}: {exc}",
                              field="file") from None
    if header is None:
        raise ValidationError(f"{Path(path).name} is empty", field="file")
    return header, rows


_NUMBER = re.compile(r"^[+\-−]?\d+(?:[.,]\d+)?$")


def parse_number(value: object) -> float | None:
    """Return a number written the Swedish or English way ("1 234,5", "62 %", "0.4").

    Missing marks (empty, "..", "-", "x", "saknas") are None; anything else unreadable
    raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text in MISSING_MARKS:
        return None
    text = (text.replace("\u2009", "").replace("\u00a0", "").replace(" ", "")
            .rstrip("%").strip())
    if text.count(",") == 1 and "." in text:  # "1.234,5"
        text = text.replace(".", "")
    if not _NUMBER.match(text):
        raise ValueError(f"{value!r} is not a number")
    return float(text.replace(",", ".").replace("−", "-"))


def check_text(value: object, name: str, limit: int, *, required: bool = True) -> str:
    """Return ``value`` as stripped text; ValueError if missing, too long or with NUL bytes."""
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise ValueError(f"{name} is empty")
        return ""
    if "\x00" in text:
        raise ValueError(f"{name} contains a NUL byte")
    if len(text) > limit:
        raise ValueError(f"{name} is {len(text)} characters; at most {limit}")
    return text


def parse_mapping(pairs: list[str] | tuple[str, ...] | str | None,
                  fields: tuple[str, ...]) -> dict[str, str]:
    """Parse ``col=field`` pairs (a list, or one comma-separated string) into field → column.

    ValidationError (field ``map``) names an unknown field or a pair without ``=``.
    """
    if not pairs:
        return {}
    items = pairs.split(",") if isinstance(pairs, str) else list(pairs)
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValidationError(f"{item!r} is not COLUMN=FIELD", field="map")
        column, name = (s.strip() for s in item.split("=", 1))
        if name not in fields:
            raise ValidationError(f"{name!r} is not one of {', '.join(fields)}", field="map")
        out[name] = column
    return out


def read_table(path: str | Path) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Return the header and rows of a CSV or .xlsx file, each row with where it is.

    CSV rows are ``line N``, spreadsheet rows ``row N`` (the first sheet; the first
    non-empty row is the header).
    """
    if str(path).lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(path)
    header, rows = read_csv(path)
    return header, [(f"line {n}", cells) for n, cells in rows]


def _read_xlsx(path: str | Path) -> tuple[list[str], list[tuple[str, list[str]]]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    read_bytes(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"{Path(path).name} is not an Excel (.xlsx) file: {exc}",
                              field="file") from None
    header: list[str] | None = None
    rows: list[tuple[str, list[str]]] = []
    for n, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((f"row {n}", cells + [""] * (len(header) - len(cells))))
    book.close()
    if header is None:
        raise ValidationError(f"{Path(path).name} is empty", field="file")
    return header, rows
