"""Import polisen.se events (the JSON its events API returns), kept as context only.

The file is the API's array of events::

    [{"id": 560281, "datetime": "2025-03-01 21:14:05 +01:00",
      "name": "01 mars 21.14, Misshandel, Hallsberg", "summary": "…",
      "url": "/aktuellt/handelser/2025/mars/01/…", "type": "Misshandel",
      "location": {"name": "Hallsberg", "gps": "59.066,15.11"}}]

The position is the centroid of the municipality or county polisen.se names, never a site,
so events are never used in hot spot detection. Events are keyed by polisen.se's ``id``: an
event already stored is updated, not duplicated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.inputs.files import RowErrors, check_text, read_json
from est.models import Category
from est.models.inputs import PoliceEvent
from est.timebounds import bound_error

# polisen.se event type → our category code (None: kept, but in no category).
TYPE_CATEGORIES: dict[str, str | None] = {
    "Skadegörelse": "skadegorelse",
    "Misshandel": "vald_hot", "Misshandel, grov": "vald_hot", "Olaga hot": "vald_hot",
    "Våld/hot mot tjänsteman": "vald_hot", "Rån": "vald_hot", "Rån väpnat": "vald_hot",
    "Rån, försök": "vald_hot", "Rån övrigt": "vald_hot", "Skottlossning": "vald_hot",
    "Skottlossning, misstänkt": "vald_hot", "Knivlagen": "vald_hot", "Mord/dråp": "vald_hot",
    "Mord/dråp, försök": "vald_hot", "Vapenlagen": "vald_hot", "Explosion": "vald_hot",
    "Sprängning": "vald_hot", "Våldtäkt": "vald_hot", "Våldtäkt, försök": "vald_hot",
    "Stöld": "stold", "Stöld, försök": "stold", "Stöld, ringa": "stold",
    "Stöld/inbrott": "inbrott", "Inbrott": "inbrott", "Inbrott, försök": "inbrott",
    "Brand": "brand", "Mordbrand": "brand",
    "Narkotikabrott": "narkotika",
    "Ordningslagen": "ordningsstorning", "Fylleri/LOB": "ordningsstorning",
    "Bråk": "ordningsstorning", "Ofredande/förargelse": "ordningsstorning",
    "Ofog barn/ungdom": "ungdomar_riskmiljo",
    "Trafikbrott": "trafik", "Rattfylleri": "trafik", "Olovlig körning": "trafik",
    "Alkohollagen": "langning",
    "Sammanfattning natt": None, "Sammanfattning kväll och natt": None,
    "Sammanfattning dag": None, "Trafikolycka": None, "Trafikolycka, personskada": None,
    "Trafikolycka, singel": None, "Trafikkontroll": None, "Brand automatlarm": None,
    "Övrigt": None, "Polisinsats/kommendering": None, "Försvunnen person": None,
}
# polisen.se writes "2025-03-01 21:14:05 +01:00" (older events: "2019-1-3 9:05:27 +01:00").
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) "
                       r"([+-]\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class PoliceImportResult:
    """What the import stored."""

    records: int
    new: int
    updated: int
    unmapped_types: tuple[str, ...]


def parse_event_time(text: str) -> datetime:
    """Return polisen.se's "2025-03-01 21:14:05 +01:00" as an aware datetime."""
    m = _DATETIME.match(text.strip())
    if not m:
        raise ValueError(f"datetime {text!r} is not like '2025-03-01 21:14:05 +01:00'")
    y, mo, d, h, mi, s, oh, om = m.groups()
    return datetime.fromisoformat(f"{y}-{int(mo):02d}-{int(d):02d}T{int(h):02d}:{mi}:{s}"
                                  f"{oh}:{om}")


def parse_gps(text: str) -> tuple[float, float]:
    """Return (longitude, latitude) from polisen.se's "lat,lng"."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2:
        raise ValueError(f"location.gps {text!r} is not 'lat,lng'")
    try:
        lat, lng = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"location.gps {text!r} is not 'lat,lng'") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError(f"location.gps {text!r} is outside WGS84 bounds")
    return lng, lat


def _event(record: object) -> dict:
    if not isinstance(record, dict):
        raise ValueError("is not an object")
    raw_id = record.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int) or raw_id <= 0:
        raise ValueError(f"id {raw_id!r} is not a positive integer")
    occurred = parse_event_time(check_text(record.get("datetime"), "datetime", 40))
    problem = bound_error(occurred)
    if problem:
        raise ValueError(f"datetime {record.get('datetime')}: {problem}")
    location = record.get("location")
    if not isinstance(location, dict):
        raise ValueError("location is missing")
    gps = location.get("gps")
    lng_lat = parse_gps(gps) if gps not in (None, "") else None
    return {
        "id": raw_id, "occurred_at": occurred,
        "name": check_text(record.get("name"), "name", 300),
        "summary": check_text(record.get("summary"), "summary", 5000, required=False) or None,
        "url": check_text(record.get("url"), "url", 500, required=False) or None,
        "type": check_text(record.get("type"), "type", 100),
        "location_name": check_text(location.get("name"), "location.name", 200),
        "lng_lat": lng_lat,
    }


def import_police_events(session: Session, path: str | Path) -> PoliceImportResult:
    """Check every event of a polisen.se events JSON file, then store them all (or none)."""
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        data = data["events"]
    if not isinstance(data, list):
        raise ValidationError(f"{Path(path).name}: expected the events API's JSON array",
                              field="file")
    errors = RowErrors(str(path))
    events: list[dict] = []
    for i, record in enumerate(data, start=1):
        try:
            events.append(_event(record))
        except ValueError as exc:
            errors.add(f"record {i}", str(exc))
    errors.raise_if_any()
    if not events:
        raise ValidationError(f"{Path(path).name} holds no events", field="file")
    seen: set[int] = set()
    for i, e in enumerate(events, start=1):
        if e["id"] in seen:
            errors.add(f"record {i}", f"id {e['id']} appears twice")
        seen.add(e["id"])
    errors.raise_if_any()
    with transaction(session):
        codes = {c.code: c.id for c in session.scalars(select(Category))}
        existing = set(session.scalars(select(PoliceEvent.id).where(
            PoliceEvent.id.in_([e["id"] for e in events]))))
        rows = []
        for e in events:
            lng_lat = e.pop("lng_lat")
            code = TYPE_CATEGORIES.get(e["type"])
            rows.append({**e, "category_id": codes.get(code) if code else None,
                         "geom": (func.ST_SetSRID(func.ST_MakePoint(*lng_lat), 4326)
                                  if lng_lat else None)})
        for row in rows:
            stmt = insert(PoliceEvent).values(**row)
            session.execute(stmt.on_conflict_do_update(
                index_elements=[PoliceEvent.id],
                set_={k: stmt.excluded[k] for k in row if k != "id"}))
    unmapped = sorted({e["type"] for e in events if e["type"] not in TYPE_CATEGORIES})
    return PoliceImportResult(records=len(events), new=len(events) - len(existing),
                              updated=len(existing), unmapped_types=tuple(unmapped))
