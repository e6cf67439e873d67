"""The weekly precompute on a schedule: Monday 05:00 Europe/Stockholm, on RQ's scheduler.

``est worker --with-scheduler`` calls :func:`schedule_next_precompute` when it starts; the
scheduled job (:func:`weekly_precompute`) enqueues every municipality's precompute and then
schedules the following Monday. The job id is derived from the Monday's date, so any number
of workers started with ``--with-scheduler`` schedule one job per Monday, and a worker
restart neither loses nor doubles it (RQ keeps scheduled jobs in Redis).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from est import jobs

TZ = "Europe/Stockholm"
AT = time(5, 0)  # local time on Monday


def next_run(now: datetime | None = None, tz: str = TZ) -> datetime:
    """Return the next Monday 05:00 local time after ``now``, as an aware UTC datetime."""
    zone = ZoneInfo(tz)
    local = (now or datetime.now(UTC)).astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    candidate = datetime.combine(monday, AT, zone)
    if candidate <= local:
        candidate = datetime.combine(monday + timedelta(days=7), AT, zone)
    return candidate.astimezone(UTC)


def schedule_next_precompute(now: datetime | None = None) -> jobs.JobRef:
    """Schedule :func:`weekly_precompute` for the next Monday 05:00 (idempotent)."""
    when = next_run(now)
    local_day = when.astimezone(ZoneInfo(TZ)).date()
    return jobs.enqueue_at(when, weekly_precompute, local_day.isoformat(),
                           key=f"weekly-precompute:{local_day.isoformat()}")


def weekly_precompute(day: str) -> list[str]:
    """Enqueue every municipality's precompute for the week before ``day``; schedule the next."""
    from est.review.precompute import precompute_all

    refs = precompute_all(today=date.fromisoformat(day).isoformat())
    if not jobs.runs_inline():
        schedule_next_precompute(datetime.combine(date.fromisoformat(day), AT,
                                                  ZoneInfo(TZ)) + timedelta(minutes=1))
    return [ref.id for ref in refs]
