"""Cache the review's computed parts once per data version: run, totals, matrix, map data.

The key of a view is

    (area, period, filters, audience (single reports or cells ≥ min_cell), CRS, the days
     compared, data version, code version)

where the **data version** is read from ``report_change`` (migration 0012: triggers append a
row per statement, area and UTC day on every insert, update and delete of a report): the
count and the sum of ids of the rows of the area (its districts, and reports without an area)
on the days the page reads — the period, the one before, the same period a year before, and
the up to 51 weeks before the period that the hot spot run may read — plus the category and
organisation tables. Any committed change to a report the page reads gives a new key (in any
commit order: a late commit adds a row), so a stale entry is never read again; it ages out.
Stored hot spot runs are not in the version: the run the review uses is a function of those
reports and the code; a cached run deleted since is noticed on reading (computed afresh).

The entry holds the hot spot run's id and its places' counts per category in the period, the
totals, the weekday × hour matrix, the points or
cells and the time precision notes as JSON. The store is :class:`est.public_cache.PublicCache`:
Redis when ``REDIS_URL`` is set (shared by every gunicorn worker and the ``est worker`` that
precomputes the week), otherwise an LRU per process. Hot spot rows (names, actions) and the
period's actions are read live: they change with every rename and decision.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from est.db import transaction
from est.models import Area
from est.public_cache import PublicCache
from est.weeks import Period, Week
from geo.hotspots.emerging import MAX_PRIOR_WEEKS

log = logging.getLogger(__name__)
SCHEMA = 2  # bump when an entry's layout changes
MAX_ENTRIES = 128  # per process without Redis
COMPACT_ABOVE = 4  # change rows per day read before the area's rows are compacted

_VERSION = text("""
    SELECT (SELECT count(*) || ':' || coalesce(sum(c.id), 0) FROM report_change c
            WHERE (c.area_id = ANY(:areas) OR c.area_id IS NULL)
              AND ((c.day BETWEEN :a0 AND :b0) OR (c.day BETWEEN :a1 AND :b1)))
        || '|' || (SELECT count(*) || ':' || coalesce(sum(hashtextextended(
                       t.xmin::text || t.ctid::text, 0)), 0) FROM category t)
        || '|' || (SELECT count(*) || ':' || coalesce(sum(hashtextextended(
                       t.xmin::text || t.ctid::text, 0)), 0) FROM organisation t)
""")
_COMPACT = text("""
    DELETE FROM report_change c USING (
        SELECT area_id, day, max(id) AS keep FROM report_change
        WHERE (area_id = ANY(:areas) OR area_id IS NULL) AND day BETWEEN :a0 AND :b1
        GROUP BY area_id, day HAVING count(*) > 1) k
    WHERE c.area_id IS NOT DISTINCT FROM k.area_id AND c.day = k.day AND c.id < k.keep
""")


@cache
def code_version() -> str:
    """Return a hash of the code that computes a cached entry (a release builds afresh)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted((root / "est" / "review").glob("*.py")):
        digest.update(path.read_bytes())
    for name in ("est/services/hotspots/runs.py", "est/services/hotspots/requests.py"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:12]


def _area_ids(session: Session, area: Area) -> list[int]:
    """Return the area and its districts (read once per session)."""
    key = ("est.review.cache.area_ids", area.id)
    if key not in session.info:
        session.info[key] = [area.id, *session.scalars(
            text("SELECT id FROM area WHERE parent_id = :a"), {"a": area.id})]
    return session.info[key]


def _day_ranges(period: Period, ref_week: Week) -> dict[str, date]:
    """Return the two UTC day ranges a view reads (one day of margin for time zones)."""
    one = timedelta(days=1)
    earliest = min(period.shift(-1).first_day,
                   ref_week.first_day - timedelta(weeks=MAX_PRIOR_WEEKS))
    latest = max(period.last_day, ref_week.last_day)
    year = period.same_last_year()
    return {"a0": earliest - one, "b0": latest + one, "a1": year.first_day - one,
            "b1": year.last_day + one}


def data_version(session: Session, area: Area, period: Period, ref_week: Week) -> str:
    """Return the version of everything a review view of ``period`` reads (see module)."""
    params = {"areas": _area_ids(session, area), **_day_ranges(period, ref_week)}
    return str(session.execute(_VERSION, params).scalar_one())


def compact(session: Session, area: Area, period: Period, ref_week: Week) -> int:
    """Keep one change row per day of the area for the days a view reads; return rows deleted.

    The version stays a version: a row committed later still adds to the count.
    """
    days = _day_ranges(period, ref_week)
    params = {"areas": _area_ids(session, area), "a0": min(days["a0"], days["a1"]),
              "b1": max(days["b0"], days["b1"])}
    with transaction(session):
        deleted = session.execute(_COMPACT, params).rowcount  # type: ignore[attr-defined]
    return int(deleted or 0)


def needs_compacting(version: str, period: Period, ref_week: Week) -> bool:
    """Return True when ``version`` (of :func:`data_version`) counts many rows per day."""
    r = _day_ranges(period, ref_week)
    days = (r["b0"] - r["a0"]).days + (r["b1"] - r["a1"]).days + 2
    return int(version.split(":", 1)[0]) > COMPACT_ABOVE * days


_WINDOW = text("""SELECT count(*) || ':' || coalesce(sum(c.id), 0) FROM report_change c
                   WHERE (c.area_id = ANY(:areas) OR c.area_id IS NULL)
                     AND c.day BETWEEN :a AND :b""")
_ACTION_ROWS = text("SELECT id, xmin::text || ctid::text FROM action WHERE id = ANY(:ids)")


def window_version(session: Session, area: Area, first: date, last: date) -> str:
    """Return the version of the area's reports on the days ``first`` … ``last`` (± a day)."""
    return str(session.execute(_WINDOW, {"areas": _area_ids(session, area),
                                         "a": first - timedelta(days=1),
                                         "b": last + timedelta(days=1)}).scalar_one())


def action_versions(session: Session, ids: list[int]) -> dict[int, str]:
    """Return the row version of each action (any edit gives a new one)."""
    return {int(i): str(v) for i, v in session.execute(_ACTION_ROWS, {"ids": ids})}


class ReviewCache:
    """Computed parts of review views by key: Redis when ``redis_url`` is set, else an LRU."""

    def __init__(self, redis_url: str | None = None, max_entries: int = MAX_ENTRIES):
        self._store = PublicCache(redis_url, max_entries=max_entries)
        self._usable: bool | None = None

    def usable(self, session: Session) -> bool:
        """Return True when the database has the change log ``report_change`` (migration
        0012); without it the review runs uncached."""
        if self._usable is None:
            self._usable = bool(session.execute(
                text("SELECT to_regclass('report_change') IS NOT NULL")).scalar_one())
            if not self._usable:
                log.warning("table report_change is missing: the review page runs uncached")
        return self._usable

    @staticmethod
    def key(*parts: Any) -> str:
        """Return the store key of a view's parts (hashed, fixed length)."""
        body = json.dumps([SCHEMA, code_version(), *[str(p) for p in parts]])
        return f"est:review:{hashlib.sha256(body.encode()).hexdigest()[:32]}"

    def get(self, key: str) -> dict | None:
        """Return the stored entry or None (also when Redis is unreachable: a slower view)."""
        try:
            stored = self._store.get(key)
        except _unreachable() as exc:
            log.warning("review cache unreachable (%s): computing the view", exc)
            return None
        return None if stored is None else json.loads(stored)

    def put(self, key: str, value: dict) -> None:
        """Store an entry (skipped while Redis is unreachable)."""
        try:
            self._store.put(key, json.dumps(value, ensure_ascii=False).encode())
        except _unreachable() as exc:
            log.warning("review cache unreachable (%s): entry not stored", exc)

    def clear(self) -> None:
        """Forget the in-process entries (tests)."""
        self._store.clear()


def _unreachable() -> tuple[type[Exception], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError)
