"""Bounded text and date input for the åtgärdsplan (one message per field, in Swedish)."""

from __future__ import annotations

from datetime import date

from est.timebounds import check_bounds


def text(data: dict, field: str, errors: dict[str, str], *, max_len: int,
         required: str | None = None) -> str | None:
    """Return the stripped text of ``data[field]`` (None if empty), recording bad input.

    ``required`` is the message when the field is empty (None: optional). NUL bytes and
    text longer than ``max_len`` are refused.
    """
    value = data.get(field)
    value = "" if value is None else str(value)
    value = value.replace("\r\n", "\n").strip()
    if "\x00" in value:
        errors[field] = "Texten får inte innehålla NUL-tecken."
        return None
    if len(value) > max_len:
        errors[field] = f"Högst {max_len} tecken."
        return None
    if not value:
        if required:
            errors[field] = required
        return None
    return value


def day(data: dict, field: str, errors: dict[str, str], *, required: bool = False
        ) -> date | None:
    """Return the date in ``data[field]`` (ISO), recording a message when invalid."""
    value = data.get(field)
    if isinstance(value, date):
        parsed: date | None = value
    elif value in (None, ""):
        if required:
            errors[field] = "Ange ett datum (ÅÅÅÅ-MM-DD)."
        return None
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            errors[field] = "Ange ett datum (ÅÅÅÅ-MM-DD)."
            return None
    return parsed if check_bounds(parsed, field, errors) else None


def integer(value) -> int | None:
    """Return ``value`` as int, or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def number(data: dict, field: str, errors: dict[str, str]) -> float | None:
    """Return an optional decimal number (comma or point), recording a message when bad."""
    value = str(data.get(field) or "").strip().replace(",", ".").replace("\u2212", "-")
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError:
        errors[field] = "Ange ett tal, t.ex. 4 eller 2,5."
        return None
    if not -1e9 < parsed < 1e9 or parsed != parsed:
        errors[field] = "Talet är orimligt stort."
        return None
    return parsed
