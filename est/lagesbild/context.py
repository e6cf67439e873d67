"""What every lägesbild section reads: the period, the area, the audience and shared queries."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from est.audience import Protection
from est.errors import NotFound, ValidationError
from est.lagesbild.model import Facts
from est.lagesbild.suppress import Value, suppress, suppress_matrix
from est.lagesbild.suppress import protect as _protect
from est.models import Area, Category, Report
from est.queries import COUNTED_STATUSES, area_by_code
from est.timebounds import check_bounds

DEFAULT_MIN_CELL = 5
DEFAULT_CELL_M = 250
MAX_DAYS = 3 * 366
COVERAGE_SLACK_DAYS = 7


def parse_period(start: str | date | None, end: str | date | None) -> tuple[date, date]:
    """Parse and check a period given as ISO dates (both inclusive)."""
    errors = {}
    parsed: list[date] = []
    for name, value in (("from", start), ("to", end)):
        if isinstance(value, date):
            parsed.append(value)
            continue
        try:
            parsed.append(date.fromisoformat(str(value or "").strip()))
        except ValueError:
            errors[name] = f"Ogiltigt datum {value!r}: skriv ÅÅÅÅ-MM-DD."
            continue
        check_bounds(parsed[-1], name, errors)
    if errors:
        raise ValidationError(errors)
    first, last = parsed
    if last < first:
        raise ValidationError("Slutdatum är före startdatum.", field="to")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError(f"Perioden får vara högst {MAX_DAYS} dagar.", field="to")
    return first, last


def resolve_area(session: Session, code: str) -> Area:
    """Return the municipality (or district) with ``code``."""
    code = (code or "").strip()
    if not code:
        raise ValidationError("Ange ett område (kommunkod).", field="area")
    try:
        return area_by_code(session, code)
    except NotFound:
        district = session.scalar(select(Area).where(Area.kind == "district", Area.code == code))
        if district is None:
            raise
        return district


def last_year(d: date) -> date:
    """Return the same day one year earlier (28 February for 29 February)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


@dataclass
class Context:
    """The inputs of one build and what the sections add to the map and the facts."""

    session: Session
    area: Area
    start: date
    end: date
    k: int  # the configured minimum: spatial rules and the ``<k`` label
    protection: Protection  # how table counts are published for the audience
    zone: ZoneInfo
    crs: int
    cell_m: int
    today: date
    facts: Facts = field(default_factory=Facts)
    features: list[dict] = field(default_factory=list)
    hotspot_features: list[dict] = field(default_factory=list)
    _labels: dict[str, str] | None = None
    _first_report: date | None = None

    @property
    def s(self) -> Session:
        """Return the session."""
        return self.session

    @property
    def days(self) -> int:
        """Return the number of days in the period."""
        return (self.end - self.start).days + 1

    # -- protection (one rule per audience, see est.audience) -------------------------------

    def protect(self, n: int) -> Value:
        """Return ``n`` or hidden, as the audience may read it."""
        return _protect(n, self.protection.k)

    def suppress(self, cells: dict, lines: Iterable[tuple[Hashable, Sequence[Hashable]]]
                 ) -> dict:
        """Suppress small counts (and, for the public, the sums revealing them)."""
        return suppress(cells, lines, self.protection.k, self.protection.secondary)

    def suppress_matrix(self, matrix: list[list[int]]) -> tuple:
        """Suppress a matrix published with its row, column and grand totals."""
        return suppress_matrix(matrix, self.protection.k, secondary=self.protection.secondary)

    # -- time and filters -------------------------------------------------------------------

    def dt(self, d: date) -> datetime:
        """Return local midnight at the start of ``d``."""
        return datetime.combine(d, time(0), self.zone)

    def window(self, first: date, last: date) -> tuple[datetime, datetime]:
        """Return ``[first 00:00, last + 1 day 00:00)`` in local time."""
        return self.dt(first), self.dt(last + timedelta(days=1))

    def where(self, first: date, last: date, counted: bool = True):
        """Return the filter for reports of the area that occurred ``first`` … ``last``."""
        lo, hi = self.window(first, last)
        conds = [Report.occurred_at >= lo, Report.occurred_at < hi]
        if self.area.kind == "municipality":
            conds.append(Report.area_id == self.area.id)
        else:
            conds.append(func.ST_Intersects(Report.geom, self.area.geom))
        if counted:
            conds += [Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None)]
        return and_(*conds)

    def months(self) -> list[tuple[int, int]]:
        """Return the (year, month) pairs the period touches."""
        months, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return months

    def has_data_from(self, first: date) -> bool:
        """Return True when the area's counted reports reach back to ``first``.

        A comparison period from before the area's first report has no data: it is
        "saknas", not 0. A week of slack allows for a quiet first week of data.
        """
        if self._first_report is None:
            earliest = self.s.scalar(select(func.min(Report.occurred_at)).where(
                self.where(date(2000, 1, 1), self.end)))
            self._first_report = (earliest.astimezone(self.zone).date() if earliest
                                  else self.end + timedelta(days=1))
        return self._first_report <= first + timedelta(days=COVERAGE_SLACK_DAYS)

    # -- shared reads -----------------------------------------------------------------------

    def label(self, code: str) -> str:
        """Return the Swedish label of a category code."""
        if self._labels is None:
            self._labels = dict(self.s.execute(select(Category.code, Category.label_sv)).all())
        return self._labels.get(code, code)

    def totals_by_category(self, first: date, last: date) -> Counter:
        """Return counted reports per category code for ``first`` … ``last``."""
        stmt = (select(Category.code, func.count(Report.id))
                .join(Category, Category.id == Report.category_id)
                .where(self.where(first, last)).group_by(Category.code))
        return Counter(dict(self.s.execute(stmt).all()))

    def municipality_id(self) -> int:
        """Return the id of the area's municipality (the area itself or a district's parent)."""
        if self.area.kind == "municipality":
            return self.area.id
        if self.area.parent_id is None:
            raise ValueError(f"district {self.area.code} belongs to no municipality")
        return self.area.parent_id

    def districts(self) -> list[tuple[str, str]]:
        """Return (name, GeoJSON) of the municipality's districts."""
        parent = self.area.id if self.area.kind == "municipality" else self.area.parent_id
        return list(self.s.execute(select(Area.name, func.ST_AsGeoJSON(Area.geom, 6))
                                   .where(Area.parent_id == parent, Area.kind == "district")
                                   .order_by(Area.code)).all())

    def outline(self) -> dict:
        """Return the area's outline as GeoJSON (WGS84)."""
        geojson = self.s.scalar(select(func.ST_AsGeoJSON(Area.geom, 6))
                                .where(Area.id == self.area.id))
        if geojson is None:
            raise ValueError(f"area {self.area.code} has no outline")
        return json.loads(geojson)

    def cell_geojson(self, cx: float, cy: float) -> dict:
        """Return grid cell (cx, cy) of the projected CRS as a WGS84 GeoJSON polygon."""
        c = float(self.cell_m)
        g = self.s.scalar(text(
            "SELECT ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, :crs), 4326), 6)"
        ), {"x0": cx * c, "y0": cy * c, "x1": (cx + 1) * c, "y1": (cy + 1) * c, "crs": self.crs})
        return json.loads(g)


def published(value: Value, k: int) -> int | str:
    """Return a count as published in GeoJSON: the number, or its hidden label."""
    return value if isinstance(value, int) else value.label(k)
