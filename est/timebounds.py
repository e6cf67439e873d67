"""The one rule for every time or date a user gives: not before the earliest date, not absurd.

The earliest date is 2000-01-01 (``EARLIEST_DATE``, also a CHECK constraint on the stored
times, migration 0008) or a later ``EST_EARLIEST_DATE``. Occurrences may not lie in the future
(the report rules check that with a small clock tolerance); plans, periods and query dates may
not lie after ``LATEST_DATE``. Bounds are checked on the date as written (in its own UTC
offset), before any time zone conversion, so a year-1 or year-9999 value cannot overflow.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from datetime import date, datetime

# The database's own floor: ``EARLIEST_DATE`` in :mod:`est.models.core` (CHECK constraints of
# migration 0008), repeated here so this module stays free of SQLAlchemy (a test keeps both
# equal).
EARLIEST = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# The earliest date of the running request (the web layer sets it from the app's settings).
_earliest: ContextVar[date | None] = ContextVar("est_earliest_date", default=None)


def parse_earliest(text: str | None) -> date:
    """Return the configured earliest date (``EST_EARLIEST_DATE``); ValueError if invalid."""
    text = (text or "").strip()
    if not text:
        return EARLIEST
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"EST_EARLIEST_DATE must be a date like 2015-01-01, not {text!r}") \
            from None
    if not EARLIEST <= day <= LATEST_DATE:
        raise ValueError(f"EST_EARLIEST_DATE must lie from {EARLIEST} to {LATEST_DATE} "
                         f"(the database refuses earlier times), not {text!r}")
    return day


def use_earliest(day: date | None) -> None:
    """Set the earliest date for the current context (a request or a command)."""
    _earliest.set(day)


def earliest_date() -> date:
    """Return the earliest date a user may give (the context's, else the environment's)."""
    day = _earliest.get()
    if day is not None:
        return day
    try:
        return parse_earliest(os.environ.get("EST_EARLIEST_DATE"))
    except ValueError:
        return EARLIEST  # load_settings refuses to start with it; never loosen the rule


def bound_error(value: date | datetime, *, latest: date | None = LATEST_DATE) -> str | None:
    """Return a Swedish message if ``value`` lies before the earliest date or after ``latest``.

    A datetime is judged by its date as written (its own offset), never converted.
    """
    day = value.date() if isinstance(value, datetime) else value
    first = earliest_date()
    if day < first:
        return f"Datumet kan inte vara före {first.isoformat()}."
    if latest is not None and day > latest:
        return f"Datumet kan inte vara efter {latest.isoformat()}."
    return None


def check_bounds(value: date | datetime | None, field: str, errors: dict[str, str], *,
                 latest: date | None = LATEST_DATE) -> bool:
    """Record a message under ``field`` in ``errors`` if ``value`` is out of bounds.

    Returns True when ``value`` is within bounds (or None). An earlier error on the field
    is kept.
    """
    if value is None:
        return True
    message = bound_error(value, latest=latest)
    if message is None:
        return True
    errors.setdefault(field, message)
    return False
