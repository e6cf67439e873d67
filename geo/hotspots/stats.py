"""Per hot spot descriptive statistics: categories, kinds, weekdays, hours, first/last report."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _utc_offset_s(instant: datetime, zone: ZoneInfo) -> float:
    """Return the UTC offset of ``zone`` at ``instant`` in seconds."""
    offset = instant.astimezone(zone).utcoffset()
    if offset is None:  # never for a ZoneInfo; checked so a bad zone fails clearly
        raise ValueError(f"time zone {zone.key!r} has no UTC offset at {instant:%Y-%m-%d %H:%M}")
    return offset.total_seconds()


def local_weekday_hour(t: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Return weekday (0 = Monday) and hour of UTC instants on the wall clock of ``tz``.

    Parameters
    ----------
    t : numpy.ndarray of datetime64
        Instants in UTC.
    tz : str
        IANA time zone, e.g. ``"Europe/Stockholm"``.

    Returns
    -------
    weekday, hour : numpy.ndarray of int64
    """
    secs = np.asarray(t, dtype="datetime64[s]").astype(np.int64)
    if secs.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    zone = ZoneInfo(tz)
    # The UTC offset only changes on the hour, so one lookup per distinct UTC hour suffices.
    hours, inv = np.unique(secs // 3600, return_inverse=True)
    offsets = np.array(
        [_utc_offset_s(datetime.fromtimestamp(int(h) * 3600, UTC), zone) for h in hours],
        dtype=np.int64,
    )
    local = secs + offsets[inv]
    days = local // 86400
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    hour = (local % 86400) // 3600
    return weekday.astype(np.int64), hour.astype(np.int64)


def counts_of(values: np.ndarray | None) -> dict[str, int]:
    """Return ``{value: count}`` sorted by decreasing count then value."""
    if values is None or len(values) == 0:
        return {}
    c = Counter(str(v) for v in values)
    return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def busiest(counts: dict, top: int = 3) -> list:
    """Return the keys with the highest counts (at most ``top``, ties by key order)."""
    return [k for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top] if v > 0]


def time_profile(t: np.ndarray | None, tz: str, *, timed: np.ndarray | None = None) -> dict:
    """Summarise report times: counts per weekday and hour (local), busiest, first and last.

    Parameters
    ----------
    t : numpy.ndarray of datetime64 or None
        Report instants in UTC.
    tz : str
        IANA time zone for weekdays and hours.
    timed : numpy.ndarray of bool, optional
        Which reports carry a time of day; the others (dated to the day or month) count in
        first/last but not in weekdays and hours. None = all.

    Returns
    -------
    dict
        ``weekdays`` {mon..sun: n}, ``hours`` {"0".."23": n}, ``busiest_weekdays``,
        ``busiest_hours``, ``first`` and ``last`` (aware UTC datetimes or None).
    """
    if t is None or len(t) == 0:
        return {"weekdays": {}, "hours": {}, "busiest_weekdays": [], "busiest_hours": [],
                "first": None, "last": None}
    secs = np.asarray(t, dtype="datetime64[s]").astype(np.int64)
    first = datetime.fromtimestamp(int(secs.min()), UTC)
    last = datetime.fromtimestamp(int(secs.max()), UTC)
    if timed is not None:
        t = np.asarray(t)[np.asarray(timed, dtype=bool)]
    if len(t) == 0:
        return {"weekdays": {}, "hours": {}, "busiest_weekdays": [], "busiest_hours": [],
                "first": first, "last": last}
    wd, hr = local_weekday_hour(t, tz)
    wcount = np.bincount(wd, minlength=7)
    hcount = np.bincount(hr, minlength=24)
    weekdays = {WEEKDAYS[i]: int(wcount[i]) for i in range(7)}
    hours = {str(i): int(hcount[i]) for i in range(24)}
    order_w = np.lexsort((np.arange(7), -wcount))
    order_h = np.lexsort((np.arange(24), -hcount))
    return {
        "weekdays": weekdays,
        "hours": hours,
        "busiest_weekdays": [WEEKDAYS[i] for i in order_w[:2] if wcount[i] > 0],
        "busiest_hours": [int(i) for i in order_h[:3] if hcount[i] > 0],
        "first": first,
        "last": last,
    }
