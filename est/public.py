"""The public privacy model: the one place that decides what the public may see.

Every public output (the home page, Open311 ``GET requests.json`` and ``GET
requests/<id>.json``, the public cells GeoJSON) is computed here, and nowhere else:

- **Which reports count**: published public reports, and reports of organisations that opted
  in (``organisation.public_opt_in``); never pending, rejected or duplicate ones, and never a
  public report published since local midnight (a publication shows the next day at the
  earliest).
- **When**: a fixed window of ``window_days`` whole local days (7 by default: Monday–Sunday
  weeks, tumbling from 2000-01-03, so two windows never overlap and one cannot be subtracted
  from the next). The newest window shown is the last one that ended at least
  ``delay_days`` before today; a report counts only if it occurred *and* was received inside
  the window. The window changes once per ``window_days``, so polling shows no arrival.
- **Where**: square cells of ``cell_m`` metres in the projected CRS (EPSG:3006 by default);
  every coordinate published is a cell centre (WGS84).
- **How many**: only cells with at least ``min_cell`` reports are published. The total is the
  sum of the published cells (so the total minus the cells reveals nothing), and category
  counts are computed over the reports in the published cells: a category under
  ``min_cell`` is merged into "Övriga kategorier", and if that remainder would itself be
  under ``min_cell`` the smallest shown categories join it until it is not (secondary
  suppression), so the total minus any shown count is 0 or at least ``min_cell``.
- **Times**: no finer than the window's first and last day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est.errors import NotFound, ValidationError
from est.models import Organisation

# Windows tumble from this Monday, so 7-day windows are ISO weeks (Monday–Sunday).
EPOCH = date(2000, 1, 3)
# At most this many windows are listed in one Open311 answer (about a year of weeks).
MAX_WINDOWS = 53
OTHER_LABEL = "Övriga kategorier"
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")
_AGGREGATE_ID = re.compile(r"^agg_(\d{2,5})_(\d{4,6})_(\d{8})_(\d{1,3})_(-?\d{1,9})_(-?\d{1,9})$")


@dataclass(frozen=True)
class PublicPolicy:
    """The parameters of the public privacy model (see the module docstring)."""

    min_cell: int = 5
    cell_m: int = 100
    window_days: int = 7
    delay_days: int = 2
    crs: int = 3006
    timezone: str = "Europe/Stockholm"

    @property
    def tz(self) -> ZoneInfo:
        """Return the time zone whose midnights bound the windows."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_settings(cls, settings: Any) -> PublicPolicy:
        """Build the policy from :class:`est.config.Settings`."""
        return cls(min_cell=settings.min_cell, cell_m=settings.public_cell_m,
                   window_days=settings.public_window_days,
                   delay_days=settings.public_delay_days, crs=settings.projected_crs,
                   timezone=settings.timezone)


@dataclass(frozen=True)
class Window:
    """Whole local days ``[start, end)`` (``end`` exclusive) in the policy's time zone."""

    start: date
    end: date
    tz: ZoneInfo

    @property
    def last_day(self) -> date:
        """Return the window's last day (inclusive)."""
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        """Return local midnight at the start of the window."""
        return datetime.combine(self.start, time(), tzinfo=self.tz)

    @property
    def end_at(self) -> datetime:
        """Return local midnight after the window's last day."""
        return datetime.combine(self.end, time(), tzinfo=self.tz)

    @property
    def label(self) -> str:
        """Return the window in Swedish, e.g. ``2–8 november 2026``."""
        return date_range_sv(self.start, self.last_day)


@dataclass(frozen=True)
class Cell:
    """A published cell: its count, WGS84 centre and polygon (GeoJSON), and grid indices."""

    cx: int
    cy: int
    count: int
    lon: float
    lat: float
    geometry: dict


@dataclass(frozen=True)
class Summary:
    """What the home page shows for one window."""

    window: Window
    cells: list[Cell]
    total: int
    categories: list[tuple[str, str, int]]  # (kind or "", Swedish label, count)
    min_cell: int
    cell_m: int


# -- windows -----------------------------------------------------------------------------------

def latest_window(policy: PublicPolicy, now: datetime) -> Window:
    """Return the newest window that ended at least ``delay_days`` whole days before today."""
    today = now.astimezone(policy.tz).date()
    limit = today - timedelta(days=policy.delay_days)
    index = (limit - EPOCH).days // policy.window_days
    end = EPOCH + timedelta(days=index * policy.window_days)
    return Window(end - timedelta(days=policy.window_days), end, policy.tz)


def windows_between(policy: PublicPolicy, now: datetime, since: datetime | None,
                    until: datetime | None) -> list[Window]:
    """Return the published windows that overlap ``[since, until)``, newest first.

    Raise ValidationError (field ``start_date``) for a range of more than ``MAX_WINDOWS``.
    """
    newest = latest_window(policy, now)
    step = timedelta(days=policy.window_days)
    if until is not None:
        while newest.start_at >= until:
            newest = Window(newest.start - step, newest.start, policy.tz)
    found: list[Window] = []
    window = newest
    while since is None or window.end_at > since:
        if window.start < EPOCH:
            break
        found.append(window)
        if since is None:
            break
        if len(found) > MAX_WINDOWS:
            raise ValidationError(
                f"start_date and end_date may span at most {MAX_WINDOWS} windows of "
                f"{policy.window_days} days", field="start_date")
        window = Window(window.start - step, window.start, policy.tz)
    return found


# -- what counts -------------------------------------------------------------------------------

# The counted reports of a window, one row each: the single definition of "public report".
_COUNTED = """
    SELECT r.category_id, floor(ST_X(ST_Transform(r.geom, :crs)) / :cell)::bigint AS cx,
           floor(ST_Y(ST_Transform(r.geom, :crs)) / :cell)::bigint AS cy
    FROM report r
    LEFT JOIN organisation o ON o.id = r.organisation_id
    WHERE r.area_id IN (SELECT a.id FROM area a WHERE a.id = :area_id OR a.parent_id = :area_id)
      AND r.occurred_at >= :start AND r.occurred_at < :end
      AND r.reported_at < :end
      AND r.duplicate_of IS NULL
      AND (
            (r.source = 'public' AND r.status IN ('published', 'closed')
             AND NOT EXISTS (
                 SELECT 1 FROM audit_event e
                 WHERE e.report_id = r.id AND e.at >= :as_of
                   AND e.new ->> 'status' = 'published'))
         OR (r.source <> 'public' AND o.public_opt_in
             AND r.status IN ('new', 'reviewed', 'published', 'closed'))
      )
"""

_CELLS = text(f"""
    WITH counted AS ({_COUNTED})
    SELECT cx, cy, count(*) AS n,
           ST_X(c.centre) AS lon, ST_Y(c.centre) AS lat,
           ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(cx * :cell, cy * :cell, (cx + 1) * :cell,
                                                     (cy + 1) * :cell, :crs), 4326), 6) AS geojson
    FROM counted
    CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(
        cx * :cell + :cell / 2, cy * :cell + :cell / 2), :crs), 4326) AS centre) c
    WHERE (CAST(:only_cx AS bigint) IS NULL OR (cx = :only_cx AND cy = :only_cy))
    GROUP BY cx, cy, c.centre
    HAVING count(*) >= :k
    ORDER BY n DESC, cx, cy
""")

_CATEGORIES = text(f"""
    WITH counted AS ({_COUNTED}),
    shown AS (SELECT cx, cy FROM counted GROUP BY cx, cy HAVING count(*) >= :k)
    SELECT cat.kind, cat.label_sv, count(*) AS n
    FROM counted JOIN shown USING (cx, cy) JOIN category cat ON cat.id = counted.category_id
    GROUP BY cat.kind, cat.label_sv
    ORDER BY n DESC, cat.label_sv
""")


def _params(policy: PublicPolicy, area_id: int, window: Window, now: datetime) -> dict:
    as_of = datetime.combine(now.astimezone(policy.tz).date(), time(), tzinfo=policy.tz)
    return {"crs": policy.crs, "cell": float(policy.cell_m), "area_id": area_id,
            "start": window.start_at, "end": window.end_at, "as_of": as_of,
            "k": policy.min_cell, "only_cx": None, "only_cy": None}


def public_cells(session: Session, policy: PublicPolicy, area_id: int, window: Window,
                 now: datetime) -> list[Cell]:
    """Return the cells of ``window`` holding at least ``min_cell`` counted reports.

    ``area_id`` is the municipality (its districts are included); cells are squares of
    ``cell_m`` metres in ``policy.crs``, returned with their WGS84 centre and polygon.
    """
    rows = session.execute(_CELLS, _params(policy, area_id, window, now))
    return [_cell(r) for r in rows]


def _cell(row) -> Cell:
    return Cell(cx=int(row.cx), cy=int(row.cy), count=int(row.n), lon=round(float(row.lon), 6),
                lat=round(float(row.lat), 6), geometry=json.loads(row.geojson))


def protect_categories(counts: list[tuple[str, str, int]], total: int,
                       k: int) -> list[tuple[str, str, int]]:
    """Return category counts safe to publish beside ``total`` (their sum).

    Counts under ``k`` go to "Övriga kategorier"; while that remainder is between 1 and
    ``k - 1`` the smallest shown category joins it. The result sums to ``total`` and every
    number in it is at least ``k``.
    """
    shown = sorted((c for c in counts if c[2] >= k), key=lambda c: (-c[2], c[1]))
    rest = total - sum(c[2] for c in shown)
    while 0 < rest < k and shown:
        rest += shown.pop()[2]
    if 0 < rest < k:  # nothing left to merge: the total itself is too small to publish
        return []
    return shown + ([("", OTHER_LABEL, rest)] if rest else [])


def summary(session: Session, policy: PublicPolicy, area_id: int, now: datetime) -> Summary:
    """Return the home page's public figures for the newest published window."""
    window = latest_window(policy, now)
    cells = public_cells(session, policy, area_id, window, now)
    total = sum(c.count for c in cells)
    raw = [(r.kind, r.label_sv, int(r.n)) for r in
           session.execute(_CATEGORIES, _params(policy, area_id, window, now))]
    return Summary(window=window, cells=cells, total=total,
                   categories=protect_categories(raw, total, policy.min_cell),
                   min_cell=policy.min_cell, cell_m=policy.cell_m)


def cells_geojson(session: Session, policy: PublicPolicy, area_id: int, now: datetime) -> dict:
    """Return the newest window's public cells as a GeoJSON FeatureCollection (WGS84)."""
    window = latest_window(policy, now)
    features = [{"type": "Feature", "id": aggregate_id(policy, window, c),
                 "geometry": c.geometry, "properties": {"count": c.count}}
                for c in public_cells(session, policy, area_id, window, now)]
    return {"type": "FeatureCollection", "features": features,
            "window_start": window.start.isoformat(), "window_end": window.last_day.isoformat(),
            "cell_m": policy.cell_m, "min_cell": policy.min_cell}


# -- Open311 -----------------------------------------------------------------------------------

def aggregate_id(policy: PublicPolicy, window: Window, cell: Cell) -> str:
    """Return the stable id of a cell and window (the Open311 ``service_request_id``)."""
    return (f"agg_{policy.cell_m}_{policy.crs}_{window.start:%Y%m%d}_{policy.window_days}_"
            f"{cell.cx}_{cell.cy}")


def _request(policy: PublicPolicy, window: Window, cell: Cell) -> dict:
    return {
        "service_request_id": aggregate_id(policy, window, cell),
        "status": "open",
        "service_code": None,
        "service_name": "Sammanräknade rapporter",
        "description": (f"{count_sv(cell.count)} rapporter {window.label} i en ruta om "
                        f"{policy.cell_m} × {policy.cell_m} m"),
        "requested_datetime": window.start_at.isoformat(),
        "lat": cell.lat,
        "long": cell.lon,
        "count": cell.count,
        "window_start": window.start.isoformat(),
        "window_end": window.last_day.isoformat(),
        "cell_m": policy.cell_m,
    }


def open311_requests(session: Session, policy: PublicPolicy, area_id: int, now: datetime, *,
                     start: datetime | None = None, end: datetime | None = None,
                     limit: int = 100, offset: int = 0) -> list[dict]:
    """Return public cells as Open311 requests: one per cell and window, newest window first.

    ``start``/``end`` select the published windows overlapping ``[start, end)`` (only the
    newest window when both are None); ``lat``/``long`` are cell centres (WGS84 degrees),
    ``requested_datetime`` the window's first midnight, ``count`` the number of reports.
    """
    rows: list[dict] = []
    for window in windows_between(policy, now, start, end):
        rows.extend(_request(policy, window, c)
                    for c in public_cells(session, policy, area_id, window, now))
        if len(rows) >= offset + limit:
            break
    return rows[offset:offset + limit]


def open311_request(session: Session, policy: PublicPolicy, area_id: int, now: datetime,
                    request_id: str) -> dict:
    """Return one public cell by its aggregate id; NotFound for anything else.

    Report ids (UUIDs) are never looked up: the public cannot ask for a single report.
    """
    missing = NotFound(f"no service request {request_id[:80]!r}; public requests are "
                       "aggregated cells listed by requests.json")
    match = _AGGREGATE_ID.match(request_id)
    if match is None:
        raise missing
    cell_m, crs, day, days, cx, cy = match.groups()
    try:
        start = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise missing from None
    if (int(cell_m), int(crs), int(days)) != (policy.cell_m, policy.crs, policy.window_days):
        raise missing
    if start < EPOCH or (start - EPOCH).days % policy.window_days:
        raise missing
    window = Window(start, start + timedelta(days=policy.window_days), policy.tz)
    if window.end > latest_window(policy, now).end:
        raise missing  # not yet published
    params = {**_params(policy, area_id, window, now), "only_cx": int(cx), "only_cy": int(cy)}
    row = session.execute(_CELLS, params).first()
    if row is None:
        raise missing
    return _request(policy, window, _cell(row))


# -- organisations -----------------------------------------------------------------------------

def set_public_opt_in(session: Session, organisation: str, opt_in: bool) -> Organisation:
    """Let an organisation's reports count on public outputs (or stop them); by name or id."""
    from est.db import transaction

    key = organisation.strip()
    stmt = select(Organisation).where(
        Organisation.id == int(key) if key.isdigit() and len(key) < 10
        else Organisation.name == key)
    with transaction(session):
        org = session.scalar(stmt)
        if org is None:
            raise NotFound(f"No organisation {key!r}; list them with `est users orgs`.")
        org.public_opt_in = opt_in
    return org


# -- formatting --------------------------------------------------------------------------------

def count_sv(n: int) -> str:
    """Return a count for people: thin-space thousands, e.g. ``12 345``."""
    return f"{n:,}".replace(",", "\u2009")


def date_range_sv(first: date, last: date) -> str:
    """Return an inclusive range of days in Swedish, e.g. ``2–8 november 2026``."""
    def day(d: date, year: bool = True) -> str:
        return f"{d.day} {MONTHS_SV[d.month - 1]}" + (f" {d.year}" if year else "")

    if first.year != last.year:
        return f"{day(first)}–{day(last)}"
    if first.month != last.month:
        return f"{day(first, year=False)}–{day(last)}"
    return f"{first.day}–{day(last)}"

