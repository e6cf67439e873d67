"""ISO weeks in local time: the unit of the weekly EST review (pure dates, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from est.errors import ValidationError
from est.timebounds import check_bounds

WEEKDAYS_SV = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")


@dataclass(frozen=True)
class Week:
    """An ISO week in local time: ``[start, end)`` as aware datetimes."""

    year: int
    week: int
    tz: str

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

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0), ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(0), ZoneInfo(self.tz))

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

    def days_done(self, today: date) -> int:
        """Return how many whole days of the week lie before ``today`` (0–7)."""
        return max(0, min(7, (today - self.monday).days))

    def in_progress(self, today: date) -> bool:
        """Return True while the week has begun but not ended on ``today``."""
        return 0 < self.days_done(today) < 7 or today == self.monday

    def cut(self, days: int) -> datetime:
        """Return the local midnight ``days`` days after Monday (the like-for-like cut-off)."""
        return datetime.combine(self.monday + timedelta(days=days), time(0), ZoneInfo(self.tz))

    @property
    def slug(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        return f"Vecka {self.week} {self.year} ({self.monday:%d/%m}–{self.sunday:%d/%m})"
