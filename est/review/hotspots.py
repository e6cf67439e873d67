"""The week's hot spots as the EST group reads them: named, ranked by urgency, with the
week's numbers and the baseline's kept apart."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scipy import stats
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import places
from est.models import Action, Area, Category, Report
from est.models.hotspots import CLASS_LABELS, Hotspot, HotspotRun
from est.queries import COUNTED_STATUSES
from est.weeks import Period, Week

# Classes the group must act on first; the detector may return any of HOTSPOT_CLASSES.
ACT_FIRST = ("new", "consecutive", "intensifying")
WATCH = ("persistent", "oscillating")
FADING = ("diminishing", "historical")
MEAN_WEEKS = 4
RISING_MIN_EXTRA = 3  # at least this many reports above the 4-week mean …
RISING_MIN_RATIO = 1.5  # … and this many times the mean, to call a place rising


@dataclass
class HotspotRow:
    """One hot spot as the review lists it: the week's numbers, then the baseline's."""

    hotspot: Hotspot
    name: str
    klass_label: str
    trend: list[int]
    previous_mean: float
    change_pct: float | None
    rising: bool
    urgent: bool
    significance: float
    week_count: int
    week_categories: list[tuple[str, int]]
    baseline_categories: list[tuple[str, int]]
    baseline_weeks: int
    busiest_weekdays: list[str]
    busiest_hours: list[int]
    position: int = 0
    actions: list[Action] = field(default_factory=list)

    @property
    def top_categories(self) -> list[tuple[str, int]]:
        """Return the week's top categories (the baseline's are labelled separately)."""
        return self.week_categories

    @property
    def status_label(self) -> str:
        """Return the class, with "stigande" when the counts rise in another class."""
        if self.rising and self.hotspot.klass not in ACT_FIRST:
            return f"Stigande ({self.klass_label.lower()})"
        return self.klass_label


def hotspot_rows(session: Session, run: HotspotRun, area: Area, district: Area | None, *,
                 complete: bool = True, period: Period | None = None,
                 counts: dict[int, list[tuple]] | None = None) -> list[HotspotRow]:
    """Return the run's hot spots (inside ``district`` if given), named and ranked by urgency.

    ``complete`` False (the period is still in progress) leaves out the change against the
    4-week mean: a part week is no drop. ``period`` (default: the run's week) is what the
    counts cover: a month counts its reports in each place, month-dated ones included, and
    compares them with the 4-week mean scaled to the month's length. ``counts`` are the
    :func:`week_categories` of the run and period when already known (the review cache).
    """
    stmt = select(Hotspot).where(Hotspot.run_id == run.id).order_by(Hotspot.rank)
    if district is not None:
        stmt = stmt.where(func.ST_Intersects(Hotspot.polygon, district.geom))
    hotspots = list(session.scalars(stmt))
    labels = dict(session.execute(select(Category.code, Category.label_sv)).all())
    names = places.names_for_hotspots(session, area.id,
                                      [(h.lineage_id, h.polygon) for h in hotspots])
    week = counts if counts is not None else week_categories(session, run, area, period)
    scale = 1.0 if period is None else period.length / 7
    rows = [_row(h, name, labels, week.get(h.id, []), complete, scale)
            for h, name in zip(hotspots, names, strict=True)]
    return rank(rows)


def week_categories(session: Session, run: HotspotRun, area: Area,
                    period: Period | None = None) -> dict[int, list[tuple]]:
    """Count the period's counted reports inside each hot spot outline, per category.

    The detector may describe a place by more weeks than the review week; these are the
    period's own numbers (default the run's window), so the list never shows a week's count
    beside a longer period's. A week leaves out reports dated only to a month.
    """
    start, end = (run.window_start, run.window_end) if period is None else (period.start,
                                                                          period.end)
    conds = [Report.occurred_at >= start, Report.occurred_at < end]
    if period is None or isinstance(period, Week):
        conds.append(Report.time_precision != "month")
    stmt = (
        select(Hotspot.id, Category.label_sv, func.count())
        .join(Report, func.ST_Intersects(Report.geom, Hotspot.polygon))
        .join(Category, Category.id == Report.category_id)
        .where(Hotspot.run_id == run.id, Report.area_id == area.id,
               Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None),
               *conds)
        .group_by(Hotspot.id, Category.label_sv)
    )
    out: dict[int, list[tuple]] = {}
    for hid, label, n in session.execute(stmt):
        out.setdefault(hid, []).append((label, int(n)))
    return {hid: sorted(cats, key=lambda c: (-c[1], c[0])) for hid, cats in out.items()}


def rank(rows: list[HotspotRow]) -> list[HotspotRow]:
    """Order rows by what the group must act on: new, consecutive, intensifying or rising
    first, then persistent and oscillating, then the rest, fading places last; within a group
    by significance (the week's count against the 4-week mean), then count."""
    def group(r: HotspotRow) -> int:
        if r.urgent:
            return 0
        if r.hotspot.klass in WATCH:
            return 1
        if r.hotspot.klass in FADING:
            return 3
        return 2

    ordered = sorted(rows, key=lambda r: (group(r), -r.significance, -r.week_count,
                                          r.hotspot.rank))
    for i, r in enumerate(ordered, start=1):
        r.position = i
    return ordered


def _row(h: Hotspot, name: str, labels: dict[str, str], week: list[tuple[str, int]],
         complete: bool, scale: float = 1.0) -> HotspotRow:
    counts = h.counts or {}
    weekly = [int(v) for v in counts.get("weekly", [])]
    previous = weekly[-MEAN_WEEKS:]
    # The usual count for the period: the 4-week mean, times the period's weeks (a month).
    mean = scale * sum(previous) / len(previous) if previous else 0.0
    n = sum(c for _l, c in week)  # the period's reports inside the outline
    change = None if mean == 0 or not complete else 100.0 * (n - mean) / mean
    rising = complete and n - mean >= RISING_MIN_EXTRA and (
        mean == 0 or n >= RISING_MIN_RATIO * mean)
    cats = sorted(counts.get("by_category", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    described = [(labels.get(c, c), int(k)) for c, k in cats]
    # The detector's description covers its whole window when it is not the week's.
    longer = sum(k for _l, k in described) != n
    return HotspotRow(
        hotspot=h, name=name, klass_label=CLASS_LABELS.get(h.klass, h.klass or ""),
        trend=weekly[-12:] + [n if scale == 1.0 else round(n / scale)],
        previous_mean=round(mean, 1), change_pct=change,
        rising=rising, urgent=h.klass in ACT_FIRST or rising,
        significance=_significance(n, mean), week_count=n,
        week_categories=week[:3],
        baseline_categories=described[:3] if longer else [],
        baseline_weeks=len(weekly),
        busiest_weekdays=list((h.profile or {}).get("busiest_weekdays", [])),
        busiest_hours=list((h.profile or {}).get("busiest_hours", [])),
    )


def _significance(count: int, mean: float) -> float:
    """Return −log10 of the Poisson chance of ``count`` or more reports at the usual rate."""
    if count <= 0:
        return 0.0
    p = float(stats.poisson.sf(count - 1, max(mean, 0.5)))
    return -math.log10(max(p, 1e-300))
