"""Bulk import of reports from CSV or GeoJSON files (history from spreadsheets, other systems).

Every row is checked before anything is written; one bad row rejects the whole file. Rows
are stored with ``source='import'``, ``status='reviewed'`` and an idempotency key derived from
their content, so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.models import REPORT_KINDS, Category, Organisation
from est.models.core import RECEIPT_ALPHABET, RECEIPT_LENGTH
from est.pointsio import PointsFileError, PointsTable, format_errors, read_points
from est.queries import area_by_code
from est.services.reports import FUTURE_TOLERANCE
from est.services.users import find_organisation
from est.timebounds import earliest_date
from geo.validation import CoordinateError, check_lonlat

IMPORT_KEY_PREFIX = "import:"
MAX_ERRORS_SHOWN = 10
PROGRESS_MIN_ROWS = 10_000  # smaller files are imported silently
PROGRESS_EVERY = 25_000
COPY_NULL = "\\N"
KIND_NAMES = {"incident": "incident", "händelse": "incident", "handelse": "incident",
              "otrygghet": "otrygghet"}

Progress = Callable[[str], None]
Advance = Callable[[int, int], None]  # (reports stored, reports to store)


@dataclass(frozen=True)
class ImportResult:
    """What an import stored (or, with ``dry_run``, would store)."""

    path: str
    area_code: str
    area_name: str
    rows: int
    new: int
    present: int
    date_only: int
    first: datetime | None
    last: datetime | None
    by_category: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False


def import_reports(session: Session, path: str | Path, *, area_code: str,
                   columns: dict[str, str] | str | None = None,
                   tz: str = "Europe/Stockholm", organisation: str | int | None = None,
                   dry_run: bool = False, now: datetime | None = None,
                   progress: Progress | None = None,
                   advance: Advance | None = None) -> ImportResult:
    """Check every row of a CSV or GeoJSON file of reports, then store the new ones with COPY.

    Coordinates are WGS84 longitude/latitude in degrees and must lie inside the municipality
    ``area_code`` (PostGIS ``ST_Contains``); times without an offset are local to ``tz``, a
    date without a time is stored at local midnight with ``time_precision='unknown'``.
    Categories are codes or Swedish labels (case-insensitive); the kind comes from the file or
    from the category. ``organisation`` (name or id) applies to rows without an ``org`` value.

    Any bad row raises ValidationError listing the first errors with line numbers, and
    nothing is written. Rows already stored by an earlier import (same content) are counted
    as present and skipped. With ``dry_run`` nothing is written either way.
    ``progress`` gets a message per step of a big file, ``advance`` the count stored so far
    (for a progress bar).
    """
    now = now or datetime.now(UTC)
    say = progress if progress is not None else (lambda _m: None)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{tz!r} is not a known IANA time zone", field="tz") from None
    try:
        table = read_points(path, columns, tz=tz, collect_errors=True)
    except PointsFileError as exc:
        raise ValidationError(str(exc), field="file") from None
    for key, hint in (("time", "occurred_at, date, datum"), ("category", "category, kategori")):
        if key not in table.columns:
            raise ValidationError(f"{path}: no {key} column found (name it e.g. {hint}, or map "
                                  f"it with --columns {key}=NAME)", field="file")
    if len(table) < PROGRESS_MIN_ROWS:
        say = lambda _m: None  # noqa: E731
    say(f"read {len(table):,} rows from {path}")

    with transaction(session):
        area = area_by_code(session, area_code)
        default_org = _default_organisation(session, organisation)
        errors = list(table.errors)
        bad = np.zeros(len(table), dtype=bool)
        bad[[i for i, _ in errors]] = True
        cats, cat_errors, unknown = _resolve_categories(session, table)
        org_ids, org_errors = _resolve_organisations(session, table, default_org)
        errors += cat_errors + org_errors
        errors += _future_errors(table, now, tz) + _early_errors(table, tz)
        errors += _area_errors(session, table, bad, area.id, f"{area.name} ({area.code})")
        say(f"checked {len(table):,} rows")
        if errors:
            raise ValidationError(_describe(path, table, errors, unknown, session), field="file")

        keys = _keys(table, cats)
        present = _existing_keys(session, keys)
        fresh = [i for i, k in enumerate(keys) if k not in present]
        if not dry_run and fresh:
            _copy(session, table, fresh, keys, cats, org_ids, area.id, Path(path).name, say,
                  advance or (lambda _done, _total: None))
    assert table.t is not None and table.date_only is not None  # time column checked above
    local = ZoneInfo(tz)
    times = table.t.astype("datetime64[s]").astype(np.int64)
    return ImportResult(
        path=str(path), area_code=area.code, area_name=area.name, rows=len(table),
        new=len(fresh), present=len(table) - len(fresh),
        date_only=int(table.date_only.sum()),
        first=datetime.fromtimestamp(int(times.min()), UTC).astimezone(local),
        last=datetime.fromtimestamp(int(times.max()), UTC).astimezone(local),
        by_category=dict(Counter(cats[i].code for i in fresh).most_common()),
        dry_run=dry_run,
    )


# -- validation helpers ----------------------------------------------------------------------

def _precision(table: PointsTable, i: int) -> str:
    """Return the stored time precision of row ``i``: month, unknown (date only) or exact."""
    if table.month_only is not None and table.month_only[i]:
        return "month"
    return "unknown" if table.date_only is not None and table.date_only[i] else "exact"


def _default_organisation(session: Session, organisation: str | int | None) -> int | None:
    if organisation in (None, ""):
        return None
    org = find_organisation(session, organisation)
    if org is None:
        raise ValidationError(f"no organisation {organisation!r} (see `est users orgs`)",
                              field="organisation")
    return org.id


def _resolve_categories(session: Session, table: PointsTable
                        ) -> tuple[list[Category], list[tuple[int, str]], bool]:
    """Return each row's category, the row errors and whether a category was unknown."""
    assert table.category is not None
    all_cats = list(session.scalars(select(Category)))
    by_code = {c.code.lower(): c for c in all_cats}
    by_label: dict[str, list[Category]] = {}
    for c in all_cats:
        by_label.setdefault(c.label_sv.strip().lower(), []).append(c)
    kinds = table.kind if table.kind is not None else np.full(len(table), "", dtype=object)
    cache: dict[tuple[str, str], Category | str] = {}
    out: list[Category] = []
    errors: list[tuple[int, str]] = []
    unknown = False
    for i, (value, kind_text) in enumerate(zip(table.category, kinds, strict=True)):
        pair = (value, kind_text)
        if pair not in cache:
            cache[pair] = _category(value, kind_text, by_code, by_label)
        found = cache[pair]
        if isinstance(found, str):
            errors.append((i, found))
            unknown = unknown or found.endswith("is unknown")
            out.append(all_cats[0])  # placeholder; the row is rejected
        else:
            out.append(found)
    return out, errors, unknown


def _category(value: str, kind_text: str, by_code: dict[str, Category],
              by_label: dict[str, list[Category]]) -> Category | str:
    """Return the category named by a code or Swedish label, or an error message."""
    kind = KIND_NAMES.get(kind_text.lower()) if kind_text else None
    if kind_text and kind is None:
        return f"kind {kind_text!r} is not one of {', '.join(REPORT_KINDS)}"
    if not value:
        return "category is empty"
    candidates = ([by_code[value.lower()]] if value.lower() in by_code
                  else by_label.get(value.lower(), []))
    if not candidates:
        return f"category {value!r} is unknown"
    if kind is not None:
        matching = [c for c in candidates if c.kind == kind]
        if not matching:
            return f"category {value!r} is {candidates[0].kind}, not {kind}"
        candidates = matching
    if len(candidates) > 1:
        return (f"category {value!r} is ambiguous ({', '.join(c.code for c in candidates)}); "
                "use the code or give the kind")
    return candidates[0]


def _resolve_organisations(session: Session, table: PointsTable, default: int | None
                           ) -> tuple[list[int | None], list[tuple[int, str]]]:
    if table.org is None:
        return [default] * len(table), []
    ids: dict[str, Organisation | None] = {}
    out: list[int | None] = []
    errors: list[tuple[int, str]] = []
    for i, name in enumerate(table.org):
        if not name:
            out.append(default)
            continue
        if name not in ids:
            ids[name] = find_organisation(session, name)
        org = ids[name]
        if org is None:
            errors.append((i, f"organisation {name!r} is unknown (see `est users orgs`)"))
        out.append(org.id if org is not None else None)
    return out, errors


def _future_errors(table: PointsTable, now: datetime, tz: str) -> list[tuple[int, str]]:
    assert table.t is not None
    limit = np.datetime64(int((now + FUTURE_TOLERANCE).timestamp()), "s")
    future = np.flatnonzero(~np.isnat(table.t) & (table.t > limit))
    zone = ZoneInfo(tz)
    errors = []
    for i in future:
        local = datetime.fromtimestamp(int(table.t[i].astype(np.int64)), UTC).astimezone(zone)
        errors.append((int(i), f"time {local:%Y-%m-%d %H:%M} is in the future"))
    return errors


def _early_errors(table: PointsTable, tz: str) -> list[tuple[int, str]]:
    assert table.t is not None
    first = earliest_date()
    start = datetime.combine(first, datetime.min.time(), ZoneInfo(tz))
    early = np.flatnonzero(~np.isnat(table.t)
                           & (table.t < np.datetime64(int(start.timestamp()), "s")))
    return [(int(i), f"time {np.datetime_as_string(table.t[i], unit='D')} is before "
                     f"{first} (the earliest date, EST_EARLIEST_DATE)") for i in early]


def _area_errors(session: Session, table: PointsTable, bad: np.ndarray, area_id: int,
                 area_label: str) -> list[tuple[int, str]]:
    """Return rows outside the area (PostGIS ST_Contains), with a hint for swapped axes."""
    ok = np.flatnonzero(~bad & ~np.isnan(table.lon) & ~np.isnan(table.lat))
    if ok.size == 0:
        return []
    try:
        lon, lat = check_lonlat(table.lon[ok], table.lat[ok])
    except CoordinateError as exc:  # the reader checks ranges; this is the last guard
        return [(int(ok[0]), str(exc))]
    rows = session.execute(text(
        """
        SELECT p.i, ST_Contains(a.geom, ST_SetSRID(ST_MakePoint(p.y, p.x), 4326))
        FROM area a,
             unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS p(x, y, i)
        WHERE a.id = :area_id
          AND NOT ST_Contains(a.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))
        """), {"xs": lon.tolist(), "ys": lat.tolist(), "area_id": area_id}).all()
    errors = []
    for n, swapped in rows:
        i = int(ok[n - 1])
        hint = "; are longitude and latitude swapped?" if swapped else ""
        errors.append((i, f"({table.lon[i]}, {table.lat[i]}) is outside {area_label}{hint}"))
    return errors


def _describe(path: str | Path, table: PointsTable, errors: list[tuple[int, str]],
              unknown_category: bool, session: Session) -> str:
    rows = len({i for i, _ in errors})
    lines = [f"{path}: {rows:,} of {len(table):,} rows have errors; nothing was imported.",
             "  " + format_errors(table, errors, MAX_ERRORS_SHOWN, sep="\n  ")]
    if unknown_category:
        cats = session.execute(select(Category.kind, Category.code)
                               .order_by(Category.kind, Category.sort_order, Category.code))
        known: dict[str, list[str]] = {}
        for kind, code in cats:
            known.setdefault(kind, []).append(code)
        lines.append("Known categories (code or Swedish label): " + "; ".join(
            f"{kind}: {', '.join(codes)}" for kind, codes in known.items()))
    lines.append("Columns used: " + ", ".join(f"{k}={v}" for k, v in table.columns.items()))
    return "\n".join(lines)


# -- storage helpers -------------------------------------------------------------------------

def _keys(table: PointsTable, cats: list[Category]) -> list[str]:
    """Return each row's idempotency key: a hash of its lon, lat, UTC time and category.

    Identical rows in one file are numbered (the second gets ``#1``), so they stay separate
    reports and a re-import still finds each of them.
    """
    assert table.t is not None
    times = np.datetime_as_string(table.t, unit="s")
    seen: Counter[str] = Counter()
    keys = []
    for x, y, t, cat in zip(table.lon.tolist(), table.lat.tolist(), times, cats, strict=True):
        content = f"{x:.7f},{y:.7f},{t}Z,{cat.code}"
        n = seen[content]
        seen[content] += 1
        if n:
            content += f"#{n}"
        keys.append(IMPORT_KEY_PREFIX + hashlib.sha256(content.encode()).hexdigest())
    return keys


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    return set(session.scalars(
        text("SELECT idempotency_key FROM report WHERE idempotency_key = ANY(CAST(:k AS text[]))"),
        {"k": keys}))


def _copy(session: Session, table: PointsTable, fresh: list[int], keys: list[str],
          cats: list[Category], org_ids: list[int | None], area_id: int, filename: str,
          say: Progress, advance: Advance) -> None:
    """Bulk-load the new rows, their otrygghet reasons and 'created' audit events with COPY.

    Rows are written as COPY text in chunks (one ``write`` per chunk, no per-row adaptation);
    values that can hold user text (the file name, category codes) are escaped for COPY.
    """
    assert table.t is not None and table.date_only is not None
    cursor = session.connection().connection.cursor()
    times = np.datetime_as_string(table.t, unit="s")
    lon, lat = table.lon.tolist(), table.lat.tolist()
    ids = [str(uuid.uuid4()) for _ in fresh]
    refs = _receipt_refs(session, len(fresh))
    columns = ("id, kind, category_id, geom, area_id, occurred_at, time_precision, source, "
               "organisation_id, status, visibility, idempotency_key, receipt_ref")
    note = _copy_text(f"Importerad från {filename}")
    audit_head = {c.id: _copy_text('{"status": "reviewed", "source": "import", "category": '
                                   + json.dumps(c.code) + ', "lon": ') for c in set(cats)}
    with cursor.copy(f"COPY report ({columns}) FROM STDIN") as copy:
        for begin in range(0, len(fresh), PROGRESS_EVERY):
            rows = []
            for n in range(begin, min(begin + PROGRESS_EVERY, len(fresh))):
                i = fresh[n]
                cat, org = cats[i], org_ids[i]
                org_text = COPY_NULL if org is None else org
                rows.append(f"{ids[n]}\t{cat.kind}\t{cat.id}\tSRID=4326;POINT({lon[i]!r} "
                            f"{lat[i]!r})\t{area_id}\t{times[i]}Z\t{_precision(table, i)}\t"
                            f"import\t{org_text}\treviewed\tstaff\t"
                            f"{keys[i]}\t{refs[n]}\n")
            copy.write("".join(rows))
            say(f"stored {begin + len(rows):,} of {len(fresh):,} reports")
            advance(begin + len(rows), len(fresh))
    with cursor.copy("COPY report_reason (report_id, category_id) FROM STDIN") as copy:
        copy.write("".join(f"{ids[n]}\t{cats[i].id}\n" for n, i in enumerate(fresh)
                           if cats[i].kind == "otrygghet"))
    with cursor.copy("COPY audit_event (report_id, action, new, note) FROM STDIN") as copy:
        for begin in range(0, len(fresh), PROGRESS_EVERY):
            copy.write("".join(
                f"{ids[n]}\tcreated\t{audit_head[cats[i].id]}{lon[i]!r}, \"lat\": {lat[i]!r}}}"
                f"\t{note}\n"
                for n, i in enumerate(fresh[begin:begin + PROGRESS_EVERY], begin)))
    say(f"stored {len(fresh):,} reports, reasons and audit events")


def _copy_text(value: str) -> str:
    """Escape ``value`` for a field of COPY's text format."""
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _receipt_refs(session: Session, n: int) -> list[str]:
    """Return ``n`` new random receipt references, unique among themselves and stored ones.

    Drawn in bulk from the operating system's random source: each character is the low five
    bits of a random byte (the alphabet has 32 letters), like :func:`new_receipt_ref`.
    """
    alphabet = np.array(list(RECEIPT_ALPHABET))
    assert alphabet.size == 32
    refs: list[str] = []
    taken: set[str] = set()
    while len(refs) < n:
        want = n - len(refs)
        codes = np.frombuffer(secrets.token_bytes(want * RECEIPT_LENGTH), dtype=np.uint8) & 31
        letters = alphabet[codes.reshape(want, RECEIPT_LENGTH)]
        drawn = ["".join(row) for row in letters.tolist()]
        stored = set(session.scalars(
            text("SELECT receipt_ref FROM report WHERE receipt_ref = ANY(CAST(:r AS text[]))"),
            {"r": drawn}))
        for ref in drawn:
            if ref not in taken and ref not in stored:
                taken.add(ref)
                refs.append(ref)
    return refs
