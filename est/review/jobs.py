"""The review's hot spot run as a background job, keyed by the data it reads.

A view of a week (or month) that is not in the review cache asks :func:`run_or_job`, which
enqueues :func:`detect_week` with the key ``hotspots:<kommunkod>:<week>:<crs>:<data
version>`` (the review cache's version of the days the run may read), so two coordinators
opening the same week start one job, and a changed report gives a new key. The job returns
the stored run for the same window, parameters and data, or detects and stores one.
Without Redis the run is found or detected in the request's own session, as before; with
Redis the page shows that the hot spots are being computed and polls the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from est import jobs
from est.errors import ValidationError
from est.models import Area
from est.models.hotspots import HotspotRun
from est.services import hotspots as hotspot_service
from est.weeks import Week

RETRY_FAILED_AFTER = timedelta(minutes=10)
FAILED_MESSAGE = "hot spot-analysen misslyckades; försök igen senare eller kör `est hotspots`"


@dataclass
class RunState:
    """The review week's hot spot run, or why there is none, or the job computing it."""

    run: HotspotRun | None = None
    message: str | None = None
    job: jobs.JobRef | None = None


def detect_week(area_code: str, week_slug: str, tz: str, crs: int) -> dict:
    """Detect and store the hot spots of one ISO week (a job): ``{"run_id"}`` or ``{"message"}``.

    A week without reports (or another refused request) is no failure: the review shows the
    message, as it did when the detection ran in the request.
    """
    week = Week.parse(week_slug, tz)
    with jobs.session() as session:
        try:
            run = hotspot_service.get_or_detect(session, area_code=area_code, start=week.start,
                                                end=week.end, crs=crs, tz=tz)
        except ValidationError as exc:
            return {"message": "; ".join(exc.errors.values())}
        return {"run_id": run.id}


def job_key(area: Area, week: Week, crs: int, version: str) -> str:
    """Return the idempotency key of the run of ``week`` on data ``version``."""
    return f"hotspots:{area.code}:{week.slug}:{crs}:{version}"


def run_or_job(session: Session, area: Area, week: Week, crs: int) -> RunState:
    """Return the stored run of ``week``, or start (or join) the job that computes it.

    The request itself never reads the reports: the key is the review's data version
    (:func:`est.review.cache.data_version`, read from the change log), and the job finds the
    stored run or detects one. Without Redis the run is found or detected in ``session``
    itself, as before jobs existed (one transaction, nothing to wait for).
    """
    from est.review.cache import data_version

    if jobs.runs_inline():
        return detect_in(session, area, week, crs)
    key = job_key(area, week, crs, data_version(session, area, week, week))
    failed = jobs.get(jobs.job_id_for(key))
    if failed is not None and failed.status == "failed" and failed.ended_at is not None and (
            datetime.now(UTC) - _aware(failed.ended_at) < RETRY_FAILED_AFTER):
        return RunState(message=FAILED_MESSAGE)  # no reload loop: try again a while later
    ref = jobs.enqueue(detect_week, area.code, week.slug, week.tz, crs, key=key)
    if ref.status == "failed":
        return RunState(message=FAILED_MESSAGE)
    if ref.status != "finished":
        return RunState(job=ref)
    result = ref.result or {}
    if "run_id" not in result:
        return RunState(message=result.get("message") or FAILED_MESSAGE)
    run = session.get(HotspotRun, result["run_id"])
    # A finished job's run deleted since (e.g. by `est hotspots`): detect it here.
    return RunState(run=run) if run is not None else detect_in(session, area, week, crs)


def detect_in(session: Session, area: Area, week: Week, crs: int) -> RunState:
    """Return the stored run of ``week`` or detect it now, in ``session``."""
    try:
        run = hotspot_service.get_or_detect(session, area_code=area.code, start=week.start,
                                            end=week.end, crs=crs, tz=week.tz)
    except ValidationError as exc:
        return RunState(message="; ".join(exc.errors.values()))
    return RunState(run=run)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
