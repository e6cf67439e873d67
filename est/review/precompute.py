"""Weekly precompute: every municipality's last week, ready before the Monday meeting.

For one municipality :func:`precompute_week` stores the hot spot run of the last complete
ISO week, fills the review cache (:mod:`est.review.cache`) for the unfiltered week as
coordinators see it (single reports) and as viewers see it (cells of at least ``min_cell``),
compacts the area's change log, and builds the default lägesbild (the last 90 days, as the
lägesbild page opens) into its disk cache. :func:`precompute_all` does it for every
municipality: one job each (in parallel on several workers) with Redis, one after the other
inline. Jobs are keyed by municipality and week, so a second call the same week joins them.

With Redis the review cache is shared, so the first view after the precompute is a hit;
without Redis the cache is per process and the precompute (``est jobs precompute-week``)
only saves the page the hot spot run and the lägesbild build, which are stored in the
database and on disk.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import jobs
from est.access import Actor
from est.config import Settings, load_settings
from est.models import Area
from est.review import cache as review_cache
from est.review.page import build_review
from est.review.queries import Filters
from est.weeks import Week

log = logging.getLogger(__name__)
LAGESBILD_DAYS = 90  # the lägesbild page's default period (web/views/lagesbild)


def last_week(today: date, tz: str) -> Week:
    """Return the last complete ISO week before ``today`` (the one the EST group reviews)."""
    return Week.containing(today - timedelta(days=7), tz)


def municipality_codes(session: Session) -> list[str]:
    """Return the kommunkod of every municipality, in order."""
    return list(session.scalars(select(Area.code).where(Area.kind == "municipality")
                                .order_by(Area.code)))


def precompute_week(area_code: str, week_slug: str | None = None,
                    today: str | None = None) -> dict[str, Any]:
    """Precompute one municipality's week (a job); return what was done and how long it took.

    ``week_slug`` defaults to the last complete week, ``today`` (ISO date) to today.
    """
    settings = load_settings()
    day = date.fromisoformat(today) if today else datetime.now(settings.tz).date()
    week = Week.parse(week_slug, settings.timezone) if week_slug else last_week(
        day, settings.timezone)
    out: dict[str, Any] = {"area": area_code, "week": week.slug}
    cache = review_cache.ReviewCache(jobs.redis_url())
    with jobs.session() as session:
        t0 = time.perf_counter()
        area = session.scalar(select(Area).where(Area.kind == "municipality",
                                                 Area.code == area_code))
        if area is None:
            return {**out, "error": f"ingen kommun med kod {area_code}"}
        out["compacted"] = review_cache.compact(session, area, week, week)
        readers: list[tuple[str, Any]] = [("coordinator", None), ("viewer", _viewer(area))]
        for label, actor in readers:
            page = build_review(session, area_code, week, Filters(), actor=actor, today=day,
                                crs=settings.projected_crs, min_cell=settings.min_cell,
                                cache=cache)
            session.commit()
            out[label] = {"reports": page.total_now, "hotspots": len(page.hotspots),
                          "run_id": page.run.id if page.run else None,
                          "message": page.run_message}
        out["review_s"] = round(time.perf_counter() - t0, 2)
        out["lagesbild"] = _lagesbild(session, settings, area_code, day)
    log.info("precomputed %s", out)
    return out


def precompute_all(week_slug: str | None = None, today: str | None = None,
                   codes: list[str] | None = None) -> list[jobs.JobRef]:
    """Precompute the week of every municipality (or of ``codes``): one keyed job each."""
    settings = load_settings()
    day = date.fromisoformat(today) if today else datetime.now(settings.tz).date()
    week = Week.parse(week_slug, settings.timezone) if week_slug else last_week(
        day, settings.timezone)
    if codes is None:
        with jobs.session() as session:
            codes = municipality_codes(session)
    return [jobs.enqueue(precompute_week, code, week.slug, day.isoformat(),
                         key=f"precompute:{code}:{week.slug}:{day.isoformat()}")
            for code in codes]


def _viewer(area: Area) -> Actor:
    """Return a stand-in reader with the viewer role (no access to single reports)."""
    return Actor(id=0, email="precompute@est.invalid", name="precompute", role="viewer",
                 organisation_id=None, area_id=area.id)


def _lagesbild(session: Session, settings: Settings, area_code: str, day: date) -> Any:
    """Build the default lägesbild into its disk cache; return seconds or the error."""
    t0 = time.perf_counter()
    try:
        from est.lagesbild.cache import LagesbildCache
        from est.lagesbild.document import build_document

        cache = LagesbildCache(Path(settings.var_dir) / "cache" / "lagesbild")
        build_document(session, cache, area_code=area_code,
                       start=(day - timedelta(days=LAGESBILD_DAYS)).isoformat(),
                       end=(day - timedelta(days=1)).isoformat(), min_cell=settings.min_cell,
                       audience="internal", tz=settings.timezone, crs=settings.projected_crs)
        session.commit()
    except Exception as exc:  # the review is precomputed even if the lägesbild is not
        log.exception("lägesbild precompute of %s failed", area_code)
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"seconds": round(time.perf_counter() - t0, 2)}
