"""Build the weekly review page: what the group looks at for one ISO week of one municipality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from est import access
from est.errors import PermissionDenied, ValidationError
from est.models import Action, Area, Review
from est.models.hotspots import Hotspot, HotspotRun
from est.queries import shown_cells
from est.review import queries
from est.review.hotspots import HotspotRow, hotspot_rows
from est.review.queries import Filters
from est.services import actions as action_service
from est.services import hotspots as hotspot_service
from est.weeks import WEEKDAYS_SV, Week

MAX_POINTS = 20_000  # above this a week's reports are drawn as grid cells


@dataclass
class ReviewPage:
    """Everything the review page and its print views show.

    ``total_last_year`` is None when there are no data for that week (missing, not zero).
    While the week is in progress (``in_progress``) the three totals count the same
    ``compare_days`` whole days from Monday; with ``compare_days`` 0 there is no comparison.
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

    @property
    def compare_label(self) -> str:
        """Return the weekdays compared while the week is in progress, e.g. "mån–tis"."""
        if self.compare_days <= 1:
            return WEEKDAYS_SV[0]
        return f"{WEEKDAYS_SV[0]}–{WEEKDAYS_SV[self.compare_days - 1]}"

    @property
    def urgent(self) -> list[HotspotRow]:
        """Return the hot spots the group must act on (new, consecutive, intensifying, rising)."""
        return [r for r in self.hotspots if r.urgent]


def build_review(session: Session, area_code: str, week: Week, filters: Filters, *,
                 actor: access.ActorLike | None = None, today: date | None = None,
                 crs: int = 3006, detect: bool = True, min_cell: int = 1) -> ReviewPage:
    """Gather the week's hot spots, totals, matrix, points and actions for one area.

    With an ``actor`` the access policy applies: the review is for coordinators, admins and
    viewers of the municipality, and those who may not see single reports get 200 m cells,
    hiding cells under ``min_cell`` reports as ``/api/v1/cells.geojson`` does. ``actor=None``
    is the trusted internal caller (CLI, exports).
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
    in_progress = week.monday <= today <= week.sunday
    days = week.days_done(today) if in_progress else 7
    run, message = _run_for_week(session, area, week, crs) if detect else (None, None)
    rows = hotspot_rows(session, run, area, district, complete=not in_progress) if run else []
    by_lineage: dict = {}
    for a in action_service.list_actions(session, area.id,
                                         lineage_ids=[r.hotspot.lineage_id for r in rows]):
        by_lineage.setdefault(a.lineage_id, []).append(a)
    for r in rows:
        r.actions = by_lineage.get(r.hotspot.lineage_id, [])
    since = queries.data_since(session, area)
    # Data for last year: reports reach back into that week (else "saknas", never a 0).
    has_last_year = since is not None and since < week.same_week_last_year().end
    if days:
        totals = queries.totals(session, area, district, week, filters, days=days,
                                last_year=has_last_year)
    else:  # Monday of the running week: nothing whole to compare yet
        totals = [{**t, "last_week": None, "last_year": None} for t in queries.totals(
            session, area, district, week, filters, last_year=False)]
    so_far = (sum(t["now"] for t in totals) if days in (0, 7) else sum(
        t["now"] for t in queries.totals(session, area, district, week, filters)))
    as_points = individual and so_far <= MAX_POINTS
    points = queries.points(session, area, district, week, filters) if as_points else []
    cells = None
    if not as_points:
        cells = shown_cells(queries.cells(session, area, district, week, filters, crs),
                            1 if individual else min_cell)
    as_of = min(today, week.sunday + timedelta(days=1))
    return ReviewPage(
        area=area, week=week, filters=filters, run=run, run_message=message, hotspots=rows,
        totals=totals, total_now=sum(t["now"] for t in totals),
        total_last_week=sum(t["last_week"] for t in totals) if days else None,
        total_last_year=sum(t["last_year"] for t in totals) if has_last_year and days else None,
        total_so_far=so_far, in_progress=in_progress, compare_days=days,
        matrix=queries.matrix(session, area, district, week, filters),
        actions=[(a, action_service.follow_up(session, a, today=as_of, tz=week.tz))
                 for a in queries.week_actions(session, area, week)],
        review=queries.get_review(session, area.id, week),
        points=points, cells=cells, min_cell=min_cell,
    )


def _run_for_week(session: Session, area: Area, week: Week,
                  crs: int) -> tuple[HotspotRun | None, str | None]:
    try:
        run = hotspot_service.get_or_detect(session, area_code=area.code, start=week.start,
                                            end=week.end, crs=crs, tz=week.tz)
    except ValidationError as exc:
        return None, "; ".join(exc.errors.values())
    return run, None


def hotspot_centroid(h: Hotspot) -> tuple[float, float]:
    """Return (lat, lon) of a hot spot's centroid."""
    c = to_shape(h.centroid)
    return c.y, c.x
