"""The rules of walk input: bounds on every field, counts-only participants, ratings, routes.

Parsers take form-like values (strings from a form or JSON values) and write a Swedish message
per field into ``errors``; callers raise :class:`~est.errors.ValidationError` once with all of
them, before anything is written. Coordinates are WGS84 longitude/latitude in degrees.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from est.models.inputs import (
    PROPOSAL_HORIZONS,
    PROPOSAL_STATUSES,
    WALK_LIGHT,
    WALK_RATINGS,
)
from est.timebounds import check_bounds

TITLE_MAX = 200
PURPOSE_MAX = 4000
WEATHER_MAX = 200
ACCESSIBILITY_MAX = 2000
NOTE_MAX = 2000
MEASURE_MAX = 2000
REJECT_REASON_MAX = 1000
ROUTE_MAX_POINTS = 5000
COUNT_MAX = 10_000
WALK_MAX_HOURS = 24
FUTURE_TOLERANCE = timedelta(minutes=5)

# Participants: counts only, under these fixed keys; any other key or a text value (a name)
# is refused. {"total": 12, "residents": 9, "age": {"16-25": 3}, "gender": {"kvinna": 7}}
AGE_BANDS = ("under_16", "16-25", "26-40", "41-64", "65+")
GENDERS = ("kvinna", "man", "annat", "uppger_ej")
AGE_LABELS = {"under_16": "Under 16", "16-25": "16–25", "26-40": "26–40", "41-64": "41–64",
              "65+": "65 och äldre"}
GENDER_LABELS = {"kvinna": "Kvinnor", "man": "Män", "annat": "Annat", "uppger_ej": "Uppger ej"}
LIGHT_LABELS = {"dagsljus": "Dagsljus", "skymning": "Skymning", "morker": "Mörker"}
STATUS_LABELS = {"planned": "Planerad", "in_progress": "Pågår", "finished": "Genomförd"}
HORIZON_LABELS = {"quick": "Snabb åtgärd", "long": "Långsiktig"}
PRIORITY_LABELS = {1: "Hög", 2: "Medel", 3: "Låg"}
PROPOSAL_STATUS_LABELS = {"new": "Ny", "accepted": "Accepterad", "rejected": "Avslagen",
                          "in_progress": "Pågår", "done": "Genomförd"}
# Safetipin / CPTED audit parameters, rated 0 (poor) … 3 (good).
RATING_LABELS = {
    "lighting": "Belysning", "openness": "Öppenhet och sikt",
    "visibility": "Synlighet (ögon på gatan)",
    "people": "Människor på platsen", "mix": "Blandning av människor", "guardianship": "Tillsyn",
    "walkpath": "Gångväg", "transport": "Kollektivtrafik", "maintenance": "Skötsel",
}
assert tuple(RATING_LABELS) == WALK_RATINGS
SAFETY_LABELS = {1: "Mycket otrygg", 2: "Otrygg", 3: "Varken eller", 4: "Trygg",
                 5: "Mycket trygg"}
# The category of an observation's report when neither reasons nor a category were chosen.
DEFAULT_REASON = "ovrigt_otrygg"

NUL = "Tecknet NUL (\\x00) är inte tillåtet."


def text(value: Any, field: str, errors: dict[str, str], *, limit: int,
         required: bool = False, message: str | None = None) -> str | None:
    """Return trimmed text (None if empty); record a bound, NUL or missing error."""
    if value is not None and not isinstance(value, str):
        errors[field] = "Ange text."
        return None
    value = (value or "").strip()
    if "\x00" in value:
        errors[field] = NUL
        return None
    if not value:
        if required:
            errors[field] = message or "Fältet måste fyllas i."
        return None
    if len(value) > limit:
        errors[field] = f"Högst {limit} tecken."
        return None
    return value


def integer(value: Any, field: str, errors: dict[str, str], *, low: int, high: int,
            required: bool = False, message: str | None = None) -> int | None:
    """Return a whole number in ``low`` … ``high`` (None if empty); record an error otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = message or "Fältet måste fyllas i."
        return None
    if isinstance(value, bool):
        errors[field] = message or f"Ange ett heltal {low}–{high}."
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit() or len(value) > 9:
            errors[field] = message or f"Ange ett heltal {low}–{high}."
            return None
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        errors[field] = message or f"Ange ett heltal {low}–{high}."
        return None
    return value


def day(value: Any, field: str, errors: dict[str, str]) -> date | None:
    """Return a date (ÅÅÅÅ-MM-DD) within the time bounds, None if empty."""
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            errors[field] = "Ange datum som ÅÅÅÅ-MM-DD."
            return None
    return parsed if check_bounds(parsed, field, errors) else None


def moment(value: Any, field: str, errors: dict[str, str], tz: ZoneInfo, *,
           required: bool = False, now: datetime | None = None,
           past_only: bool = False) -> datetime | None:
    """Return an aware datetime from ``ÅÅÅÅ-MM-DDTTT:MM`` (local time if no offset)."""
    if value in (None, ""):
        if required:
            errors[field] = "Ange datum och tid (ÅÅÅÅ-MM-DD TT:MM)."
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        raw = str(value).strip().replace(" ", "T", 1)
        if raw.endswith("Z"):
            raw = raw[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            errors[field] = "Ange datum och tid (ÅÅÅÅ-MM-DD TT:MM)."
            return None
    if not check_bounds(parsed, field, errors):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if past_only and parsed > (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        errors[field] = "Tidpunkten kan inte vara i framtiden."
        return None
    return parsed


def choice(value: Any, field: str, errors: dict[str, str], choices: tuple[str, ...], *,
           default: str | None = None) -> str | None:
    """Return ``value`` if it is one of ``choices`` (``default`` if empty)."""
    if value in (None, ""):
        return default
    if value not in choices:
        errors[field] = "Välj ett av alternativen."
        return None
    return str(value)


def participants(value: Any, errors: dict[str, str]) -> dict:
    """Return a counts-only participant profile; any name-like text is refused.

    Accepts a mapping (JSON) or flat form keys ``total``, ``residents``, ``age_<band>`` and
    ``gender_<g>``. Only the fixed keys and whole numbers 0 … 10 000 are allowed.
    """
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors["participants"] = "Ange deltagarna som antal, inte namn."
        return {}
    out: dict[str, Any] = {}
    allowed = {"total", "residents", "age", "gender"}
    unknown = set(value) - allowed
    if unknown:
        errors["participants"] = ("Ange deltagarna som antal per ålder och kön, inte namn "
                                  f"(okänt fält: {sorted(unknown)[0][:40]}).")
        return {}
    for key in ("total", "residents"):
        n = integer(value.get(key), f"participants.{key}", errors, low=0, high=COUNT_MAX,
                    message="Ange ett antal (0–10 000), inte namn.")
        if n is not None:
            out[key] = n
    for key, keys in (("age", AGE_BANDS), ("gender", GENDERS)):
        group = value.get(key) or {}
        if not isinstance(group, dict) or set(group) - set(keys):
            errors[f"participants.{key}"] = "Ange antal per grupp, inte namn."
            continue
        counts = {}
        for band in keys:
            n = integer(group.get(band), f"participants.{key}.{band}", errors, low=0,
                        high=COUNT_MAX, message="Ange ett antal (0–10 000), inte namn.")
            if n:
                counts[band] = n
        if counts:
            out[key] = counts
    total = out.get("total")
    if total is not None:
        for key in ("age", "gender"):
            if sum(out.get(key, {}).values()) > total:
                errors[f"participants.{key}"] = "Fler i grupperna än deltagare totalt."
        if out.get("residents", 0) > total:
            errors["participants.residents"] = "Fler boende än deltagare totalt."
    return out


def participants_from_form(form) -> dict:
    """Return the participants mapping from flat form fields (``age_16-25`` …)."""
    return {
        "total": form.get("total", ""), "residents": form.get("residents", ""),
        "age": {b: form.get(f"age_{b}", "") for b in AGE_BANDS},
        "gender": {g: form.get(f"gender_{g}", "") for g in GENDERS},
    }


def ratings(value: Any, errors: dict[str, str]) -> dict[str, int]:
    """Return the CPTED ratings ``{key: 0..3}`` for the keys that were rated."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or set(value) - set(WALK_RATINGS):
        errors["ratings"] = "Okänd bedömning."
        return {}
    out = {}
    for key in WALK_RATINGS:
        n = integer(value.get(key), f"ratings.{key}", errors, low=0, high=3,
                    message="Bedöm med 0–3.")
        if n is not None:
            out[key] = n
    return out


def lonlat(lon: Any, lat: Any, errors: dict[str, str], field: str = "location"
           ) -> tuple[float, float] | None:
    """Return (lon, lat) in WGS84 degrees, or None with an error for ``field``."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        errors[field] = "Välj platsen i kartan."
        return None
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        errors[field] = "Koordinaterna ligger utanför jorden (longitud ±180, latitud ±90)."
        return None
    return x, y


def route_points(value: Any, errors: dict[str, str]) -> list[tuple[float, float]]:
    """Return a route as [(lon, lat), …] from ``[[lon, lat], …]`` (2 … 5000 points)."""
    if not isinstance(value, list) or not value:
        errors["route"] = "Rutten saknar punkter."
        return []
    if len(value) > ROUTE_MAX_POINTS:
        errors["route"] = f"Rutten har för många punkter (högst {ROUTE_MAX_POINTS})."
        return []
    points: list[tuple[float, float]] = []
    for item in value:
        if not isinstance(item, list | tuple) or len(item) != 2:
            errors["route"] = "Varje punkt är [longitud, latitud]."
            return []
        point = lonlat(item[0], item[1], errors, "route")
        if point is None:
            return []
        if not points or points[-1] != point:
            points.append(point)
    return points


__all__ = [
    "AGE_BANDS", "GENDERS", "PROPOSAL_HORIZONS", "PROPOSAL_STATUSES", "WALK_LIGHT",
    "WALK_RATINGS",
]
