"""The weekly EST review: what the group looks at for one ISO week of one municipality."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Action, Area, Category, Decision, Organisation, Report, Review
from est.models.hotspots import CLASS_LABELS, Hotspot, HotspotRun
from est.queries import COUNTED_STATUSES
from est.services import actions as action_service
from est.services import hotspots as hotspot_service

WEEKDAYS_SV = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
MAX_POINTS = 20_000  # above this a week's reports are drawn as grid cells


@dataclass(frozen=True)
class Week:
    """An ISO week in local time: ``[start, end)`` as aware datetimes."""

    year: int
    week: int
    tz: str

    @classmethod
    def parse(cls, text_: str, tz: str) -> Week:
        """Parse ``2026-W47`` (the URL form); raise ValidationError naming the week."""
        try:
            year_s, week_s = text_.upper().split("-W")
            year, week = int(year_s), int(week_s)
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValidationError(f"{text_!r} is not an ISO week like 2026-W47",
                                  field="week") from None
        return cls(year, week, tz)

    @classmethod
    def containing(cls, day: date, tz: str) -> Week:
        """Return the ISO week that contains ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week, tz)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0), ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(0), ZoneInfo(self.tz))

    def shift(self, weeks: int) -> Week:
        """Return the week ``weeks`` later (negative: earlier)."""
        return Week.containing(self.monday + timedelta(weeks=weeks), self.tz)

    def same_week_last_year(self) -> Week:
        """Return the week with the same number a year earlier (week 53 → week 52)."""
        week = self.week
        while True:
            try:
                date.fromisocalendar(self.year - 1, week, 1)
                return Week(self.year - 1, week, self.tz)
            except ValueError:
                week -= 1

    @property
    def slug(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        return f"Vecka {self.week} {self.year} ({self.monday:%d/%m}–{self.sunday:%d/%m})"


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


@dataclass
class HotspotRow:
    """One hot spot as the review lists it."""

    hotspot: Hotspot
    klass_label: str
    trend: list[int]
    previous_mean: float
    change_pct: float | None
    top_categories: list[tuple[str, int]]
    busiest_weekdays: list[str]
    busiest_hours: list[int]
    actions: list[Action] = field(default_factory=list)


@dataclass
class ReviewPage:
    """Everything the review page and its print views show."""

    area: Area
    week: Week
    filters: Filters
    run: HotspotRun | None
    run_message: str | None
    hotspots: list[HotspotRow]
    totals: list[dict]
    total_now: int
    total_last_week: int
    total_last_year: int
    matrix: list[list[int]]
    actions: list[tuple[Action, action_service.FollowUp]]
    review: Review | None
    points: list[tuple[float, float, str, str]]
    cells: list[dict] | None


def build_review(session: Session, area_code: str, week: Week, filters: Filters, *,
                 actor: access.ActorLike | None = None, today: date | None = None,
                 crs: int = 3006, detect: bool = True) -> ReviewPage:
    """Gather the week's hot spots, totals, matrix, points and actions for one area.

    With an ``actor`` the access policy applies: the review is for coordinators, admins and
    viewers of the municipality, and viewers get aggregated cells instead of report points.
    ``actor=None`` is the trusted internal caller (CLI, exports).
    """
    area = _municipality(session, area_code)
    _check_filters(session, filters)
    individual = True
    if actor is not None:
        access.require(actor, "review.view")
        if actor.area_id not in (None, area.id):
            raise PermissionDenied("Du har inte behörighet till den här kommunen.")
        individual = access.can(actor, "report.view_all_organisations")
    district = _district(session, area, filters.district)
    run, message = _run_for_week(session, area, week, crs) if detect else (None, None)
    today = today or datetime.now(ZoneInfo(week.tz)).date()
    as_of = min(today, week.sunday + timedelta(days=1))
    rows = _hotspot_rows(session, run, district) if run else []
    lineages = [r.hotspot.lineage_id for r in rows]
    by_lineage: dict = {}
    for a in action_service.list_actions(session, area.id, lineage_ids=lineages):
        by_lineage.setdefault(a.lineage_id, []).append(a)
    for r in rows:
        r.actions = by_lineage.get(r.hotspot.lineage_id, [])
    totals = _totals(session, area, district, week, filters)
    n_points = sum(t["now"] for t in totals)
    as_points = individual and n_points <= MAX_POINTS
    points = _points(session, area, district, week, filters) if as_points else []
    return ReviewPage(
        area=area, week=week, filters=filters, run=run, run_message=message, hotspots=rows,
        totals=totals, total_now=n_points,
        total_last_week=sum(t["last_week"] for t in totals),
        total_last_year=sum(t["last_year"] for t in totals),
        matrix=_matrix(session, area, district, week, filters),
        actions=[(a, action_service.follow_up(session, a, today=as_of, tz=week.tz))
                 for a in _week_actions(session, area, week)],
        review=get_review(session, area.id, week),
        points=points,
        cells=None if as_points else _cells(session, area, district, week, filters, crs),
    )


def get_review(session: Session, area_id: int, week: Week) -> Review | None:
    """Return the stored meeting record of the week, if any."""
    return session.scalar(select(Review).where(
        Review.area_id == area_id, Review.iso_year == week.year, Review.iso_week == week.week))


def save_meeting(session: Session, area_code: str, week: Week, *, participants: list[str],
                 notes: str | None, decisions: list[dict]) -> Review:
    """Create or replace the week's meeting record (participants, notes, decisions)."""
    errors: dict[str, str] = {}
    if notes and len(notes) > 10_000:
        errors["notes"] = "Högst 10 000 tecken."
    clean = []
    for i, d in enumerate(decisions):
        body = (d.get("text") or "").strip()
        if not body:
            continue
        if len(body) > 2000:
            errors[f"decision_{i}"] = "Högst 2 000 tecken per beslut."
        clean.append((body, d.get("action_id") or None))
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        area = _municipality(session, area_code)
        review = get_review(session, area.id, week)
        if review is None:
            review = Review(area_id=area.id, iso_year=week.year, iso_week=week.week)
            session.add(review)
        review.participants = sorted(set(p.strip() for p in participants if p.strip()))
        review.notes = (notes or "").strip() or None
        review.decisions = [Decision(text=body, action_id=_action_id(session, area, aid))
                            for body, aid in clean]
        session.flush()
    return review


def agenda(session: Session, area_code: str, week: Week, *, crs: int = 3006,
           today: date | None = None) -> dict:
    """Return the printable agenda: new hot spots, open actions due, top hot spots."""
    page = build_review(session, area_code, week, Filters(), crs=crs, today=today)
    new = [r for r in page.hotspots if r.hotspot.klass in ("new", "intensifying")]
    due_by = week.sunday + timedelta(days=7)
    due = [(a, f) for a, f in page.actions
           if a.status in ("planned", "in_progress") and (a.due_on is None or a.due_on <= due_by)]
    return {"page": page, "new": new, "due": due, "top": page.hotspots[:5]}


# -- queries ---------------------------------------------------------------------------------

def _municipality(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.kind == "municipality", Area.code == code))
    if area is None:
        raise NotFound(f"No municipality with code {code}; load it with `est areas import` "
                       "or `est demo`.")
    return area


def _district(session: Session, area: Area, code: str | None) -> Area | None:
    if not code:
        return None
    district = session.scalar(select(Area).where(Area.kind == "district", Area.code == code,
                                                 Area.parent_id == area.id))
    if district is None:
        raise ValidationError(f"no district {code} in {area.name}", field="district")
    return district


def districts(session: Session, area_id: int) -> list[Area]:
    """Return the districts of a municipality by name."""
    return list(session.scalars(select(Area).where(Area.kind == "district",
                                                   Area.parent_id == area_id)
                                .order_by(Area.name)))


def _run_for_week(session: Session, area: Area, week: Week,
                  crs: int) -> tuple[HotspotRun | None, str | None]:
    try:
        run = hotspot_service.get_or_detect(session, area_code=area.code, start=week.start,
                                            end=week.end, crs=crs, tz=week.tz)
    except ValidationError as exc:
        return None, "; ".join(exc.errors.values())
    return run, None


def _hotspot_rows(session: Session, run: HotspotRun, district: Area | None) -> list[HotspotRow]:
    stmt = select(Hotspot).where(Hotspot.run_id == run.id).order_by(Hotspot.rank)
    if district is not None:
        stmt = stmt.where(func.ST_Intersects(Hotspot.polygon, district.geom))
    labels = dict(session.execute(select(Category.code, Category.label_sv)).all())
    rows = []
    for h in session.scalars(stmt):
        weekly = [int(v) for v in (h.counts or {}).get("weekly", [])]
        previous = weekly[-4:]
        mean = sum(previous) / len(previous) if previous else 0.0
        change = None if mean == 0 else 100.0 * (h.count - mean) / mean
        cats = sorted((h.counts or {}).get("by_category", {}).items(), key=lambda kv: -kv[1])
        rows.append(HotspotRow(
            hotspot=h, klass_label=CLASS_LABELS.get(h.klass, h.klass or ""),
            trend=weekly[-12:] + [h.count], previous_mean=round(mean, 1), change_pct=change,
            top_categories=[(labels.get(c, c), n) for c, n in cats[:3]],
            busiest_weekdays=list((h.profile or {}).get("busiest_weekdays", [])),
            busiest_hours=list((h.profile or {}).get("busiest_hours", [])),
        ))
    return rows


def _check_filters(session: Session, filters: Filters) -> None:
    """Reject unknown kinds and categories (a shared URL with a typo should say so)."""
    if filters.kind and filters.kind not in ("incident", "otrygghet"):
        raise ValidationError("kind must be incident or otrygghet", field="kind")
    if filters.category and session.scalar(
            select(Category.id).where(Category.code == filters.category)) is None:
        raise ValidationError(f"unknown category {filters.category!r}", field="category")


def _report_filter(area: Area, district: Area | None, filters: Filters):
    conds = [Report.area_id == area.id, Report.status.in_(COUNTED_STATUSES)]
    if district is not None:
        conds.append(func.ST_Intersects(Report.geom, district.geom))
    if filters.kind:
        conds.append(Report.kind == filters.kind)
    if filters.category:
        conds.append(Report.category_id.in_(
            select(Category.id).where(Category.code == filters.category)))
    if filters.organisation == "public":
        conds.append(Report.source == "public")
    elif filters.organisation:
        try:
            conds.append(Report.organisation_id == int(filters.organisation))
        except ValueError:
            raise ValidationError("unknown organisation", field="organisation") from None
    return and_(*conds)


def _totals(session: Session, area: Area, district: Area | None, week: Week,
            filters: Filters) -> list[dict]:
    last_week, last_year = week.shift(-1), week.same_week_last_year()

    def between(w: Week):
        return and_(Report.occurred_at >= w.start, Report.occurred_at < w.end)

    stmt = (
        select(
            Category.code, Category.label_sv, Category.kind,
            func.count().filter(between(week)),
            func.count().filter(between(last_week)),
            func.count().filter(between(last_year)),
        )
        .join(Report, Report.category_id == Category.id)
        .where(_report_filter(area, district, filters),
               or_(between(week), between(last_week), between(last_year)))
        .group_by(Category.code, Category.label_sv, Category.kind)
    )
    rows = [{"code": c, "label": label, "kind": k, "now": n, "last_week": lw, "last_year": ly}
            for c, label, k, n, lw, ly in session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r["now"], -r["last_week"], r["label"]))


def _matrix(session: Session, area: Area, district: Area | None, week: Week,
            filters: Filters) -> list[list[int]]:
    local = func.timezone(week.tz, Report.occurred_at)
    dow, hour = func.extract("isodow", local), func.extract("hour", local)
    stmt = (
        select(dow, hour, func.count())
        .where(_report_filter(area, district, filters), Report.occurred_at >= week.start,
               Report.occurred_at < week.end, Report.time_precision != "unknown")
        .group_by(dow, hour)
    )
    matrix = [[0] * 24 for _ in range(7)]
    for isodow, h, n in session.execute(stmt):
        matrix[int(isodow) - 1][int(h)] = n
    return matrix


def _points(session: Session, area: Area, district: Area | None, week: Week,
            filters: Filters) -> list[tuple[float, float, str, str]]:
    stmt = (
        select(func.ST_Y(Report.geom), func.ST_X(Report.geom), Category.code, Report.kind)
        .join(Category, Category.id == Report.category_id)
        .where(_report_filter(area, district, filters), Report.occurred_at >= week.start,
               Report.occurred_at < week.end)
        .order_by(Report.occurred_at)
    )
    return [(round(lat, 5), round(lon, 5), code, kind)
            for lat, lon, code, kind in session.execute(stmt)]


def _cells(session: Session, area: Area, district: Area | None, week: Week, filters: Filters,
           crs: int, cell_m: int = 200) -> list[dict]:
    """Count the week's filtered reports per ``cell_m`` square (aggregated view)."""
    x = func.floor(func.ST_X(func.ST_Transform(Report.geom, crs)) / cell_m)
    y = func.floor(func.ST_Y(func.ST_Transform(Report.geom, crs)) / cell_m)
    inner = (
        select(x.label("cx"), y.label("cy"), func.count().label("n"),
               func.count().filter(Report.kind == "otrygghet").label("otrygghet"))
        .where(_report_filter(area, district, filters), Report.occurred_at >= week.start,
               Report.occurred_at < week.end)
        .group_by(x, y).subquery()
    )
    envelope = func.ST_Transform(func.ST_MakeEnvelope(
        inner.c.cx * cell_m, inner.c.cy * cell_m, (inner.c.cx + 1) * cell_m,
        (inner.c.cy + 1) * cell_m, crs), 4326)
    rows = session.execute(select(inner.c.n, inner.c.otrygghet, func.ST_AsGeoJSON(envelope, 6)))
    return [{"count": n, "otrygghet": o, "geometry": json.loads(g)} for n, o, g in rows]


def _week_actions(session: Session, area: Area, week: Week) -> list[Action]:
    """Actions that started by the end of the week and were open at some point in it."""
    stmt = select(Action).where(
        Action.area_id == area.id,
        Action.starts_on <= week.sunday,
        or_(Action.status.in_(("planned", "in_progress")),
            Action.updated_at >= datetime.combine(week.monday - timedelta(weeks=8), time(0),
                                                  tzinfo=UTC)),
    ).order_by(Action.due_on.asc().nulls_last(), Action.id)
    return list(session.scalars(stmt))


def _action_id(session: Session, area: Area, value) -> int | None:
    if value in (None, ""):
        return None
    action = session.get(Action, int(value))
    if action is None or action.area_id != area.id:
        raise ValidationError("unknown action", field="decisions")
    return action.id


def organisations(session: Session) -> list[Organisation]:
    """Return organisations by name (filter and participant choices)."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def hotspot_centroid(h: Hotspot) -> tuple[float, float]:
    """Return (lat, lon) of a hot spot's centroid."""
    c = to_shape(h.centroid)
    return c.y, c.x

