"""Report validation: the one place with the reporting rules (fields, place, time, category).

Input is a mapping of form-like strings (a web form, the CLI or an API body); every field
error is collected and raised at once as :class:`~est.errors.ValidationError` with
``{field: message}``, and nothing is written. Coordinates are WGS84 longitude/latitude in
degrees; a point must lie inside the municipality's boundary (PostGIS ``ST_Contains``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import access
from est.errors import ValidationError
from est.models import Area, Category, Organisation, Place, Report
from est.queries import area_by_code
from est.timebounds import check_bounds


def N_(message: str) -> str:
    """Mark a message for translation by the web layer (``pybabel extract -k N_``)."""
    return message


MAX_DESCRIPTION = 2000
MAX_CONTACT = 254
MAX_NOTE = 2000
# Clock skew between a phone and the server: times up to this far ahead are accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)
WHEN_CHOICES = ("now", "at", "recurring")
SEVERITIES = {1: N_("Låg"), 2: N_("Medel"), 3: N_("Hög")}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")

MESSAGES = {
    "kind": N_("Välj om det gäller en händelse eller en otrygg plats."),
    "category": N_("Välj en kategori."),
    "reasons": N_("Välj minst en sak som gör platsen otrygg."),
    "location": N_("Ange platsen: klicka i kartan, använd din position, skriv koordinater "
                   "eller välj en plats i listan."),
    "outside": N_("Platsen ligger utanför kommunen. Välj en plats inom kommungränsen."),
    "lat_nan": N_("Latitud måste vara ett tal, till exempel 59.0651."),
    "lon_nan": N_("Longitud måste vara ett tal, till exempel 15.1122."),
    "lat_range": N_("Latitud måste vara mellan -90 och 90."),
    "lon_range": N_("Longitud måste vara mellan -180 och 180."),
    "place": N_("Välj en plats i listan."),
    "when": N_("Välj när det hände."),
    "date": N_("Ange datum som ÅÅÅÅ-MM-DD."),
    "time": N_("Ange tid som TT:MM."),
    "future": N_("Tidpunkten kan inte vara i framtiden."),
    "description": N_("Beskrivningen får vara högst 2000 tecken."),
    "contact": N_("Ange en e-postadress eller ett telefonnummer (högst 254 tecken)."),
    "organisation": N_("Välj en organisation."),
    "organisation_own": N_("Du kan bara rapportera för din egen organisation."),
    "occurred_from": N_("Ange starttid som ÅÅÅÅ-MM-DD TT:MM."),
    "occurred_until": N_("Ange sluttid som ÅÅÅÅ-MM-DD TT:MM."),
    "window": N_("Sluttiden måste vara efter starttiden."),
    "severity": N_("Välj allvarlighetsgrad 1, 2 eller 3."),
    "internal_note": N_("Den interna anteckningen får vara högst 2000 tecken."),
}


@dataclass
class CleanReport:
    """Validated report values, ready to store."""

    kind: str
    category: Category
    reasons: list[Category]
    lon: float
    lat: float
    area_id: int
    occurred_at: datetime
    occurred_until: datetime | None
    time_precision: str
    description: str | None
    contact: str | None
    idempotency_key: str | None
    organisation_id: int | None = None
    severity: int | None = None
    internal_note: str | None = None


def validate_report(session: Session, data: Mapping[str, Any], *, municipality: str,
                    tz: ZoneInfo, user: access.ActorLike | None = None,
                    organisation_id: int | None = None,
                    now: datetime | None = None, area: Area | None = None,
                    inside: bool | None = None,
                    active: Mapping[str, Category] | None = None) -> CleanReport:
    """Check a report's input and return clean values; raise ValidationError listing all errors.

    ``user`` is given for staff reports (organisation, time window, severity, internal note).
    ``organisation_id`` is given for an organisation's system (API key): the public fields
    plus severity, reported for that organisation.
    """
    now = now or datetime.now(UTC)
    errors: dict[str, str] = {}
    # A batch passes the area and its own bulk point-in-area answer (est.services.api).
    area = area if area is not None else area_by_code(session, municipality)

    kind = _text(data.get("kind"))
    if kind not in ("incident", "otrygghet"):
        errors["kind"] = MESSAGES["kind"]
    category, reasons = _categories(session, data, kind, errors, active)
    lon, lat = _location(session, data, area, errors, inside)
    if user is None:
        occurred_at, occurred_until, precision = _public_time(data, tz, now, errors)
    else:
        occurred_at, occurred_until, precision = _staff_time(data, tz, now, errors)

    description = _text(data.get("description")) or None
    if description and len(description) > MAX_DESCRIPTION:
        errors["description"] = MESSAGES["description"]
    contact = _text(data.get("contact")) or None
    if contact and (len(contact) > MAX_CONTACT
                    or not (_EMAIL.match(contact) or _PHONE.match(contact))):
        errors["contact"] = MESSAGES["contact"]
    token = _text(data.get("idempotency_key"))
    key = None
    if token and _TOKEN.match(token):
        key = ("staff:" if user is not None else "form:") + token

    clean = CleanReport(
        kind=kind, category=category, reasons=reasons, lon=lon, lat=lat,  # type: ignore[arg-type]
        area_id=area.id, occurred_at=occurred_at, occurred_until=occurred_until,  # type: ignore[arg-type]
        time_precision=precision, description=description, contact=contact,
        idempotency_key=key,
    )
    if user is not None:
        _staff_fields(session, data, user, clean, errors)
    elif organisation_id is not None:
        if session.get(Organisation, organisation_id) is None:
            errors["organisation"] = MESSAGES["organisation"]
        clean.organisation_id = organisation_id
        _severity(data, clean, errors)
        clean.internal_note = _text(data.get("internal_note"))[:MAX_NOTE] or None
    if errors:
        raise ValidationError(errors)
    return clean


def point_in_area(session: Session, area_id: int, lon: float, lat: float) -> bool:
    """Return True if the WGS84 point lies inside the area (PostGIS ST_Contains)."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return bool(session.scalar(select(func.ST_Contains(Area.geom, point))
                               .where(Area.id == area_id)))


def parse_lonlat(lon_text: Any, lat_text: Any, errors: dict[str, str]) -> tuple:
    """Parse typed coordinates (comma or point decimals) into floats, adding field errors."""
    lon = _number(lon_text)
    lat = _number(lat_text)
    if lat is None:
        errors["lat"] = MESSAGES["lat_nan"]
    elif not -90 <= lat <= 90:
        errors["lat"] = MESSAGES["lat_range"]
        lat = None
    if lon is None:
        errors["lon"] = MESSAGES["lon_nan"]
    elif not -180 <= lon <= 180:
        errors["lon"] = MESSAGES["lon_range"]
        lon = None
    return lon, lat


# -- helpers ----------------------------------------------------------------------------------

def _by_key(session: Session, key: str) -> Report | None:
    return session.scalar(select(Report).where(Report.idempotency_key == key))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _number(value: Any) -> float | None:
    text = _text(value).replace(",", ".").replace("\u2212", "-")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _list(data: Mapping[str, Any], key: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    values = getlist(key) if getlist else data.get(key) or []
    if isinstance(values, str):
        values = [values]
    return [v.strip() for v in values if v and v.strip()]


def _categories(session: Session, data, kind: str, errors: dict[str, str],
                active: Mapping[str, Category] | None = None
                ) -> tuple[Category | None, list[Category]]:
    if active is not None:  # a batch: the active categories by code, looked up once
        return _known_categories(data, kind, errors, active)
    if kind == "incident":
        code = _text(data.get("category"))
        cat = session.scalar(select(Category).where(
            Category.code == code, Category.kind == "incident", Category.active.is_(True)
        )) if code else None
        if cat is None:
            errors["category"] = MESSAGES["category"]
        return cat, []
    if kind == "otrygghet":
        codes = _list(data, "reasons")
        cats = list(session.scalars(select(Category).where(
            Category.code.in_(codes), Category.kind == "otrygghet", Category.active.is_(True)
        ).order_by(Category.sort_order))) if codes else []
        if not cats or len(cats) != len(set(codes)):
            errors["reasons"] = MESSAGES["reasons"]
            return None, []
        return cats[0], cats
    return None, []


def _known_categories(data, kind: str, errors: dict[str, str], active: Mapping[str, Category]
                      ) -> tuple[Category | None, list[Category]]:
    """:func:`_categories` over ``active`` (code -> active category) instead of queries."""
    if kind == "incident":
        cat = active.get(_text(data.get("category")))
        if cat is None or cat.kind != "incident":
            errors["category"] = MESSAGES["category"]
            return None, []
        return cat, []
    if kind == "otrygghet":
        codes = set(_list(data, "reasons"))
        cats = sorted((active[c] for c in codes
                       if c in active and active[c].kind == "otrygghet"),
                      key=lambda c: c.sort_order)
        if not cats or len(cats) != len(codes):
            errors["reasons"] = MESSAGES["reasons"]
            return None, []
        return cats[0], cats
    return None, []


def _location(session: Session, data, area: Area, errors: dict[str, str],
              inside: bool | None = None) -> tuple:
    place_id = _text(data.get("place"))
    if place_id:
        row = None
        if place_id.isdigit() and len(place_id) < 10:
            row = session.execute(
                select(func.ST_X(Place.geom), func.ST_Y(Place.geom))
                .where(Place.id == int(place_id), Place.area_id == area.id)
            ).first()
        if row is None:
            errors["place"] = MESSAGES["place"]
            return None, None
        return float(row[0]), float(row[1])
    if not _text(data.get("lon")) and not _text(data.get("lat")):
        errors["location"] = MESSAGES["location"]
        return None, None
    lon, lat = parse_lonlat(data.get("lon"), data.get("lat"), errors)
    if lon is None or lat is None:
        return None, None
    if not (point_in_area(session, area.id, lon, lat) if inside is None else inside):
        errors["location"] = MESSAGES["outside"]
    return lon, lat


def _public_time(data, tz: ZoneInfo, now: datetime, errors: dict[str, str]):
    when = _text(data.get("when")) or "now"
    if when not in WHEN_CHOICES:
        errors["when"] = MESSAGES["when"]
        return now, None, "unknown"
    if when == "now":
        return now, None, "exact"
    if when == "recurring":
        return now, None, "recurring"
    day = _parse_date(_text(data.get("date")))
    if day is None:
        errors["date"] = MESSAGES["date"]
    clock = _parse_time(_text(data.get("time")))
    if clock is None:
        errors["time"] = MESSAGES["time"]
    if day is None or clock is None or not check_bounds(day, "date", errors, latest=None):
        return now, None, "exact"
    occurred = datetime.combine(day, clock, tzinfo=tz)
    if occurred > now + FUTURE_TOLERANCE:
        errors["date"] = MESSAGES["future"]
    return occurred, None, "exact"


def _staff_time(data, tz: ZoneInfo, now: datetime, errors: dict[str, str]):
    start_text = _text(data.get("occurred_from"))
    start = _parse_datetime(start_text, tz) if start_text else now
    if start is None:
        errors["occurred_from"] = MESSAGES["occurred_from"]
        return now, None, "exact"
    if not check_bounds(start, "occurred_from", errors, latest=None):
        return now, None, "exact"
    if start > now + FUTURE_TOLERANCE:
        errors["occurred_from"] = MESSAGES["future"]
    until_text = _text(data.get("occurred_until"))
    if not until_text:
        return start, None, "exact"
    until = _parse_datetime(until_text, tz)
    if until is None:
        errors["occurred_until"] = MESSAGES["occurred_until"]
        return start, None, "exact"
    if not check_bounds(until, "occurred_until", errors, latest=None):
        return start, None, "exact"
    if until > now + FUTURE_TOLERANCE:
        errors["occurred_until"] = MESSAGES["future"]
    elif until < start:
        errors["occurred_until"] = MESSAGES["window"]
    return start, until, "window"


def _staff_fields(session: Session, data, user: access.ActorLike, clean: CleanReport,
                  errors: dict[str, str]) -> None:
    org_text = _text(data.get("organisation"))
    org_id = int(org_text) if org_text.isdigit() else None
    if org_text and org_id is None:
        errors["organisation"] = MESSAGES["organisation"]
    org_id = org_id or user.organisation_id
    if org_id is None or session.get(Organisation, org_id) is None:
        errors.setdefault("organisation", MESSAGES["organisation"])
    elif not access.can(user, "report.view_all_organisations") and org_id != user.organisation_id:
        errors["organisation"] = MESSAGES["organisation_own"]
    clean.organisation_id = org_id
    _severity(data, clean, errors)
    note = _text(data.get("internal_note")) or None
    if note and len(note) > MAX_NOTE:
        errors["internal_note"] = MESSAGES["internal_note"]
    clean.internal_note = note


def _severity(data, clean: CleanReport, errors: dict[str, str]) -> None:
    severity_text = _text(data.get("severity"))
    if severity_text:
        if severity_text.isdigit() and int(severity_text) in SEVERITIES:
            clean.severity = int(severity_text)
        else:
            errors["severity"] = MESSAGES["severity"]


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_time(text: str) -> time | None:
    if not re.fullmatch(r"\d{1,2}[:.]\d{2}", text):
        return None
    hour, minute = (int(p) for p in re.split(r"[:.]", text))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _parse_datetime(text: str, tz: ZoneInfo) -> datetime | None:
    parts = re.split(r"[T ]", text.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    day, clock = _parse_date(parts[0]), _parse_time(parts[1][:5])
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=tz)
