"""Import Brå's statistics of reported crimes (anmälda brott) from its Excel export.

The export of Brå's statistics database (statistik.bra.se) is one sheet: a few title lines,
then a header row naming the crime type column (``Brottstyp``), the region column
(``Region``, ``Område`` or ``Kommun``), optionally a unit column (``Enhet``: ``Antal`` or
``Per 100 000 invånare``) and one column per period (``2025`` for a year; ``2025M03``,
``2025-03``, ``2025 mars`` or ``mars 2025`` for a month). Cells left empty under a crime type
or region (merged cells) repeat the one above. Missing values are ``..`` or ``-``.
A long layout with a ``Period`` and a ``Värde`` (or ``Antal``) column is read too.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.format import MONTHS_SV_LONG
from est.inputs.files import RowErrors, check_text, parse_number, read_bytes
from est.inputs.regions import RegionResolver
from est.models.inputs import CrimeStatistic
from est.timebounds import bound_error

HEADER_SCAN_ROWS = 30
MAX_ROWS = 200_000
CRIME_HEADERS = ("brottstyp", "brott", "brottskategori")
REGION_HEADERS = ("region", "område", "omrade", "kommun", "län")
UNIT_HEADERS = ("enhet", "mått", "matt")
PERIOD_HEADERS = ("period", "tid", "år", "månad")
VALUE_HEADERS = ("värde", "varde", "antal", "antal anmälda brott")
_MONTHS = {name: i + 1 for i, name in enumerate(MONTHS_SV_LONG)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})


@dataclass(frozen=True)
class BraImportResult:
    """What the import stored."""

    rows: int
    regions: tuple[str, ...]
    crime_types: int
    first: date
    last: date


def parse_period(text: object) -> tuple[str, date] | None:
    """Return ("year" | "month", first day) for a Brå period heading, or None."""
    s = " ".join(str(text or "").replace("\u00a0", " ").split()).lower()
    if re.fullmatch(r"\d{4}", s):
        return "year", date(int(s), 1, 1)
    m = re.fullmatch(r"(\d{4})\s*(?:m|-)\s*(\d{1,2})", s)
    if m and 1 <= int(m.group(2)) <= 12:
        return "month", date(int(m.group(1)), int(m.group(2)), 1)
    m = re.fullmatch(r"(\d{4}) ([a-zåäö]+)|([a-zåäö]+) (\d{4})", s)
    if m:
        year = int(m.group(1) or m.group(4))
        name = m.group(2) or m.group(3)
        if name in _MONTHS:
            return "month", date(year, _MONTHS[name], 1)
    return None


def _unit(text: str) -> str:
    low = text.lower()
    if "100 000" in low or "100000" in low:
        return "per_100k"
    if low.startswith("antal") or not low:
        return "count"
    raise ValueError(f"unit {text!r} is neither 'Antal' nor 'Per 100 000 invånare'")


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int], dict[int, tuple[str, date]]]:
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names = [" ".join(str(c or "").split()).lower() for c in row]
        cols: dict[str, int] = {}
        for j, name in enumerate(names):
            for key, options in (("crime", CRIME_HEADERS), ("region", REGION_HEADERS),
                                 ("unit", UNIT_HEADERS), ("period", PERIOD_HEADERS),
                                 ("value", VALUE_HEADERS)):
                if name in options and key not in cols:
                    cols[key] = j
        periods = {j: p for j, c in enumerate(row) if (p := parse_period(c)) is not None}
        if "crime" in cols and "region" in cols and (periods or ("period" in cols
                                                                 and "value" in cols)):
            return i, cols, periods
    raise ValidationError("no header row found: expected columns 'Brottstyp' and 'Region' "
                          "and period columns such as '2025' or '2025M03' in the first "
                          f"{HEADER_SCAN_ROWS} rows", field="file")


def import_bra(session: Session, path: str | Path) -> BraImportResult:
    """Check every row of a Brå Excel export, then store its counts (all or nothing).

    Rows are keyed by region, crime type and period: importing a newer export of the same
    period replaces the earlier figures.
    """
    read_bytes(path)  # existence and size
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ValidationError(f"{Path(path).name} is not an Excel (.xlsx) file: {exc}",
                              field="file") from None
    sheet = book.worksheets[0]
    rows = []
    for k, r in enumerate(sheet.iter_rows(values_only=True)):
        if k >= MAX_ROWS:
            raise ValidationError(f"more than {MAX_ROWS:,} rows", field="file")
        rows.append(r)
    book.close()
    head, cols, periods = _find_header(rows)
    errors = RowErrors(str(path))
    regions = RegionResolver(session)
    figures: dict[tuple[str, str, str, date], dict] = {}
    crime = region = ""
    for offset, row in enumerate(rows[head + 1:], start=head + 2):
        cells = list(row) + [None] * (len(rows[head]) - len(row))
        if not any(c not in (None, "") for c in cells):
            continue
        where = f"row {offset}"
        try:
            crime = check_text(cells[cols["crime"]], "Brottstyp", 300,
                               required=False) or crime
            region = check_text(cells[cols["region"]], "Region", 200,
                                required=False) or region
            if not crime or not region:
                raise ValueError("crime type or region is empty")
            code, name = regions.resolve(region)
            unit = _unit(str(cells[cols["unit"]] or "")) if "unit" in cols else "count"
            if periods:
                values = [(p, cells[j]) for j, p in periods.items()]
            else:
                p = parse_period(cells[cols["period"]])
                if p is None:
                    raise ValueError(f"period {cells[cols['period']]!r} is not like 2025 or "
                                     "2025M03")
                values = [(p, cells[cols["value"]])]
            for (kind, first), raw in values:
                problem = bound_error(first)
                if problem:
                    raise ValueError(f"period {first}: {problem}")
                value = parse_number(raw)
                if value is None:
                    continue
                if value < 0:
                    raise ValueError(f"value {raw!r} is negative")
                entry = figures.setdefault((code, crime, kind, first), {
                    "region_code": code, "region_name": name, "crime_type": crime,
                    "period_kind": kind, "period_start": first, "count": None,
                    "per_100k": None})
                if unit == "count":
                    if value != int(value):
                        raise ValueError(f"count {raw!r} is not a whole number")
                    entry["count"] = int(value)
                else:
                    entry["per_100k"] = value
        except ValueError as exc:
            errors.add(where, str(exc))
    for (code, crime_type, _kind, first), entry in figures.items():
        if entry["count"] is None:
            errors.add(f"{crime_type}, {code}, {first}", "a rate per 100 000 without a count "
                       "(export 'Antal' too)")
    errors.raise_if_any()
    if not figures:
        raise ValidationError(f"{Path(path).name} holds no figures", field="file")
    with transaction(session):
        for entry in figures.values():
            stmt = insert(CrimeStatistic).values(**entry, source="Brå")
            session.execute(stmt.on_conflict_do_update(
                constraint="uq_crime_statistic_key",
                set_={"count": stmt.excluded.count, "per_100k": stmt.excluded.per_100k,
                      "region_name": stmt.excluded.region_name}))
    firsts = [k[3] for k in figures]
    return BraImportResult(rows=len(figures), regions=tuple(sorted({k[0] for k in figures})),
                           crime_types=len({k[1] for k in figures}), first=min(firsts),
                           last=max(firsts))
