"""The audit trail of a report in Swedish words ("status ändrad från väntar på granskning till
publicerad") instead of the stored JSON of old and new values."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from est import format as sv

STATUS_SV = {"pending": "väntar på granskning", "published": "publicerad", "rejected": "avvisad",
             "new": "ny", "reviewed": "granskad", "closed": "avslutad"}
SOURCE_SV = {"public": "allmänheten", "organisation": "en organisation", "import": "import",
             "api": "API"}
EARTH_RADIUS_M = 6_371_008.8


def _status(code: Any) -> str:
    return STATUS_SV.get(str(code), str(code)) if code is not None else "okänd"


def _point(d: Mapping | None) -> tuple[float, float] | None:
    if not d or d.get("lat") is None or d.get("lon") is None:
        return None
    try:
        return float(d["lat"]), float(d["lon"])
    except (TypeError, ValueError):
        return None


def _where(p: tuple[float, float]) -> str:
    return f"{sv.number(p[0], 5)}; {sv.number(p[1], 5)}"


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the great-circle distance between two WGS84 (lat, lon) points in metres."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _created(old: Mapping, new: Mapping, label: Callable[[str], str]) -> str:
    parts = ["rapporten skapad"]
    if new.get("source"):
        parts.append(f"källa {SOURCE_SV.get(new['source'], new['source'])}")
    if new.get("category"):
        parts.append(f"kategori {label(new['category'])}")
    if new.get("status"):
        parts.append(f"status {_status(new['status'])}")
    return ", ".join(parts)


def _status_changed(old: Mapping, new: Mapping, label: Callable[[str], str]) -> str:
    return f"status ändrad från {_status(old.get('status'))} till {_status(new.get('status'))}"


def _category_edited(old: Mapping, new: Mapping, label: Callable[[str], str]) -> str:
    before = label(old["category"]) if old.get("category") else "ingen"
    after = label(new["category"]) if new.get("category") else "ingen"
    return f"kategori ändrad från {before} till {after}"


def _location_edited(old: Mapping, new: Mapping, label: Callable[[str], str]) -> str:
    a, b = _point(old), _point(new)
    if b is None:
        return "position ändrad"
    if a is None:
        return f"position satt till {_where(b)}"
    return (f"position flyttad {sv.number(round(_metres(a, b)))} m, från {_where(a)} "
            f"till {_where(b)}")


def _retention(old: Mapping, new: Mapping, label: Callable[[str], str]) -> str:
    removed = [text for key, text in (("contact", "kontaktuppgifter raderade"),
                                      ("description", "fritext borttagen"),
                                      ("internal_note", "intern anteckning raderad"))
               if old.get(key)]
    return ("lagringstiden passerad: " + ", ".join(removed) if removed
            else "lagringstiden passerad: inget personligt kvar att radera")


def _duplicate_marked(old: Mapping, new: Mapping, label: Callable[[str], str]) -> str:
    text = "markerad som dubblett"
    if new.get("duplicate_of"):
        text += f" av rapport {str(new['duplicate_of'])[:8]}"
    if new.get("status") and new.get("status") != old.get("status"):
        text += f"; status ändrad från {_status(old.get('status'))} till {_status(new['status'])}"
    return text


DESCRIBERS: dict[str, Callable[[Mapping, Mapping, Callable[[str], str]], str]] = {
    "created": _created, "status_changed": _status_changed, "location_edited": _location_edited,
    "category_edited": _category_edited, "retention": _retention,
    "duplicate_marked": _duplicate_marked,
}


def describe(action: str, old: Mapping | None, new: Mapping | None, note: str | None = None,
             categories: Mapping[str, str] | None = None) -> str:
    """Return what an audit event did, in Swedish words (first letter capitalised).

    ``categories`` maps category codes to their Swedish labels; ``note`` (a moderator's
    comment, or the import's file name) follows after a colon. An unknown action is named
    as it is stored rather than hidden.
    """
    labels = categories or {}

    def label(code: str) -> str:
        return labels.get(code, code)

    describer = DESCRIBERS.get(action)
    text = (describer(old or {}, new or {}, label) if describer is not None
            else f"händelse {action}")
    if note and action != "retention":  # retention's note repeats what the words say
        text += f" ({note})"
    return text[:1].upper() + text[1:]


def who(action: str, name: str | None, new: Mapping | None = None) -> str:
    """Return who did it: the user's name, else "allmänheten" for a public report, "import"
    for an imported one and "systemet" for automatic work such as retention."""
    if name:
        return name
    source = (new or {}).get("source")
    if action == "created" and source in ("public", "import", "api"):
        return {"public": "allmänheten", "import": "import", "api": "API"}[source]
    return "systemet"


def line(at: datetime, who: str, action: str, old: Mapping | None, new: Mapping | None,
         note: str | None = None, categories: Mapping[str, str] | None = None,
         tz: tzinfo | None = None) -> str:
    """Return one audit line: "2026-11-30 14:02 — Anna: Status ändrad från … till …"."""
    when = at.astimezone(tz) if tz is not None else at
    return f"{when:%Y-%m-%d %H:%M} — {who}: {describe(action, old, new, note, categories)}"
