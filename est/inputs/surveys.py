"""Import survey results per area and period: Polisens trygghetsmätning, NTU, a kommun's own.

A CSV (``;`` or ``,``) or .xlsx table, one row per area × question:

- ``polisens_trygghetsmatning``: område, fråga, problemindex (0–6), svarsfrekvens, n
- ``ntu``: område (lokalpolisområde), fråga, andel (%), n, felmarginal (optional)
- ``kommun``: område, fråga, andel som instämmer (%), n, felmarginal (optional)

Headers are matched case-insensitively against the names in :data:`HEADERS`; other
names are mapped with ``col=field`` pairs (like ``est reports import --columns``). Every
row is checked first; one bad row rejects the file and nothing is written. Shares are
stored in percent (a file where every share is at most 1 and none has a ``%`` sign is read
as fractions); the 95 % margin of error is computed from n when the file has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.inputs.files import RowErrors, check_text, parse_mapping, parse_number, read_table
from est.inputs.summary import margin_of_error
from est.models import Area
from est.models.inputs import SURVEY_KINDS, Survey, SurveyResult
from est.queries import area_by_code
from est.timebounds import bound_error

FIELDS = ("area", "question", "value", "n", "response_rate", "margin")
HEADERS = {
    "area": ("område", "omrade", "area", "lokalpolisområde", "lpo", "kommun", "stadsdel"),
    "question": ("fråga", "fraga", "question", "problem", "påstående", "indikator"),
    "value": ("problemindex", "index", "andel", "andel instämmer", "andel som instämmer",
              "andel (%)", "value", "värde", "procent", "resultat"),
    "n": ("n", "antal svar", "antal svarande", "svarande", "antal"),
    "response_rate": ("svarsfrekvens", "response_rate", "svarsfrekvens (%)"),
    "margin": ("felmarginal", "konfidensintervall", "ki", "margin", "±", "+/-"),
}
MEASURES = {"polisens_trygghetsmatning": "problem_index", "ntu": "share",
            "kommun": "share_agree"}
TITLES = {"polisens_trygghetsmatning": "Polisens trygghetsmätning",
          "ntu": "Nationella trygghetsundersökningen (NTU)", "kommun": "Kommunens enkät"}
MAX_ROWS = 20_000


@dataclass(frozen=True)
class SurveyImportResult:
    """What the import stored."""

    survey_id: int
    kind: str
    period_start: date
    period_end: date
    results: int
    areas: int
    questions: int
    matched_areas: int


def parse_survey_period(text: str) -> tuple[date, date]:
    """Return the period of "2025", "2024-2025", "2025-03" or "2025-01-01..2025-06-30"."""
    s = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}", s):
            first, last = date(int(s), 1, 1), date(int(s), 12, 31)
        elif m := re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", s):
            first, last = date(int(m.group(1)), 1, 1), date(int(m.group(2)), 12, 31)
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", s):
            y, mo = int(m.group(1)), int(m.group(2))
            first = date(y, mo, 1)
            last = date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)
        elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|–)\s*(\d{4}-\d{2}-\d{2})", s):
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        else:
            raise ValueError
    except ValueError:
        raise ValidationError(f"period {text!r} is not like 2025, 2024-2025, 2025-03 or "
                              "2025-01-01..2025-06-30", field="period") from None
    if last < first:
        raise ValidationError("the period ends before it starts", field="period")
    for d in (first, last):
        problem = bound_error(d)
        if problem:
            raise ValidationError(problem, field="period")
    return first, last


def _columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    low = [h.strip().lower() for h in header]
    cols: dict[str, int] = {}
    for name, column in mapping.items():
        if column.strip().lower() not in low:
            raise ValidationError(f"column {column!r} (mapped to {name}) is not in the file; "
                                  f"its columns are {', '.join(header)}", field="map")
        cols[name] = low.index(column.strip().lower())
    for name, options in HEADERS.items():
        if name not in cols:
            found = next((i for i, h in enumerate(low) if h in options), None)
            if found is not None and found not in cols.values():
                cols[name] = found
    return cols


def import_survey(session: Session, path: str | Path, *, kind: str, period: str,
                  area_code: str, columns: list[str] | str | None = None,
                  title: str | None = None, source_name: str | None = None,
                  imported_by: int | None = None) -> SurveyImportResult:
    """Check every row of a survey table, then store the survey and its results (or none).

    ``area_code`` is the municipality the survey belongs to; each row's area is matched by
    name to the municipality or an area below it (kept as text when none matches).
    """
    if kind not in SURVEY_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(SURVEY_KINDS)}", field="kind")
    first, last = parse_survey_period(period)
    try:
        title = check_text(title, "title", 200, required=False) or \
            f"{TITLES[kind]} {period.strip()}"
    except ValueError as exc:
        raise ValidationError(str(exc), field="title") from None
    header, rows = read_table(path)
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"more than {MAX_ROWS:,} rows", field="file")
    cols = _columns(header, parse_mapping(columns, FIELDS))
    missing = [f for f in ("area", "question", "value") if f not in cols]
    if missing:
        raise ValidationError(f"no {', '.join(missing)} column found (columns: "
                              f"{', '.join(header)}); map them with col=field",
                              field="map")
    measure = MEASURES[kind]
    errors = RowErrors(str(source_name or path))
    parsed: list[dict] = []
    percent_signs = False
    seen: dict[tuple[str, str], str] = {}
    for where, cells in rows:
        try:
            def cell(name: str, cells: list[str] = cells) -> str:
                return cells[cols[name]] if name in cols and cols[name] < len(cells) else ""
            area = check_text(cell("area"), "area", 200)
            question = check_text(cell("question"), "question", 500)
            key = (area.lower(), question.lower())
            if key in seen:
                raise ValueError(f"{area} / {question} is also on {seen[key]}")
            seen[key] = where
            raw_value = cell("value")
            value = parse_number(raw_value)
            if value is None:
                raise ValueError(f"value {raw_value!r} is missing")
            percent_signs = percent_signs or "%" in raw_value
            n = parse_number(cell("n"))
            if n is not None and (n < 0 or n != int(n)):
                raise ValueError(f"n {cell('n')!r} is not a whole number ≥ 0")
            rate = parse_number(cell("response_rate"))
            if rate is not None:
                rate = rate / 100 if rate > 1 or "%" in cell("response_rate") else rate
                if not 0 <= rate <= 1:
                    raise ValueError(f"response rate {cell('response_rate')!r} is not 0–100 %")
            margin = parse_number(cell("margin"))
            if margin is not None and margin < 0:
                raise ValueError(f"margin {cell('margin')!r} is negative")
            if measure == "problem_index" and not 0 <= value <= 6:
                raise ValueError(f"problem index {raw_value!r} is not from 0 to 6")
            if measure != "problem_index" and not 0 <= value <= 100:
                raise ValueError(f"share {raw_value!r} is not from 0 to 100 %")
            parsed.append({"area_label": area, "question": question, "value": value,
                           "n": int(n) if n is not None else None, "response_rate": rate,
                           "margin_of_error": margin})
        except ValueError as exc:
            errors.add(where, str(exc))
    errors.raise_if_any()
    if not parsed:
        raise ValidationError(f"{Path(source_name or path).name} holds no results",
                              field="file")
    if measure != "problem_index" and not percent_signs and all(p["value"] <= 1
                                                                for p in parsed):
        for p in parsed:  # fractions: store percent
            p["value"] = round(p["value"] * 100, 4)
            if p["margin_of_error"] is not None:
                p["margin_of_error"] = round(p["margin_of_error"] * 100, 4)
    with transaction(session):
        municipality = area_by_code(session, area_code)
        by_name = _areas_below(session, municipality)
        survey = Survey(area_id=municipality.id, kind=kind, title=title, period_start=first,
                        period_end=last,
                        source_file=Path(source_name or path).name[:300],
                        imported_by=imported_by)
        matched = 0
        for p in parsed:
            area_id = by_name.get(p["area_label"].lower())
            matched += area_id is not None
            if p["margin_of_error"] is None and measure != "problem_index":
                p["margin_of_error"] = margin_of_error(p["value"], p["n"])
            survey.results.append(SurveyResult(area_id=area_id, measure=measure, **p))
        session.add(survey)
        session.flush()
    return SurveyImportResult(
        survey_id=survey.id, kind=kind, period_start=first, period_end=last,
        results=len(parsed), areas=len({p["area_label"] for p in parsed}),
        questions=len({p["question"] for p in parsed}), matched_areas=matched)


def _areas_below(session: Session, municipality: Area) -> dict[str, int]:
    """Return area ids by lower-case name: the municipality and every area below it."""
    from est.inputs.scope import scope_of

    scope = scope_of(session, municipality.id)
    return {name.lower(): aid for aid, name in session.execute(
        select(Area.id, Area.name).where(Area.id.in_(scope.ids)))}
