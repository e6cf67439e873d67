"""ISO weeks and calendar months in local time: the periods of the EST review (pure dates).

``Week`` and ``Month`` share one interface (:class:`Period`): ``start``/``end`` as aware local
midnights, ``first_day``/``last_day``, ``shift``, ``same_last_year``, ``days_done``,
``in_progress``, ``cut`` (the like-for-like cut-off), ``slug`` and ``label``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from est.errors import ValidationError
from est.format import MONTHS_SV, MONTHS_SV_LONG
from est.timebounds import check_bounds

WEEKDAYS_SV = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")


class Period:
    """What a review period offers beyond its dates (shared by :class:`Week` and
    :class:`Month`); subclasses give ``first_day``, ``last_day`` and ``tz``."""

    tz: str
    kind = "period"

    @property
    def first_day(self) -> date:
        raise NotImplementedError

    @property
    def last_day(self) -> date:
        raise NotImplementedError

    def shift(self, n: int) -> Period:
        """Return the period ``n`` periods later (negative: earlier)."""
        raise NotImplementedError

    def same_last_year(self) -> Period:
        """Return the same period a year earlier."""
        raise NotImplementedError

    @property
    def length(self) -> int:
        """Return the number of days in the period."""
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), ZoneInfo(self.tz))

    def days_done(self, today: date) -> int:
        """Return how many whole days of the period lie before ``today``."""
        return max(0, min(self.length, (today - self.first_day).days))

    def in_progress(self, today: date) -> bool:
        """Return True while the period has begun but not ended on ``today``."""
        return self.first_day <= today <= self.last_day

    def cut(self, days: int) -> datetime:
        """Return the local midnight ``days`` days after the first day, never past the end
        (the like-for-like cut-off: a shorter month is compared whole)."""
        day = min(self.first_day + timedelta(days=days), self.last_day + timedelta(days=1))
        return datetime.combine(day, time(0), ZoneInfo(self.tz))


@dataclass(frozen=True)
class Week(Period):
    """An ISO week in local time: ``[start, end)`` as aware datetimes."""

    year: int
    week: int
    tz: str
    kind = "week"

    @classmethod
    def parse(cls, text_: str, tz: str) -> Week:
        """Parse ``2026-W47`` (the URL form); raise ValidationError naming the week."""
        try:
            year_s, week_s = text_.upper().split("-W")
            year, week = int(year_s), int(week_s)
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValidationError(f"{text_!r} is not an ISO week like 2026-W47",
                                  field="week") from None
        errors: dict[str, str] = {}
        if not check_bounds(date.fromisocalendar(year, week, 1), "week", errors):
            raise ValidationError(errors)
        return cls(year, week, tz)

    @classmethod
    def containing(cls, day: date, tz: str) -> Week:
        """Return the ISO week that contains ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week, tz)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    first_day = monday
    last_day = sunday

    def shift(self, weeks: int) -> Week:
        """Return the week ``weeks`` later (negative: earlier)."""
        return Week.containing(self.monday + timedelta(weeks=weeks), self.tz)

    def same_week_last_year(self) -> Week:
        """Return the week with the same number a year earlier (week 53 → week 52)."""
        week = self.week
        while True:
            try:
                date.fromisocalendar(self.year - 1, week, 1)
                return Week(self.year - 1, week, self.tz)
            except ValueError:
                week -= 1

    def same_last_year(self) -> Week:
        """Return the same week a year earlier (the period interface)."""
        return self.same_week_last_year()

    @property
    def slug(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        return f"Vecka {self.week} {self.year} ({self.monday:%d/%m}–{self.sunday:%d/%m})"

    def months(self) -> list[Month]:
        """Return the calendar months the week touches (one or two)."""
        first = Month.containing(self.monday, self.tz)
        last = Month.containing(self.sunday, self.tz)
        return [first] if first == last else [first, last]


@dataclass(frozen=True)
class Month(Period):
    """A calendar month in local time: ``[start, end)`` as aware datetimes."""

    year: int
    month: int
    tz: str
    kind = "month"

    @classmethod
    def parse(cls, text_: str, tz: str) -> Month:
        """Parse ``2026-11`` (the URL form); raise ValidationError naming the month."""
        try:
            year_s, month_s = text_.split("-")
            if len(year_s) != 4 or len(month_s) != 2:
                raise ValueError
            day = date(int(year_s), int(month_s), 1)
        except ValueError:
            raise ValidationError(f"{text_[:20]!r} är ingen månad (skriv t.ex. 2026-11)",
                                  field="month") from None
        errors: dict[str, str] = {}
        if not check_bounds(day, "month", errors):
            raise ValidationError(errors)
        return cls(day.year, day.month, tz)

    @classmethod
    def containing(cls, day: date, tz: str) -> Month:
        """Return the month that contains ``day``."""
        return cls(day.year, day.month, tz)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        nxt = self.shift(1).first_day
        return nxt - timedelta(days=1)

    def shift(self, months: int) -> Month:
        """Return the month ``months`` later (negative: earlier)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1, self.tz)

    def same_last_year(self) -> Month:
        """Return the same month a year earlier."""
        return Month(self.year - 1, self.month, self.tz)

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Return the month as "november 2026"."""
        return f"{MONTHS_SV_LONG[self.month - 1]} {self.year}"

    @property
    def short_label(self) -> str:
        """Return the month as "nov 2026"."""
        return f"{MONTHS_SV[self.month - 1]} {self.year}"
