"""Hot spot runs: detect on stored reports, classify against earlier weeks, store, reuse.

The weekly review calls :func:`get_or_detect`; the same area, window, method, parameters
and data give back the stored run instead of a new one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.models.hotspots import Hotspot, HotspotRun
from est.services.hotspots.requests import (
    DEFAULT_BASELINE_WEEKS,
    RunRequest,
    _finite,
    _jsonable,
    data_version,
    load_points,
    precision_counts,
    resolve_request,
)
from geo.hotspots import Hotspot as GeoHotspot
from geo.hotspots import PointSet, match_lineages
from geo.hotspots.coverage import cells_of, coverage_flagger
from geo.hotspots.emerging import emerging
from geo.hotspots.polygons import as_multipolygon
from geo.projection import geometry_to_projected


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
    # Hysteresis: the previous run's places (coverage: its cells) are kept unless outranked.
    previous_run, before = _previous_places(session, req)
    try:
        flagger = None if req.coverage is None else coverage_flagger(
            req.coverage, req.params, prefer=cells_of(before) if previous_run else None)
        result = emerging(points, np_start, np_end, prior_weeks=req.baseline_weeks,
                          method=req.method, params=req.params, tz=req.tz, flagger=flagger,
                          keep=before if req.coverage is None else None)
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
        parameters={**req.canonical(),
                    "used": _jsonable({**result.params, "previous_run": previous_run}),
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


def _previous_places(session: Session, req: RunRequest) -> tuple[int | None, list]:
    """Return the latest earlier run of the same request and its place outlines (metres).

    Hysteresis: the stored run with the same area, method, mode, share, parameters and CRS
    and a review window of about the same length (a week follows a week, a month a month;
    the places window may differ: it is extended on sparse data) whose window ends latest
    before this one's end. Coverage mode prefers its 25 m cells, recovered from the outlines
    (:func:`geo.hotspots.coverage.cells_of`); significance mode keeps its places that this
    window's places do not overlap while a relaxed candidate still holds them
    (:func:`geo.hotspots.emerging.emerging`, ``keep``). Either way they keep their lineage.
    """
    length = req.end - req.start
    same = {"mode": "coverage" if req.coverage else "significance", "coverage": req.coverage,
            "params": _jsonable(req.params), "crs": req.crs}
    run_id = session.scalar(
        select(HotspotRun.id).where(
            HotspotRun.area_id.is_(None) if req.area is None
            else HotspotRun.area_id == req.area.id,
            HotspotRun.method == req.method,
            HotspotRun.parameters.contains(same),
            HotspotRun.window_end <= req.end,
            HotspotRun.window_start < req.start,
            # A week follows a week and a month a month (months are 28–31 days long).
            HotspotRun.window_end - HotspotRun.window_start >= length * 0.8,
            HotspotRun.window_end - HotspotRun.window_start <= length * 1.25,
        ).order_by(HotspotRun.window_end.desc(), HotspotRun.id.desc()).limit(1))
    if run_id is None:
        return None, []
    polys = [geometry_to_projected(to_shape(p), req.crs) for p in session.scalars(
        select(Hotspot.polygon).where(Hotspot.run_id == run_id).order_by(Hotspot.rank))]
    return int(run_id), polys


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
