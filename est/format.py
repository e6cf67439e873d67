"""The one formatter for numbers, dates and months shown to people (Swedish conventions).

Decimal comma, a thin space (U+2009) between thousands, a real minus sign (U+2212), "saknas"
for a value that does not exist (never a bare 0 for "no data"), months as "jun 2026".
Spreadsheets (CSV, XLSX) keep numbers as numbers and do not use this module for them.
"""

from __future__ import annotations

from datetime import date

THIN_SPACE = "\u2009"
MINUS = "\u2212"
MISSING = "saknas"
NOT_APPLICABLE = "–"
MONTHS_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MONTHS_SV_LONG = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                  "september", "oktober", "november", "december")


def number(value: int | float | None, decimals: int | None = None) -> str:
    """Return ``value`` with a decimal comma and thin-space thousands ("1 234", "0,24").

    ``decimals`` fixes the number of decimals for floats (default: as few as needed, at
    most two); integers are printed without decimals. ``None`` is "saknas".
    """
    if value is None:
        return MISSING
    if isinstance(value, bool):
        raise TypeError("a bool is not a number to show")
    if isinstance(value, int) or (decimals is None and float(value).is_integer()
                                  and abs(value) < 1e15):
        text = f"{int(value):,}"
    elif decimals is None:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{decimals}f}"
    text = text.replace(",", THIN_SPACE).replace(".", ",")
    return text.replace("-", MINUS)


def percent(value: int | float | None, decimals: int = 0) -> str:
    """Return a share in percent: "24 %", "7,5 %" ("saknas" for None)."""
    if value is None:
        return MISSING
    return f"{number(round(value, decimals) if decimals else round(value), decimals or None)} %"


def change(value: int | float | None, decimals: int = 0) -> str | None:
    """Return a signed change in percent: "+20 %", "−85 %", "±0 %" (None stays None)."""
    if value is None:
        return None
    rounded = round(value, decimals) if decimals else round(value)
    if rounded == 0:
        return "±0 %"
    sign = "+" if rounded > 0 else MINUS
    return f"{sign}{number(abs(rounded), decimals or None)} %"


def signed(value: int | float | None, decimals: int = 1, suffix: str = "") -> str | None:
    """Return a signed difference: "+1,5", "−0,3" (None stays None)."""
    if value is None:
        return None
    if round(value, decimals) == 0:
        return f"±{number(0.0, decimals)}{suffix}"
    sign = "+" if value > 0 else MINUS
    return f"{sign}{number(abs(value), decimals)}{suffix}"


def hectares(m2: float) -> str:
    """Return an area given in square metres as hectares: "0,24 ha"."""
    return f"{number(m2 / 10_000, 2)} ha"


def month(year: int, month_: int) -> str:
    """Return a month as "jun 2026"."""
    return f"{MONTHS_SV[month_ - 1]} {year}"


def day(d: date) -> str:
    """Return a date as "3 jun 2026"."""
    return f"{d.day} {MONTHS_SV[d.month - 1]} {d.year}"


def period(first: date, last: date) -> str:
    """Return a period of dates as "2026-03-01 – 2026-05-31" (ISO dates, an en dash)."""
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


__all__ = ["MISSING", "MONTHS_SV", "NOT_APPLICABLE", "THIN_SPACE", "change", "day", "hectares",
           "month", "number", "percent", "period", "signed"]
