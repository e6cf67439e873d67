"""Build the review page: what the group looks at for one ISO week (or one calendar month) of
one municipality."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from est import access
from est.errors import PermissionDenied
from est.format import MONTHS_SV
from est.jobs import JobRef
from est.models import Action, Area, Review
from est.models.hotspots import Hotspot, HotspotRun
from est.queries import shown_cells
from est.review import cache as review_cache
from est.review import queries
from est.review.cache import ReviewCache
from est.review.hotspots import HotspotRow, hotspot_rows, week_categories
from est.review.jobs import RunState, detect_in, run_or_job
from est.review.queries import Filters
from est.services import actions as action_service
from est.weeks import WEEKDAYS_SV, Month, Period, Week

MAX_POINTS = 20_000  # above this a week's reports are drawn as grid cells


@dataclass
class ReviewPage:
    """Everything the review page and its print views show.

    ``period`` is the week or month shown; ``week`` is that week, or for a month the week
    whose places (hot spot run) the month's counts are given for.
    ``total_last_year`` is None when there are no data for that period (missing, not zero).
    While the period is in progress (``in_progress``) the three totals count the same
    ``compare_days`` whole days from its start; with ``compare_days`` 0 there is no comparison.
    ``date_only`` counts the period's reports dated to a day without a time (in the map and
    places, not in the weekday × hour matrix); ``month_only`` lists per month the reports dated
    only to that month (on a week page: left to the monthly review).
    ``job`` is the background job computing the hot spots while they are not ready (then
    ``run`` is None and the page says they are being computed).
    """

    area: Area
    week: Week
    filters: Filters
    run: HotspotRun | None
    run_message: str | None
    hotspots: list[HotspotRow]
    totals: list[dict]
    total_now: int
    total_last_week: int | None
    total_last_year: int | None
    total_so_far: int
    in_progress: bool
    compare_days: int
    matrix: list[list[int]]
    actions: list[tuple[Action, action_service.FollowUp]]
    review: Review | None
    points: list[tuple[float, float, str, str]]
    cells: list[dict] | None
    min_cell: int = 1
    period: Period | None = None
    date_only: int = 0
    month_only: list[tuple[Month, int]] = field(default_factory=list)
    job: JobRef | None = None
    cache_key: str | None = None

    @property
    def is_month(self) -> bool:
        return isinstance(self.period, Month)

    @property
    def compare_label(self) -> str:
        """Return the days compared while the period is in progress: "mån–tis", "1–24 nov"."""
        if isinstance(self.period, Month):
            name = MONTHS_SV[self.period.month - 1]
            days = max(self.compare_days, 1)
            return f"1 {name}" if days == 1 else f"1–{days} {name}"
        if self.compare_days <= 1:
            return WEEKDAYS_SV[0]
        return f"{WEEKDAYS_SV[0]}–{WEEKDAYS_SV[self.compare_days - 1]}"

    @property
    def urgent(self) -> list[HotspotRow]:
        """Return the hot spots the group must act on (new, consecutive, intensifying, rising)."""
        return [r for r in self.hotspots if r.urgent]


def build_review(session: Session, area_code: str, week: Period, filters: Filters, *,
                 actor: access.ActorLike | None = None, today: date | None = None,
                 crs: int = 3006, detect: bool = True, min_cell: int = 1,
                 background: bool = False, cache: ReviewCache | None = None) -> ReviewPage:
    """Gather the period's hot spots, totals, matrix, points and actions for one area.

    ``week`` is a :class:`Week` or a :class:`Month`. A month shows the places of the hot spot
    run of its last (or current) week with the month's counts, reports dated only to the
    month included. With an ``actor`` the access policy applies: the review is for
    coordinators, admins and viewers of the municipality, and those who may not see single
    reports get 200 m cells, hiding cells under ``min_cell`` reports as
    ``/api/v1/cells.geojson`` does. ``actor=None`` is the trusted internal caller (CLI,
    exports). ``background`` True runs a missing hot spot run as a job (:mod:`est.review.jobs`)
    instead of in this call. With a ``cache`` the run, totals, matrix and map data are
    computed once per data version (:mod:`est.review.cache`).
    """
    area = queries.municipality(session, area_code)
    queries.check_filters(session, filters)
    individual = True
    if actor is not None:
        access.require(actor, "review.view")
        if actor.area_id not in (None, area.id):
            raise PermissionDenied("Du har inte behörighet till den här kommunen.")
        individual = access.can(actor, "report.view_all_organisations")
    district = queries.district(session, area, filters.district)
    today = today or datetime.now(ZoneInfo(week.tz)).date()
    in_progress = week.in_progress(today)
    days = week.days_done(today) if in_progress else week.length
    month = week if isinstance(week, Month) else None
    ref_week = week if isinstance(week, Week) else Week.containing(
        max(week.first_day, min(week.last_day, today)), week.tz)
    since = queries.data_since(session, area)
    # Data for last year: reports reach back into that period (else "saknas", never a 0).
    has_last_year = since is not None and since < week.same_last_year().end
    key = version = None
    core = None
    if cache is not None and not cache.usable(session):
        cache = None
    if cache is not None:
        version = review_cache.data_version(session, area, week, ref_week)
        if review_cache.needs_compacting(version, week, ref_week):
            review_cache.compact(session, area, week, ref_week)
            version = review_cache.data_version(session, area, week, ref_week)
        key = cache.key(area.id, type(week).__name__, week.first_day, week.tz,
                        sorted(filters.as_query().items()), individual, min_cell, crs,
                        detect, in_progress, days, has_last_year, MAX_POINTS, version)
        core = cache.get(key)
        if core is not None and core["run_id"] and session.get(HotspotRun, core["run_id"]) is None:
            core = None  # the cached run was deleted since
    state = RunState()
    if core is not None:
        run = session.get(HotspotRun, core["run_id"]) if core["run_id"] else None
        state = RunState(run=run, message=core["run_message"])
    elif detect:
        state = _run_state(session, area, ref_week, crs, background=background, cache=cache,
                           version=version)
    # Short reads from here: ST_Transform's cost estimate over a month of reports crosses
    # jit_above_cost and JIT compilation then costs ~2 s a view, far more than the query.
    session.execute(text("SET LOCAL jit = off"))
    if core is None:
        core = _core(session, area, district, week, filters, state, days=days,
                     has_last_year=has_last_year, individual=individual, min_cell=min_cell,
                     crs=crs)
        if cache is not None and key is not None and state.job is None:
            cache.put(key, core)
    run = state.run
    counts = {int(k): [tuple(c) for c in v] for k, v in core["week_categories"].items()}
    rows = hotspot_rows(session, run, area, district, complete=not in_progress,
                        period=month, counts=counts) if run else []
    by_lineage: dict = {}
    for a in action_service.list_actions(session, area.id,
                                         lineage_ids=[r.hotspot.lineage_id for r in rows]):
        by_lineage.setdefault(a.lineage_id, []).append(a)
    for r in rows:
        r.actions = by_lineage.get(r.hotspot.lineage_id, [])
    totals = core["totals"]
    as_of = min(today, week.last_day + timedelta(days=1))
    return ReviewPage(
        area=area, week=ref_week, filters=filters, run=run, run_message=state.message,
        hotspots=rows, totals=totals, total_now=sum(t["now"] for t in totals),
        total_last_week=sum(t["last_week"] for t in totals) if days else None,
        total_last_year=sum(t["last_year"] for t in totals) if has_last_year and days else None,
        total_so_far=core["so_far"], in_progress=in_progress, compare_days=days,
        matrix=core["matrix"],
        actions=_follow_ups(session, area, queries.week_actions(session, area, week), as_of,
                            week.tz, cache),
        review=queries.get_review(session, area.id, week) if isinstance(week, Week) else None,
        points=[tuple(p) for p in core["points"]], cells=core["cells"], min_cell=min_cell,
        period=week, date_only=core["date_only"],
        month_only=[(Month.parse(slug, week.tz), n) for slug, n in core["month_only"]],
        job=state.job, cache_key=key if state.job is None else None,
    )


def _follow_ups(session: Session, area: Area, actions: list[Action], as_of: date, tz: str,
                cache: ReviewCache | None) -> list[tuple[Action, action_service.FollowUp]]:
    """Return each action with its follow-up, cached by the action's row version and the
    version of the reports in its windows (with a million month-dated reports each count
    took ≈ 0.3 s)."""
    if cache is None or not actions:
        return [(a, action_service.follow_up(session, a, today=as_of, tz=tz)) for a in actions]
    rows = review_cache.action_versions(session, [a.id for a in actions])
    span = timedelta(weeks=action_service.FOLLOW_UP_WEEKS)
    out = []
    for a in actions:
        window = review_cache.window_version(session, area, a.starts_on - span,
                                             a.starts_on + span)
        key = cache.key("follow-up", a.id, rows.get(a.id), as_of, tz, window)
        known = cache.get(key)
        if known is not None:
            f = action_service.FollowUp(
                weeks=known["weeks"], before=known["before"], after=known["after"],
                before_start=date.fromisoformat(known["before_start"]),
                starts_on=date.fromisoformat(known["starts_on"]),
                after_end=date.fromisoformat(known["after_end"]))
        else:
            f = action_service.follow_up(session, a, today=as_of, tz=tz)
            cache.put(key, {k: v.isoformat() if isinstance(v, date) else v
                            for k, v in dataclasses.asdict(f).items()})
        out.append((a, f))
    return out


def _run_state(session: Session, area: Area, week: Week, crs: int, *, background: bool,
               cache: ReviewCache | None, version: str | None) -> RunState:
    """Return the run of ``week``: remembered for this data version (any filter or audience
    of the same view shares it), else found, detected or left to a job."""
    pointer = cache.key("run", area.id, week.slug, crs, version) if cache and version else None
    if cache is not None and pointer is not None:
        known = cache.get(pointer)
        run = session.get(HotspotRun, known["run_id"]) if known is not None else None
        if run is not None:
            return RunState(run=run)
    state = (run_or_job(session, area, week, crs) if background
             else detect_in(session, area, week, crs))
    if cache is not None and pointer is not None and state.run is not None:
        cache.put(pointer, {"run_id": state.run.id})  # only runs: a failure is retried
    return state


def _core(session: Session, area: Area, district: Area | None, week: Period, filters: Filters,
          state: RunState, *, days: int, has_last_year: bool, individual: bool, min_cell: int,
          crs: int) -> dict:
    """Compute the cacheable parts of a view as JSON-ready data (see :mod:`est.review.cache`)."""
    if days:
        totals = queries.totals(session, area, district, week, filters, days=days,
                                last_year=has_last_year)
    else:  # first day of the running period: nothing whole to compare yet
        totals = [{**t, "last_week": None, "last_year": None} for t in queries.totals(
            session, area, district, week, filters, last_year=False)]
    so_far = (sum(t["now"] for t in totals) if days in (0, week.length) else sum(
        t["now"] for t in queries.totals(session, area, district, week, filters)))
    as_points = individual and so_far <= MAX_POINTS
    points = queries.points(session, area, district, week, filters) if as_points else []
    cells = None
    if not as_points:
        cells = shown_cells(queries.cells(session, area, district, week, filters, crs),
                            1 if individual else min_cell)
    date_only, month_only = queries.precision_notes(session, area, district, week, filters)
    month = week if isinstance(week, Month) else None
    counts = week_categories(session, state.run, area, month) if state.run is not None else {}
    return {
        "run_id": state.run.id if state.run is not None else None,
        "week_categories": {str(k): v for k, v in counts.items()},
        "run_message": state.message, "totals": totals, "so_far": so_far,
        "matrix": queries.matrix(session, area, district, week, filters),
        "points": points, "cells": cells, "date_only": date_only,
        "month_only": [(m.slug, n) for m, n in month_only],
    }


def hotspot_centroid(h: Hotspot) -> tuple[float, float]:
    """Return (lat, lon) of a hot spot's centroid."""
    c = to_shape(h.centroid)
    return c.y, c.x
