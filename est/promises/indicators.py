"""Promise indicators computed from the reports over the promise period vs a baseline."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from est import format as sv
from est.lagesbild.model import Table, TableRow
from est.lagesbild.suppress import SMALL, Hidden, fmt, protect
from est.models import Action, Category, Report
from est.models.promises import Promise, PromiseIndicator
from est.queries import COUNTED_STATUSES

DAYS_PER_MONTH = 365.25 / 12
LOOKBACK_DAYS = 366


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator over the promise period and the equally long baseline before it.

    ``now``/``before`` are published values: a per-month rate or a percentage (float),
    or a hidden-count label (str) when too few reports lie behind it.
    """

    label: str
    kind: str
    unit: str
    start: date
    end: date
    baseline_start: date
    baseline_end: date
    now: float | str | None
    before: float | str | None
    target: str | None = None

    @property
    def change(self) -> float | None:
        """Return now minus before (None when either side is hidden or missing)."""
        if isinstance(self.now, float | int) and isinstance(self.before, float | int):
            return round(self.now - self.before, 1)
        return None

    def as_dict(self) -> dict:
        """Return a JSON-ready dict (dates as ISO strings)."""
        d = asdict(self)
        for key in ("start", "end", "baseline_start", "baseline_end"):
            d[key] = d[key].isoformat()
        d["change"] = self.change
        return d


def promise_window(promise: Promise, as_of: date) -> tuple[date, date, date, date] | None:
    """Return (start, end, baseline_start, baseline_end), dates inclusive, up to ``as_of - 1``.

    None when the promise period has not started before ``as_of``.
    """
    end = min(promise.period_end, as_of - timedelta(days=1))
    if end < promise.period_start:
        return None
    days = (end - promise.period_start).days + 1
    return (promise.period_start, end, promise.period_start - timedelta(days=days),
            promise.period_start - timedelta(days=1))


def compute_indicator(session: Session, promise: Promise, ind: PromiseIndicator, *,
                      as_of: date, k: int = 5, tz: str = "Europe/Stockholm"
                      ) -> IndicatorResult | None:
    """Compute one indicator up to the day before ``as_of`` (None before the period starts)."""
    window = promise_window(promise, as_of)
    if window is None:
        return None
    start, end, b_start, b_end = window
    zone = ZoneInfo(tz)
    now: float | str | None
    before: float | str | None
    if ind.kind == "count_per_month":
        now = _rate(_count(session, promise, ind, start, end, zone), start, end, k)
        before = _rate(_count(session, promise, ind, b_start, b_end, zone), b_start, b_end, k)
        unit = "rapporter per månad"
    elif ind.kind == "share_public_moderated":
        days = int((ind.params or {}).get("days", 7))
        now = _share(session, promise, ind, start, end, zone, days, as_of, k)
        before = _share(session, promise, ind, b_start, b_end, zone, days, as_of, k)
        unit = "procent"
    else:
        raise ValueError(f"unknown indicator kind {ind.kind!r}")
    return IndicatorResult(ind.label, ind.kind, unit, start, end, b_start, b_end, now, before,
                           ind.target)


def _bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time(0), zone),
            datetime.combine(last + timedelta(days=1), time(0), zone))


def _place(stmt, promise: Promise, ind: PromiseIndicator):
    if ind.geom is not None:
        return stmt.where(Report.area_id == promise.area_id,
                          func.ST_Intersects(Report.geom, ind.geom))
    if ind.area_id is not None and ind.area_id != promise.area_id:
        from est.models import Area

        district = select(Area.geom).where(Area.id == ind.area_id).scalar_subquery()
        return stmt.where(func.ST_Intersects(Report.geom, district))
    return stmt.where(Report.area_id == promise.area_id)


def _count(session: Session, promise: Promise, ind: PromiseIndicator, first: date, last: date,
           zone: ZoneInfo) -> int:
    lo, hi = _bounds(first, last, zone)
    stmt = select(func.count(Report.id)).where(
        Report.occurred_at >= lo, Report.occurred_at < hi,
        Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None))
    if ind.category_ids:
        stmt = stmt.where(Report.category_id.in_([int(c) for c in ind.category_ids]))
    return int(session.scalar(_place(stmt, promise, ind)) or 0)


def _rate(n: int, first: date, last: date, k: int) -> float | str:
    if isinstance(protect(n, k), Hidden):
        return SMALL.label(k)
    months = ((last - first).days + 1) / DAYS_PER_MONTH
    return round(n / months, 1)


def _share(session: Session, promise: Promise, ind: PromiseIndicator, first: date, last: date,
           zone: ZoneInfo, days: int, as_of: date, k: int) -> float | str | None:
    """Share (%) of public reports, reported in the window at least ``days`` before ``as_of``,
    that are no longer pending moderation."""
    lo, hi = _bounds(first, last, zone)
    cutoff = datetime.combine(as_of, time(0), zone) - timedelta(days=days)
    base = select(func.count(Report.id), func.count(Report.id).filter(Report.status != "pending")
                  ).where(Report.source == "public", Report.reported_at >= lo,
                          Report.reported_at < min(hi, cutoff))
    if ind.category_ids:
        base = base.where(Report.category_id.in_([int(c) for c in ind.category_ids]))
    total, done = session.execute(_place(base, promise, ind)).one()
    if total == 0:
        return None
    if total < k:
        return SMALL.label(k)
    return round(100.0 * done / total, 1)


def linked_actions(session: Session, promise: Promise) -> list[Action]:
    """Return the promise's actions: linked explicitly, or at its focus during the period."""
    explicit = {a.id: a for a in promise.actions}
    cats = [f.category_id for f in promise.focus if f.category_id]
    lineages = [f.lineage_id for f in promise.focus if f.lineage_id]
    if cats or lineages:
        conds = []
        if cats:
            conds.append(Action.category_id.in_(cats))
        if lineages:
            conds.append(Action.lineage_id.in_(lineages))
        stmt = select(Action).where(Action.area_id == promise.area_id, or_(*conds),
                                    Action.starts_on <= promise.period_end,
                                    Action.starts_on >= promise.period_start)
        for a in session.scalars(stmt):
            explicit.setdefault(a.id, a)
    return sorted(explicit.values(), key=lambda a: (a.starts_on, a.id))


def indicator_rows(results: list[IndicatorResult], k: int) -> list[TableRow]:
    """Return table rows: indicator, promise period, baseline, change, target."""
    rows: list[TableRow] = []
    for r in results:
        suffix = " %" if r.kind == "share_public_moderated" else ""
        rows.append([r.label, sv.period(r.start, r.end), _v(r.now, suffix),
                     _v(r.before, suffix), sv.signed(r.change, 1, suffix), r.target])
    return rows


def _v(value, suffix: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{sv.number(value, 1)}{suffix}"


INDICATOR_COLUMNS = ["Indikator", "Löftesperiod (hittills)", "Under perioden",
                     "Före (baslinje)", "Förändring", "Mål"]


def followup_tables(session: Session, area_id: int, start: date, end: date, *, k: int,
                    tz: str, today: date) -> tuple[list[Table], list[str]]:
    """Return the "Uppföljning" tables of a lägesbild for ``start`` … ``end``.

    Promises of the area that overlap the period or ended in the year before it are followed
    up to the end of the lägesbild period.
    """
    from est.services.actions import STATUS_LABELS, follow_up

    as_of = min(today, end + timedelta(days=1))
    stmt = select(Promise).where(Promise.area_id == area_id, Promise.period_start <= end,
                                 Promise.period_end >= start - timedelta(days=LOOKBACK_DAYS)
                                 ).order_by(Promise.period_start, Promise.id)
    tables: list[Table] = []
    paragraphs: list[str] = []
    for p in session.scalars(stmt):
        results = [r for ind in p.indicators
                   if (r := compute_indicator(session, p, ind, as_of=as_of, k=k, tz=tz))]
        paragraphs.append(f"{p.title} ({p.period_start:%Y-%m-%d} – {p.period_end:%Y-%m-%d}): "
                          f"{len(results)} indikatorer, jämförda med lika lång tid före "
                          "löftesperioden.")
        if results:
            tables.append(Table(f"followup_{p.id}", f"Indikatorer: {p.title}",
                                INDICATOR_COLUMNS, indicator_rows(results, k)))
        rows: list[TableRow] = []
        for a in linked_actions(session, p):
            fu = follow_up(session, a, today=as_of, tz=tz)
            before, after = protect(fu.before, k), protect(fu.after, k)
            rows.append([a.title, a.organisation.name, STATUS_LABELS.get(a.status, a.status),
                         a.starts_on.isoformat(), fmt(before, k), fmt(after, k)])
        if rows:
            tables.append(Table(f"followup_actions_{p.id}", f"Åtgärder: {p.title}",
                                ["Åtgärd", "Ansvarig", "Status", "Start", "Före", "Efter"],
                                rows))
    return tables, paragraphs


def category_ids(session: Session, codes: list[str]) -> list[int]:
    """Return the ids of categories by code (unknown codes are skipped)."""
    return list(session.scalars(select(Category.id).where(Category.code.in_(codes))))
