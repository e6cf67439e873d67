"""Reads of the EST review by week or month: totals, weekday × hour matrix, points, cells,
time precision notes, the period's actions.

A week counts the reports dated to a day or finer; reports dated only to a month (stored on
the 1st at local midnight) belong to the month's review, never to the week of the 1st.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from est.errors import NotFound, ValidationError
from est.models import Action, Area, Category, Organisation, Report, Review
from est.queries import COUNTED_STATUSES
from est.weeks import Month, Period, Week

DATE_ONLY = ("day", "unknown")  # date without time: in maps and counts, not in the matrix
TIMED = ("exact", "window", "recurring")


@dataclass(frozen=True)
class Filters:
    """Filters of the review page; every field optional. ``organisation`` may be 'public'."""

    district: str | None = None
    category: str | None = None
    kind: str | None = None
    organisation: str | None = None

    def as_query(self) -> dict[str, str]:
        """Return the non-empty filters as URL query parameters."""
        return {k: v for k, v in self.__dict__.items() if v}


def municipality(session: Session, code: str) -> Area:
    """Return the municipality with kommunkod ``code`` or raise NotFound."""
    area = session.scalar(select(Area).where(Area.kind == "municipality", Area.code == code))
    if area is None:
        raise NotFound(f"No municipality with code {code}; load it with `est areas import` "
                       "or `est demo`.")
    return area


def district(session: Session, area: Area, code: str | None) -> Area | None:
    """Return the district ``code`` of ``area`` (None for none); 400 naming the field."""
    if not code:
        return None
    found = session.scalar(select(Area).where(Area.kind == "district", Area.code == code,
                                              Area.parent_id == area.id))
    if found is None:
        raise ValidationError(f"no district {code} in {area.name}", field="district")
    return found


def districts(session: Session, area_id: int) -> list[Area]:
    """Return the districts of a municipality by name."""
    return list(session.scalars(select(Area).where(Area.kind == "district",
                                                   Area.parent_id == area_id)
                                .order_by(Area.name)))


def organisations(session: Session) -> list[Organisation]:
    """Return organisations by name (filter and participant choices)."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def get_review(session: Session, area_id: int, week: Week) -> Review | None:
    """Return the stored meeting record of the week, if any."""
    return session.scalar(select(Review).where(
        Review.area_id == area_id, Review.iso_year == week.year, Review.iso_week == week.week))


def check_filters(session: Session, filters: Filters) -> None:
    """Reject unknown kinds, categories and organisations (a typo in a URL should say so)."""
    if filters.kind and filters.kind not in ("incident", "otrygghet"):
        raise ValidationError("kind must be incident or otrygghet", field="kind")
    if filters.category and session.scalar(
            select(Category.id).where(Category.code == filters.category)) is None:
        raise ValidationError(f"unknown category {filters.category!r}", field="category")
    org = filters.organisation
    if org and org != "public" and (not org.isdigit() or len(org) > 9):
        raise ValidationError("unknown organisation", field="organisation")


def report_filter(area: Area, district_: Area | None, filters: Filters):
    """Return the WHERE clause of the counted, filtered reports of an area."""
    conds = [Report.area_id == area.id, Report.status.in_(COUNTED_STATUSES)]
    if district_ is not None:
        conds.append(func.ST_Intersects(Report.geom, district_.geom))
    if filters.kind:
        conds.append(Report.kind == filters.kind)
    if filters.category:
        conds.append(Report.category_id.in_(
            select(Category.id).where(Category.code == filters.category)))
    if filters.organisation == "public":
        conds.append(Report.source == "public")
    elif filters.organisation:
        conds.append(Report.organisation_id == int(filters.organisation))
    return and_(*conds)


def data_since(session: Session, area: Area) -> datetime | None:
    """Return when the area's counted reports begin (None: no reports at all)."""
    return session.scalar(select(func.min(Report.occurred_at)).where(
        Report.area_id == area.id, Report.status.in_(COUNTED_STATUSES)))


def in_period(period: Period):
    """Return the WHERE clause of a period's reports: its time span and, for a week, only
    reports dated to a day or finer (month-dated ones go to the monthly review)."""
    conds = [Report.occurred_at >= period.start, Report.occurred_at < period.end]
    if isinstance(period, Week):
        conds.append(Report.time_precision != "month")
    return and_(*conds)


def totals(session: Session, area: Area, district_: Area | None, week: Period,
           filters: Filters, *, days: int | None = None, last_year: bool = True) -> list[dict]:
    """Count the filtered reports per category: the period, the one before and the same
    period a year before (``days`` whole days from its start: like with like while it runs).

    A part period leaves out reports dated only to a month (they cover the whole month).
    ``last_year`` False gives ``None`` for last year (no data then: missing, not zero).
    """
    days = week.length if days is None else days
    last_week, year_ago = week.shift(-1), week.same_last_year()
    whole_months = isinstance(week, Month) and days >= week.length

    def between(w: Period):
        cond = and_(Report.occurred_at >= w.start, Report.occurred_at < w.cut(days))
        return cond if whole_months else and_(cond, Report.time_precision != "month")

    stmt = (
        select(
            Category.code, Category.label_sv, Category.kind,
            func.count().filter(between(week)),
            func.count().filter(between(last_week)),
            func.count().filter(between(year_ago)),
        )
        .join(Report, Report.category_id == Category.id)
        .where(report_filter(area, district_, filters),
               or_(between(week), between(last_week), between(year_ago)))
        .group_by(Category.code, Category.label_sv, Category.kind)
    )
    rows = [{"code": c, "label": label, "kind": k, "now": n, "last_week": lw,
             "last_year": ly if last_year else None}
            for c, label, k, n, lw, ly in session.execute(stmt)]
    if not last_year:
        rows = [r for r in rows if r["now"] or r["last_week"]]
    return sorted(rows, key=lambda r: (-r["now"], -r["last_week"], r["label"]))


def matrix(session: Session, area: Area, district_: Area | None, week: Period,
           filters: Filters) -> list[list[int]]:
    """Count the period's reports with a time of day by ISO weekday (rows) and local hour
    (columns); reports dated only to a day or a month have no hour and stay out."""
    local = func.timezone(week.tz, Report.occurred_at)
    dow, hour = func.extract("isodow", local), func.extract("hour", local)
    stmt = (
        select(dow, hour, func.count())
        .where(report_filter(area, district_, filters), Report.occurred_at >= week.start,
               Report.occurred_at < week.end,
               Report.time_precision.in_(TIMED))
        .group_by(dow, hour)
    )
    out = [[0] * 24 for _ in range(7)]
    for isodow, h, n in session.execute(stmt):
        out[int(isodow) - 1][int(h)] = n
    return out


def points(session: Session, area: Area, district_: Area | None, week: Period,
           filters: Filters) -> list[tuple[float, float, str, str]]:
    """Return the period's reports as (lat, lon, category code, kind), oldest first."""
    stmt = (
        select(func.ST_Y(Report.geom), func.ST_X(Report.geom), Category.code, Report.kind)
        .join(Category, Category.id == Report.category_id)
        .where(report_filter(area, district_, filters), in_period(week))
        .order_by(Report.occurred_at)
    )
    return [(round(lat, 5), round(lon, 5), code, kind)
            for lat, lon, code, kind in session.execute(stmt)]


def cells(session: Session, area: Area, district_: Area | None, week: Period,
          filters: Filters, crs: int, cell_m: int = 200) -> list[dict]:
    """Count the period's filtered reports per ``cell_m`` square (aggregated view)."""
    # Each point is projected once (not once for x and once for y): with a month of 83,000
    # month-dated reports that halves the cost of the map; OFFSET 0 keeps it a subquery.
    pts = (select(func.ST_Transform(Report.geom, crs).label("g"), Report.kind)
           .where(report_filter(area, district_, filters), in_period(week))
           .offset(0).subquery())
    x = func.floor(func.ST_X(pts.c.g) / cell_m)
    y = func.floor(func.ST_Y(pts.c.g) / cell_m)
    inner = (
        select(x.label("cx"), y.label("cy"), func.count().label("n"),
               func.count().filter(pts.c.kind == "otrygghet").label("otrygghet"))
        .group_by(x, y).subquery()
    )
    envelope = func.ST_Transform(func.ST_MakeEnvelope(
        inner.c.cx * cell_m, inner.c.cy * cell_m, (inner.c.cx + 1) * cell_m,
        (inner.c.cy + 1) * cell_m, crs), 4326)
    rows = session.execute(select(inner.c.n, inner.c.otrygghet, func.ST_AsGeoJSON(envelope, 6)))
    return [{"count": n, "otrygghet": o, "geometry": json.loads(g)} for n, o, g in rows]


def precision_notes(session: Session, area: Area, district_: Area | None, week: Period,
                    filters: Filters) -> tuple[int, list[tuple[Month, int]]]:
    """Return the period's filtered reports dated only to a day (no time), and per month the
    period touches the reports dated only to that month (a week leaves them to the monthly
    review; a month counts them)."""
    base = report_filter(area, district_, filters)
    date_only = session.scalar(select(func.count()).select_from(Report).where(
        base, in_period(week), Report.time_precision.in_(DATE_ONLY)))
    months = week.months() if isinstance(week, Week) else [
        Month.containing(week.first_day, week.tz)]
    per_month = []
    for m in months:
        n = session.scalar(select(func.count()).select_from(Report).where(
            base, Report.time_precision == "month", Report.occurred_at >= m.start,
            Report.occurred_at < m.end))
        if n:
            per_month.append((m, int(n)))
    return int(date_only or 0), per_month


def week_actions(session: Session, area: Area, week: Period) -> list[Action]:
    """Actions of the period's list: decided from the week (its meeting record), or started
    by its end and open at some point in it."""
    ongoing = and_(
        Action.starts_on <= week.last_day,
        or_(Action.status.in_(("planned", "in_progress")),
            Action.updated_at >= datetime.combine(week.first_day - timedelta(weeks=8),
                                                  time(0), tzinfo=UTC)),
    )
    listed = ongoing
    if isinstance(week, Week):
        listed = or_(ongoing, Action.review_id.in_(select(Review.id).where(
            Review.area_id == area.id, Review.iso_year == week.year,
            Review.iso_week == week.week)))
    stmt = select(Action).where(Action.area_id == area.id, listed
                                ).order_by(Action.due_on.asc().nulls_last(), Action.id)
    return list(session.scalars(stmt))
