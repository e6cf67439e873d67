"""Hot spot runs: detect on stored reports, classify against earlier weeks, store, reuse.

The weekly review calls :func:`get_or_detect`; the same area, window, method, parameters
and data give back the stored run instead of a new one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import Area, Category, Report
from est.models.hotspots import Hotspot, HotspotRun
from est.queries import COUNTED_STATUSES, area_by_code
from geo.hotspots import Hotspot as GeoHotspot
from geo.hotspots import PointSet, match_lineages, resolve_method
from geo.hotspots.coverage import coverage_flagger
from geo.hotspots.emerging import MAX_PRIOR_WEEKS, choose_prior_weeks, emerging
from geo.hotspots.polygons import as_multipolygon
from geo.projection import geometry_to_projected, validate_projected_crs

DEFAULT_WINDOW_DAYS = 7
DEFAULT_BASELINE_WEEKS = 12
# Version of the places-and-weekly-classes rules: a change makes earlier stored runs stale.
CLASSES_VERSION = "places-weekly-1"
# Time precisions that carry a time of day (weekday/hour profiles); "day" and "unknown" are
# date-only, "month" is left out of weekly detection altogether.
TIMED_PRECISIONS = ("exact", "window", "recurring")
DATE_ONLY_PRECISIONS = ("day", "unknown")


@dataclass(frozen=True)
class RunRequest:
    """A resolved detection request (aware UTC datetimes, concrete method, EPSG code)."""

    area: Area | None
    start: datetime
    end: datetime
    baseline_weeks: int
    method: str
    params: dict
    crs: int
    tz: str
    coverage: float | None = None

    @property
    def baseline_start(self) -> datetime:
        """Return the start of the comparison weeks before the review window."""
        return self.start - timedelta(weeks=self.baseline_weeks)

    def canonical(self) -> dict:
        """Return everything besides the window and area that determines the result."""
        return {
            "method": self.method,
            "params": _jsonable(self.params),
            "baseline_weeks": self.baseline_weeks,
            "classes": CLASSES_VERSION,
            "mode": "coverage" if self.coverage else "significance",
            "coverage": self.coverage,
            "crs": self.crs,
            "tz": self.tz,
            "statuses": list(COUNTED_STATUSES),
        }

    def params_hash(self) -> str:
        """Return a SHA-256 of :meth:`canonical`."""
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def default_window(now: datetime | None = None, tz: str = "Europe/Stockholm",
                   days: int = DEFAULT_WINDOW_DAYS) -> tuple[datetime, datetime]:
    """Return the last ``days`` whole local days before today: ``[today - days, today)``."""
    from zoneinfo import ZoneInfo

    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz))
    end = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return days_before(end, days, tz), end.astimezone(UTC)


def days_before(end: datetime, days: int, tz: str) -> datetime:
    """Return the instant ``days`` local calendar days before ``end`` (DST-aware), in UTC."""
    from zoneinfo import ZoneInfo

    local = end.astimezone(ZoneInfo(tz)).replace(tzinfo=None) - timedelta(days=days)
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def resolve_request(
    session: Session,
    *,
    area_code: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    method: str = "default",
    params: dict | None = None,
    crs: int | str = 3006,
    tz: str = "Europe/Stockholm",
    coverage: float | None = None,
) -> RunRequest:
    """Check and complete the inputs of a run (defaults: last 7 local days, 12 weeks before)."""
    try:
        name = resolve_method(method)
    except ValueError as exc:
        raise ValidationError(str(exc), field="method") from None
    try:
        code = validate_projected_crs(crs)
    except ValueError as exc:
        raise ValidationError(str(exc), field="crs") from None
    if start is None or end is None:
        d_start, d_end = default_window(tz=tz)
        start = start or (days_before(end, DEFAULT_WINDOW_DAYS, tz) if end else d_start)
        end = end or d_end
    start, end = _aware(start), _aware(end)
    if end <= start:
        raise ValidationError("the window must end after it starts", field="window")
    if not 0 <= int(baseline_weeks) <= 260:
        raise ValidationError("baseline weeks must be between 0 and 260", field="baseline_weeks")
    if coverage is not None and not 0 < float(coverage) <= 0.5:
        raise ValidationError("coverage must be a share above 0 and at most 0.5 (e.g. 0.02)",
                              field="coverage")
    if coverage is not None and name != "scan":
        raise ValidationError("coverage mode ranks the default scan's places",
                              field="coverage")
    area = area_by_code(session, area_code) if area_code else None
    cov = None if coverage is None else float(coverage)
    req = RunRequest(area, start, end, int(baseline_weeks), name,
                     {k: v for k, v in (params or {}).items() if v is not None}, code, tz, cov)
    if req.baseline_weeks > 0:
        # Sparse data: extend the places window until it holds enough reports.
        weeks = choose_prior_weeks(*_weekly_before(session, req),
                                   min_weeks=req.baseline_weeks,
                                   max_weeks=max(MAX_PRIOR_WEEKS, req.baseline_weeks))
        req = RunRequest(area, start, end, weeks, name, req.params, code, tz, cov)
    return req


def _weekly_before(session: Session, req: RunRequest) -> tuple[int, list[int]]:
    """Return the window's counted reports and those of each week before (most recent first)."""
    weeks = max(MAX_PRIOR_WEEKS, req.baseline_weeks)
    probe = RunRequest(req.area, req.start, req.end, weeks, req.method, req.params, req.crs,
                       req.tz)
    bucket = func.floor(func.extract("epoch", req.start - Report.occurred_at) / (7 * 86400))
    stmt = _counted(select(bucket, func.count()).select_from(Report), probe).group_by(bucket)
    counts = [0] * weeks
    n_review = 0
    for b, n in session.execute(stmt):
        if b < 0:
            n_review += int(n)
        elif int(b) < weeks:
            counts[int(b)] += int(n)
    return n_review, counts


def _counted(stmt, req: RunRequest):
    """Restrict a select over Report to the counted reports of the window and its baseline."""
    stmt = stmt.where(
        Report.occurred_at >= req.baseline_start,
        Report.occurred_at < req.end,
        Report.status.in_(COUNTED_STATUSES),
        Report.duplicate_of.is_(None),
        Report.time_precision != "month",
    )
    if req.area is not None:
        stmt = stmt.where(func.ST_Intersects(Report.geom, req.area.geom))
    return stmt


def precision_counts(session: Session, *, area_code: str | None, start: datetime,
                     end: datetime, tz: str = "Europe/Stockholm") -> dict[str, int]:
    """Return how many counted reports of a window are dated only to the day or the month.

    ``date_only``: reports in ``[start, end)`` with precision ``day`` or ``unknown`` (they
    count in places and weeks, not in weekday/hour profiles). ``month_only``: reports
    dated only to a month that the window touches, filed in the area (left out of weekly
    detection; a monthly view shows them).
    """
    from zoneinfo import ZoneInfo

    area = area_by_code(session, area_code) if area_code else None
    local = _aware(start).astimezone(ZoneInfo(tz))
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    base: list = [Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None)]
    if area is not None:
        base.append(func.ST_Intersects(Report.geom, area.geom))
    date_only = session.scalar(select(func.count()).select_from(Report).where(
        *base, Report.time_precision.in_(DATE_ONLY_PRECISIONS),
        Report.occurred_at >= _aware(start), Report.occurred_at < _aware(end)))
    # Month-dated reports are counted by the municipality they were filed in, from the
    # partial index ix_report_month_dated alone (a point-in-outline test per row cost 0.7 s
    # a view with 1M imported rows); reports without an area are tested against the outline.
    month_where: list = [Report.status.in_(COUNTED_STATUSES), Report.time_precision == "month",
                         Report.occurred_at >= month_start.astimezone(UTC),
                         Report.occurred_at < _aware(end)]
    if area is None:
        month_only = session.scalar(select(func.count()).select_from(Report).where(
            *month_where, Report.duplicate_of.is_(None)))
    else:
        filed = session.scalar(select(func.count()).select_from(Report).where(
            *month_where, Report.area_id == area.id))
        unfiled = session.scalar(select(func.count()).select_from(Report).where(
            *month_where, Report.area_id.is_(None), Report.duplicate_of.is_(None),
            func.ST_Intersects(Report.geom, area.geom)))
        month_only = int(filed or 0) + int(unfiled or 0)
    return {"date_only": int(date_only or 0), "month_only": int(month_only or 0)}


def data_version(session: Session, req: RunRequest) -> str:
    """Return a fingerprint of the reports a run reads, computed in the database.

    The count plus the sum of a 64-bit hash of every counted report's id, time, geometry,
    category and kind: any added, removed or edited report gives a new version. It is
    order-free and needs no sort, so a stored run is found in a few milliseconds without
    loading the points (about 20 ms for 25,000 reports).
    """
    row = func.concat_ws(":", Report.id, Report.occurred_at, Report.geom, Report.category_id,
                         Report.kind)
    stmt = _counted(select(func.count(), func.sum(func.hashtextextended(row, 0)))
                    .select_from(Report), req)
    n, digest = session.execute(stmt).one()
    return f"{n}:{digest or 0}"


def load_points(session: Session, req: RunRequest) -> PointSet:
    """Read the counted reports of the window and its baseline as a projected PointSet."""
    stmt = _counted(
        select(Report.occurred_at, func.ST_X(Report.geom), func.ST_Y(Report.geom),
               Category.code, Report.kind, Report.time_precision)
        .join(Category, Category.id == Report.category_id)
        .order_by(Report.id), req)
    rows = session.execute(stmt).all()
    t = np.array([int(r[0].timestamp()) for r in rows], dtype=np.int64)
    lon = np.array([r[1] for r in rows], dtype=np.float64)
    lat = np.array([r[2] for r in rows], dtype=np.float64)
    cat = np.array([r[3] for r in rows], dtype=object)
    kind = np.array([r[4] for r in rows], dtype=object)
    timed = np.array([r[5] in TIMED_PRECISIONS for r in rows], dtype=bool)
    return PointSet.from_lonlat(lon, lat, crs=req.crs, t=t.astype("datetime64[s]"),
                                category=cat, kind=kind, timed=timed)


def find_run(session: Session, req: RunRequest, data_version: str) -> HotspotRun | None:
    """Return the stored run with the same area, window, parameters and data, if any."""
    stmt = select(HotspotRun).where(
        HotspotRun.area_id.is_(None) if req.area is None else HotspotRun.area_id == req.area.id,
        HotspotRun.window_start == req.start,
        HotspotRun.window_end == req.end,
        HotspotRun.method == req.method,
        HotspotRun.params_hash == req.params_hash(),
        HotspotRun.data_version == data_version,
    ).order_by(HotspotRun.id.desc()).limit(1)
    return session.scalar(stmt)


def get_or_detect(
    session: Session,
    *,
    area_code: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    method: str = "default",
    params: dict | None = None,
    crs: int | str = 3006,
    tz: str = "Europe/Stockholm",
    coverage: float | None = None,
) -> HotspotRun:
    """Return the stored run for this window, or detect, classify and store a new one.

    Parameters
    ----------
    session : Session
        The service opens and commits its own transaction.
    area_code : str, optional
        Municipality code (kommunkod); None analyses every report.
    start, end : datetime, optional
        Review window ``[start, end)``; default the last 7 whole local days.
    baseline_weeks : int
        Weeks before ``start`` the classes compare with (0: no classes).
    method, params :
        Detection method (``default``, ``scan``, ``dbscan``, ``hdbscan``, ``kde``,
        ``gistar``) and its parameters in metres/counts.
    crs : int or str
        Projected CRS (metres) used for the maths; stored geometries are WGS84.
    tz : str
        Time zone for weekday/hour statistics.
    coverage : float, optional
        Coverage mode: flag the strongest candidate places up to this share of the study
        area (e.g. 0.02); None = significance mode. Recorded in the run's parameters.

    Returns
    -------
    HotspotRun
        With ``hotspots`` ordered by rank (class, then count). Hot spots keep the
        ``lineage_id`` of the overlapping hot spot of an earlier run of the same area and
        method.

    Raises
    ------
    ValidationError
        Bad window, method, parameters or CRS, or no reports in the window.
    NotFound
        Unknown area code.
    """
    with transaction(session):
        req = resolve_request(session, area_code=area_code, start=start, end=end,
                              baseline_weeks=baseline_weeks, method=method, params=params,
                              crs=crs, tz=tz, coverage=coverage)
        # Serialise identical requests so two reviewers never store the same run twice.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                        {"k": f"hotspots:{req.area.id if req.area else 0}:{req.params_hash()}"})
        version = data_version(session, req)
        run = find_run(session, req, version)
        if run is not None:
            return run
        run = _build_run(session, req, load_points(session, req), version)
        session.add(run)
        session.flush()
    return run


def preview(
    session: Session,
    *,
    area_code: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    baseline_weeks: int = DEFAULT_BASELINE_WEEKS,
    method: str = "default",
    params: dict | None = None,
    crs: int | str = 3006,
    tz: str = "Europe/Stockholm",
    coverage: float | None = None,
) -> HotspotRun:
    """Return the run :func:`get_or_detect` would store, without writing anything.

    A stored run with the same inputs and data is returned as is; otherwise the result is
    an unsaved :class:`HotspotRun` whose hot spots carry the ``lineage_id`` inherited from an
    overlapping stored hot spot, or None for a new place.
    """
    with transaction(session):
        req = resolve_request(session, area_code=area_code, start=start, end=end,
                              baseline_weeks=baseline_weeks, method=method, params=params,
                              crs=crs, tz=tz, coverage=coverage)
        version = data_version(session, req)
        run = find_run(session, req, version)
        if run is None:
            # Unsaved: only inherited identities are shown; new places get theirs on save.
            run = _build_run(session, req, load_points(session, req), version,
                             new_lineages=False)
    return run


def _build_run(session: Session, req: RunRequest, points: PointSet, version: str, *,
               new_lineages: bool = True) -> HotspotRun:
    """Detect and classify, match lineages to earlier runs, and build (unsaved) rows."""
    np_start = np.datetime64(req.start.replace(tzinfo=None), "s")
    np_end = np.datetime64(req.end.replace(tzinfo=None), "s")
    if points.t is None:
        raise ValueError("hot spot runs need report times; load the points with them")
    n_now = int(((points.t >= np_start) & (points.t < np_end)).sum()) if len(points) else 0
    if n_now == 0:
        raise ValidationError(_no_reports_message(session, req, len(points)), field="window")
    try:
        flagger = None if req.coverage is None else coverage_flagger(req.coverage, req.params)
        result = emerging(points, np_start, np_end, prior_weeks=req.baseline_weeks,
                          method=req.method, params=req.params, tz=req.tz, flagger=flagger)
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"cannot run {req.method}: {exc}", field="params") from None
    previous = _previous_lineages(session, req)
    lineages = match_lineages([h.polygon_m for h in result.hotspots], previous)
    run = HotspotRun(
        area_id=req.area.id if req.area else None,
        window_start=req.start,
        window_end=req.end,
        baseline_weeks=req.baseline_weeks,
        method=req.method,
        parameters={**req.canonical(), "used": _jsonable(result.params),
                    "window": {"weeks_before": req.baseline_weeks,
                               "start": req.baseline_start.isoformat(),
                               "reports": result.n_window,
                               "extended": req.baseline_weeks > DEFAULT_BASELINE_WEEKS},
                    "precision": precision_counts(session, area_code=req.area.code
                                                  if req.area else None, start=req.start,
                                                  end=req.end, tz=req.tz)},
        params_hash=req.params_hash(),
        data_version=version,
        n_reports=n_now,
        created_at=datetime.now(UTC),
    )
    run.hotspots = [
        _row(rank, h, lin or (uuid.uuid4() if new_lineages else None))
        for rank, (h, lin) in enumerate(zip(result.hotspots, lineages, strict=True), start=1)
    ]
    return run


def _no_reports_message(session: Session, req: RunRequest, n_before: int) -> str:
    """Say in Swedish, in local time, that the window holds no reports (and what it holds)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(req.tz)
    text_ = (f"Inga rapporter med datum mellan {req.start.astimezone(zone):%Y-%m-%d %H:%M} och "
             f"{req.end.astimezone(zone):%Y-%m-%d %H:%M}"
             + (f" i {req.area.name}" if req.area else "")
             + f" ({n_before} under de {req.baseline_weeks} veckorna före)")
    month = precision_counts(session, area_code=req.area.code if req.area else None,
                             start=req.start, end=req.end, tz=req.tz)["month_only"]
    if month:
        text_ += (f"; {month} rapporter är bara daterade till månaden och visas i "
                  "månadsöversikten")
    return text_ + "."


def _row(rank: int, h: GeoHotspot, lineage) -> Hotspot:
    prof = h.profile
    return Hotspot(
        rank=rank,
        lineage_id=lineage,
        klass=h.klass,
        polygon=from_shape(as_multipolygon(h.polygon), srid=4326),
        centroid=from_shape(shapely.Point(*h.centroid), srid=4326),
        count=int(h.count),
        area_m2=round(float(h.area_m2), 1),
        score=_finite(h.score),
        z=_finite(h.z),
        counts={
            "by_category": h.by_category,
            "by_kind": h.by_kind,
            "weekly": h.extra.get("weekly", []),
            "hot_weeks": h.extra.get("hot_weeks", []),
            "hot_now": bool(h.extra.get("hot_weeks", [False])[-1]),
            "hot_before": any(h.extra.get("hot_weeks", [])[:-1]),
            "source": h.extra.get("source"),
            "trend_p": _finite(h.extra.get("trend_p")),
            "expected": _finite(h.expected),
            "expected_per_week": _finite(h.extra.get("expected_per_week")),
        },
        profile={k: prof[k] for k in ("weekdays", "hours", "busiest_weekdays", "busiest_hours")},
        first_at=prof.get("first"),
        last_at=prof.get("last"),
    )


def _previous_lineages(session: Session, req: RunRequest) -> list[tuple[uuid.UUID, object]]:
    """Hot spots of earlier runs (same area and method) within the baseline, newest first."""
    horizon = req.start - timedelta(weeks=max(req.baseline_weeks, 4))
    stmt = (
        select(Hotspot.lineage_id, Hotspot.polygon)
        .join(HotspotRun, HotspotRun.id == Hotspot.run_id)
        .where(
            HotspotRun.area_id.is_(None) if req.area is None
            else HotspotRun.area_id == req.area.id,
            HotspotRun.method == req.method,
            HotspotRun.window_end <= req.end,
            HotspotRun.window_start < req.start,
            HotspotRun.window_end > horizon,
        )
        .order_by(HotspotRun.window_end.desc(), HotspotRun.id.desc(), Hotspot.rank)
    )
    return [(lin, geometry_to_projected(to_shape(poly), req.crs))
            for lin, poly in session.execute(stmt)]


# -- reads -------------------------------------------------------------------------------------


def get_run(session: Session, run_id: int) -> HotspotRun:
    """Return a stored run or raise NotFound."""
    run = session.get(HotspotRun, run_id)
    if run is None:
        raise NotFound(f"no hot spot run {run_id}")
    return run


def list_hotspots(session: Session, run_id: int) -> list[Hotspot]:
    """Return the hot spots of a run in rank order."""
    return list(session.scalars(select(Hotspot).where(Hotspot.run_id == run_id)
                                .order_by(Hotspot.rank)))


def latest_run(session: Session, *, area_code: str | None = None,
               method: str = "default") -> HotspotRun | None:
    """Return the stored run with the latest window for an area and method."""
    name = resolve_method(method)
    stmt = select(HotspotRun).where(HotspotRun.method == name)
    if area_code is None:
        stmt = stmt.where(HotspotRun.area_id.is_(None))
    else:
        stmt = stmt.join(Area, Area.id == HotspotRun.area_id).where(Area.code == area_code)
    return session.scalar(stmt.order_by(HotspotRun.window_end.desc(), HotspotRun.id.desc())
                          .limit(1))


def lineage_history(session: Session, lineage_id: uuid.UUID | str) -> list[Hotspot]:
    """Return every stored hot spot of one lineage, oldest window first (``run`` loaded)."""
    lin = lineage_id if isinstance(lineage_id, uuid.UUID) else uuid.UUID(str(lineage_id))
    stmt = (
        select(Hotspot).join(HotspotRun, HotspotRun.id == Hotspot.run_id)
        .where(Hotspot.lineage_id == lin)
        .order_by(HotspotRun.window_end, HotspotRun.id)
    )
    return list(session.scalars(stmt))


def hotspot_feature(h: Hotspot) -> dict:
    """Return one hot spot as a GeoJSON Feature (WGS84) with its properties."""
    c = to_shape(h.centroid)
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(to_shape(h.polygon)),
        "properties": {
            "rank": h.rank,
            "lineage_id": str(h.lineage_id) if h.lineage_id else None,
            "class": h.klass,
            "count": h.count,
            "area_m2": h.area_m2,
            "score": h.score,
            "z": h.z,
            "centroid": [round(c.x, 6), round(c.y, 6)],
            "by_category": h.counts.get("by_category", {}),
            "by_kind": h.counts.get("by_kind", {}),
            "weekly": h.counts.get("weekly", []),
            "busiest_weekdays": h.profile.get("busiest_weekdays", []),
            "busiest_hours": h.profile.get("busiest_hours", []),
            "weekdays": h.profile.get("weekdays", {}),
            "hours": h.profile.get("hours", {}),
            "first": h.first_at.isoformat() if h.first_at else None,
            "last": h.last_at.isoformat() if h.last_at else None,
        },
    }



# -- backtest on the municipality's own reports --------------------------------------------


def backtest(
    session: Session,
    *,
    area_code: str | None = None,
    coverage: float | None = 0.02,
    months: int = 6,
    train_months: int = 12,
    crs: int | str = 3006,
    tz: str = "Europe/Stockholm",
    now: datetime | None = None,
) -> dict:
    """Replay the last whole months of the stored reports: flag from the months before each.

    Reads the counted reports (as in runs; month-dated ones count in their month) of the
    municipality and runs :func:`geo.evaluation.rolling.rolling_backtest`: hit rate, PAI,
    PEI and month-to-month Jaccard of the default method at the operating point
    (``coverage`` share of the study area, or None for the significance point) beside 25 m
    and 150 m prior-counts grids and a 200 m KDE at the same area. Nothing is written.

    Returns
    -------
    dict
        The geo result plus ``area`` (code, name or None), ``reports``, ``first_month``,
        ``last_month``, ``tz`` and ``crs``.

    Raises
    ------
    ValidationError
        Bad share, months or CRS, or too little data (the message says what the data span).
    NotFound
        Unknown area code.
    """
    from zoneinfo import ZoneInfo

    from geo.evaluation.rolling import month_starts, rolling_backtest
    from geo.projection import to_projected

    if not 1 <= int(months) <= 60:
        raise ValidationError("months must be between 1 and 60", field="months")
    if not 1 <= int(train_months) <= 60:
        raise ValidationError("training months must be between 1 and 60", field="train_months")
    if coverage is not None and not 0 < float(coverage) <= 0.5:
        raise ValidationError("coverage must be a share above 0 and at most 0.5 (e.g. 0.02)",
                              field="coverage")
    try:
        code = validate_projected_crs(crs)
    except ValueError as exc:
        raise ValidationError(str(exc), field="crs") from None
    with transaction(session):
        area = area_by_code(session, area_code) if area_code else None
        where: list = [Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None)]
        if area is not None:
            where.append(func.ST_Intersects(Report.geom, area.geom))
        first, last = session.execute(
            select(func.min(Report.occurred_at), func.max(Report.occurred_at)).where(*where)
        ).one()
        place = f" i {area.name}" if area is not None else ""
        if first is None:
            raise ValidationError(f"Inga rapporter{place} att pröva mot.", field="area")
        zone = ZoneInfo(tz)
        this_month = (now or datetime.now(UTC)).astimezone(zone).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0)
        bounds = month_starts(np.datetime64(int(_aware(first).timestamp()), "s"),
                              np.datetime64(int(_aware(last).timestamp()), "s"), tz)
        end = min(int(bounds[-1].astype(np.int64)), int(this_month.timestamp()))
        start_i = max(0, len(bounds) - 1 - int(months) - int(train_months))
        lo = datetime.fromtimestamp(int(bounds[start_i].astype(np.int64)), UTC)
        rows = session.execute(
            select(Report.occurred_at, func.ST_X(Report.geom), func.ST_Y(Report.geom))
            .where(*where, Report.occurred_at >= lo,
                   Report.occurred_at < datetime.fromtimestamp(end, UTC))
            .order_by(Report.id)).all()
    if not rows:
        raise ValidationError(f"Inga rapporter{place} före innevarande månad att pröva mot.",
                              field="area")
    t = np.array([int(r[0].timestamp()) for r in rows], dtype=np.int64).astype("datetime64[s]")
    x, y = to_projected(np.array([r[1] for r in rows], dtype=np.float64),
                        np.array([r[2] for r in rows], dtype=np.float64), code)
    try:
        result = rolling_backtest(x, y, t, share=None if coverage is None else float(coverage),
                                  months=int(months), train_months=int(train_months), tz=tz,
                                  end=np.datetime64(end, "s"))
    except ValueError as exc:
        raise ValidationError(
            f"För lite data{place}: rapporterna sträcker sig {first.astimezone(zone):%Y-%m-%d}"
            f" – {last.astimezone(zone):%Y-%m-%d}; en prövning behöver minst en hel månad att "
            f"lära på och en hel månad att pröva ({exc})", field="months") from None
    return {**result, "area": None if area is None else {"code": area.code, "name": area.name},
            "reports": len(rows), "first_month": result["months"][0]["month"],
            "last_month": result["months"][-1]["month"], "tz": tz, "crs": code}

def _aware(d: datetime) -> datetime:
    return (d if d.tzinfo else d.replace(tzinfo=UTC)).astimezone(UTC)


def _finite(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return f if np.isfinite(f) else None
    return value
