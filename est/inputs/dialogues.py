"""Medborgar- and medarbetardialoger: who took part (groups and counts), themes, quotes, places.

No names are stored: participants are groups with counts, quotes are what the group chose
to keep. Themes are categories of the taxonomy or free themes, each with how often it came
up. Places are points (WGS84, inside the municipality) or the municipality's named places.
Writes need the ``actions`` permission in the dialogue's municipality; reads ``review``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.inputs.files import check_text
from est.inputs.scope import scope_of
from est.inputs.sources import participant_count
from est.models import Area, Category
from est.models.audit import Place
from est.models.inputs import (
    DIALOGUE_KINDS,
    Dialogue,
    DialoguePlace,
    DialogueQuote,
    DialogueTheme,
)
from est.timebounds import check_bounds

KIND_LABELS = {"medborgardialog": "Medborgardialog", "medarbetardialog": "Medarbetardialog"}
MAX_TITLE = 200
MAX_GROUP = 100
MAX_THEME = 200
MAX_QUOTE = 1000
MAX_LABEL = 200
MAX_ROWS = 50
MAX_COUNT = 100_000


@dataclass
class DialogueInput:
    """A checked dialogue, ready to store."""

    kind: str
    title: str
    held_on: date
    area_id: int
    participants: list[dict] = field(default_factory=list)
    themes: list[tuple[int | None, str | None, int]] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    places: list[tuple[str, float | None, float | None, int | None]] = field(
        default_factory=list)


def _getlist(values: Mapping, name: str) -> list[str]:
    getter = getattr(values, "getlist", None)
    if getter is not None:
        return [str(v) for v in getter(name)]
    raw = values.get(name)
    if raw is None:
        return []
    return [str(v) for v in raw] if isinstance(raw, list | tuple) else [str(raw)]


def _rows(values: Mapping, *names: str) -> list[tuple[int, list[str]]]:
    """Return the non-empty rows of parallel fields, each with its 1-based position."""
    columns = [_getlist(values, n) for n in names]
    length = max((len(c) for c in columns), default=0)
    rows = [[(c[i] if i < len(c) else "").strip() for c in columns] for i in range(length)]
    return [(i, r) for i, r in enumerate(rows, start=1) if any(r)]


def _whole(text: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"Ange ett heltal från {low} till {high}.")
    return int(text)


def _coordinate(text: str) -> float:
    return float(text.replace(",", ".").replace("\u2212", "-"))


def parse_dialogue(session: Session, values: Mapping) -> DialogueInput:
    """Check a dialogue form (a mapping or MultiDict); ValidationError names every bad field.

    Fields: ``kind``, ``title``, ``held_on`` (YYYY-MM-DD), ``area`` (area id); repeated
    ``participant_group``/``participant_count``, ``theme_category`` (a category code) /
    ``theme_free``/``theme_mentions``, ``quote``, ``place_label``/``place_lat``/
    ``place_lon``/``place_id``. Empty repeated rows are skipped.
    """
    errors: dict[str, str] = {}

    def text(name: str, limit: int, label: str, required: bool = True) -> str:
        try:
            return check_text(values.get(name), label, limit, required=required)
        except ValueError as exc:
            errors[name] = _sv(str(exc), label, limit)
            return ""

    kind = str(values.get("kind") or "")
    if kind not in DIALOGUE_KINDS:
        errors["kind"] = "Välj medborgardialog eller medarbetardialog."
    title = text("title", MAX_TITLE, "Rubrik")
    held_on: date | None = None
    try:
        held_on = date.fromisoformat(str(values.get("held_on") or "").strip())
        check_bounds(held_on, "held_on", errors)
    except ValueError:
        errors["held_on"] = "Ange datum som ÅÅÅÅ-MM-DD."
    area_id = None
    try:
        area_id = int(str(values.get("area") or ""))
        if session.get(Area, area_id) is None:
            raise ValueError
    except ValueError:
        errors["area"] = "Välj ett område."
    out = DialogueInput(kind=kind, title=title, held_on=held_on or date.min,
                        area_id=area_id or 0)
    for name, rows in (("participants", _rows(values, "participant_group",
                                              "participant_count")),
                       ("themes", _rows(values, "theme_category", "theme_free",
                                        "theme_mentions")),
                       ("quotes", _rows(values, "quote")),
                       ("places", _rows(values, "place_label", "place_lat", "place_lon",
                                        "place_id"))):
        if len(rows) > MAX_ROWS:
            errors[name] = f"Högst {MAX_ROWS} rader."
    for i, (group, count) in _rows(values, "participant_group",
                                   "participant_count")[:MAX_ROWS]:
        try:
            if not group:
                raise ValueError("Ange gruppen (till exempel ”Elever åk 8”), inga namn.")
            if len(group) > MAX_GROUP:
                raise ValueError(f"Gruppen får vara högst {MAX_GROUP} tecken.")
            entry: dict = {"group": group}
            if count:
                entry["count"] = _whole(count, 0, MAX_COUNT)
            out.participants.append(entry)
        except ValueError as exc:
            errors.setdefault(f"participant-{i}", str(exc))
    categories = {c.code: c.id for c in session.scalars(select(Category)
                                                        .where(Category.active.is_(True)))}
    for i, (code, free, mentions) in _rows(values, "theme_category", "theme_free",
                                           "theme_mentions")[:MAX_ROWS]:
        try:
            if code and code not in categories:
                raise ValueError("Okänd kategori.")
            if not code and not free:
                raise ValueError("Välj en kategori eller skriv ett eget tema.")
            if len(free) > MAX_THEME:
                raise ValueError(f"Temat får vara högst {MAX_THEME} tecken.")
            n = _whole(mentions, 1, MAX_COUNT) if mentions else 1
            out.themes.append((categories.get(code) if code else None, free or None, n))
        except ValueError as exc:
            errors.setdefault(f"theme-{i}", str(exc))
    for i, (quote,) in _rows(values, "quote")[:MAX_ROWS]:
        if len(quote) > MAX_QUOTE:
            errors.setdefault(f"quote-{i}", f"Citatet får vara högst {MAX_QUOTE} tecken.")
        else:
            out.quotes.append(quote)
    places = {}
    if area_id is not None and "area" not in errors:
        scope = scope_of(session, area_id)
        muni_id = scope.municipality.id if scope.municipality else area_id
        places = {str(p.id): p for p in session.scalars(select(Place)
                                                        .where(Place.area_id == muni_id))}
    for i, (label, lat, lon, place_id) in _rows(values, "place_label", "place_lat",
                                                "place_lon", "place_id")[:MAX_ROWS]:
        try:
            named = places.get(place_id) if place_id else None
            if place_id and named is None:
                raise ValueError("Okänd namngiven plats.")
            label = label or (named.name if named else "")
            if not label:
                raise ValueError("Ge platsen en beskrivning (till exempel ”Gångtunneln vid "
                                 "stationen”).")
            if len(label) > MAX_LABEL:
                raise ValueError(f"Beskrivningen får vara högst {MAX_LABEL} tecken.")
            point_lon = point_lat = None
            if lat or lon:
                try:
                    point_lat, point_lon = _coordinate(lat), _coordinate(lon)
                except ValueError:
                    raise ValueError("Ange latitud och longitud som decimaltal.") from None
                if not (-90 <= point_lat <= 90 and -180 <= point_lon <= 180):
                    raise ValueError("Koordinaterna ligger utanför jorden.")
            elif named is None:
                raise ValueError("Välj platsen i kartan, skriv koordinater eller välj en "
                                 "namngiven plats.")
            out.places.append((label, point_lon, point_lat, named.id if named else None))
        except ValueError as exc:
            errors.setdefault(f"place-{i}", str(exc))
    if errors:
        raise ValidationError(errors)
    return out


def _sv(message: str, label: str, limit: int) -> str:
    if message.endswith("is empty"):
        return f"{label} måste fyllas i."
    if "NUL" in message:
        return f"{label} innehåller ett otillåtet tecken."
    return f"{label} får vara högst {limit} tecken."


def _check_area(session: Session, actor, area_id: int) -> Area:
    access.require(actor, "action.manage")
    scope = scope_of(session, area_id)
    muni = scope.municipality
    if muni is None or not access.in_municipality(actor, muni.id):
        raise ValidationError("Området ligger inte i din kommun.", field="area")
    return muni


def _store(session: Session, dialogue: Dialogue, data: DialogueInput, muni: Area) -> None:
    for label, lon, lat, _place_id in data.places:
        if lon is None or lat is None:
            continue
        inside = session.scalar(select(func.ST_Contains(
            Area.geom, func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)))
            .where(Area.id == muni.id))
        if not inside:
            raise ValidationError({"places": f"Platsen ”{label}” ligger utanför "
                                             f"{muni.name}."})
    dialogue.kind, dialogue.title, dialogue.held_on = data.kind, data.title, data.held_on
    dialogue.area_id, dialogue.participants = data.area_id, data.participants
    dialogue.themes = [DialogueTheme(category_id=c, free_theme=f, mentions=n)
                       for c, f, n in data.themes]
    dialogue.quotes = [DialogueQuote(text=q) for q in data.quotes]
    dialogue.places = [DialoguePlace(label=label, place_id=place_id,
                                     geom=from_shape(Point(lon, lat), srid=4326)
                                     if lon is not None and lat is not None else None)
                       for label, lon, lat, place_id in data.places]


def create_dialogue(session: Session, actor, values: Mapping) -> int:
    """Check and store a new dialogue; return its id. Nothing is written on an error."""
    with transaction(session):
        data = parse_dialogue(session, values)
        muni = _check_area(session, actor, data.area_id)
        dialogue = Dialogue(created_by=actor.id, organiser_id=actor.organisation_id)
        _store(session, dialogue, data, muni)
        session.add(dialogue)
        session.flush()
        return dialogue.id


def update_dialogue(session: Session, actor, dialogue_id: int, values: Mapping) -> None:
    """Replace a dialogue's fields, themes, quotes and places. Nothing is written on error."""
    with transaction(session):
        dialogue = _get(session, actor, dialogue_id, write=True)
        data = parse_dialogue(session, values)
        muni = _check_area(session, actor, data.area_id)
        _store(session, dialogue, data, muni)


def _get(session: Session, actor, dialogue_id: int, write: bool = False) -> Dialogue:
    access.require(actor, "action.manage" if write else "review.view")
    dialogue = session.get(Dialogue, dialogue_id)
    if dialogue is None:
        raise NotFound("Dialogen finns inte.")
    muni = scope_of(session, dialogue.area_id).municipality
    if muni is None or not access.in_municipality(actor, muni.id):
        raise NotFound("Dialogen finns inte.")
    return dialogue


def get_dialogue(session: Session, actor, dialogue_id: int) -> dict:
    """Return a dialogue as a dict for the page and the edit form (404 outside the kommun)."""
    d = _get(session, actor, dialogue_id)
    labels = {c.id: (c.code, c.label_sv) for c in session.scalars(select(Category))}
    area = session.get(Area, d.area_id)
    places = []
    for p in d.places:
        point = to_shape(p.geom) if p.geom is not None else None
        places.append({"label": p.label, "place_id": p.place_id,
                       "lat": round(point.y, 6) if point is not None else None,
                       "lon": round(point.x, 6) if point is not None else None})
    return {
        "id": d.id, "kind": d.kind, "kind_label": KIND_LABELS[d.kind], "title": d.title,
        "held_on": d.held_on, "area_id": d.area_id, "area_name": area.name if area else "",
        "participants": d.participants,
        "participant_total": participant_count(d.participants),
        "themes": [{"category": labels[t.category_id][0] if t.category_id else "",
                    "label": labels[t.category_id][1] if t.category_id else t.free_theme,
                    "free": t.free_theme or "", "mentions": t.mentions} for t in d.themes],
        "quotes": [q.text for q in d.quotes],
        "places": places,
    }


def form_values(dialogue: dict) -> dict:
    """Return the form fields (lists for the repeated rows) of a stored dialogue."""
    return {
        "kind": dialogue["kind"], "title": dialogue["title"],
        "held_on": dialogue["held_on"].isoformat(), "area": str(dialogue["area_id"]),
        "participant_group": [p.get("group", "") for p in dialogue["participants"]],
        "participant_count": [str(p["count"]) if p.get("count") is not None else ""
                              for p in dialogue["participants"]],
        "theme_category": [t["category"] for t in dialogue["themes"]],
        "theme_free": [t["free"] for t in dialogue["themes"]],
        "theme_mentions": [str(t["mentions"]) for t in dialogue["themes"]],
        "quote": list(dialogue["quotes"]),
        "place_label": [p["label"] for p in dialogue["places"]],
        "place_lat": ["" if p["lat"] is None else str(p["lat"]) for p in dialogue["places"]],
        "place_lon": ["" if p["lon"] is None else str(p["lon"]) for p in dialogue["places"]],
        "place_id": [str(p["place_id"] or "") for p in dialogue["places"]],
    }


def list_dialogues(session: Session, actor, area_id: int, start: date | None = None,
                   end: date | None = None) -> list[dict]:
    """Return the dialogues of an area and its sub-areas, newest first."""
    access.require(actor, "review.view")
    scope = scope_of(session, area_id)
    stmt = (select(Dialogue, Area.name).join(Area, Area.id == Dialogue.area_id)
            .where(Dialogue.area_id.in_(scope.ids)))
    if start is not None:
        stmt = stmt.where(Dialogue.held_on >= start)
    if end is not None:
        stmt = stmt.where(Dialogue.held_on <= end)
    out = []
    for d, area_name in session.execute(stmt.order_by(Dialogue.held_on.desc(),
                                                       Dialogue.id.desc())):
        out.append({"id": d.id, "kind_label": KIND_LABELS[d.kind], "title": d.title,
                    "held_on": d.held_on, "area_name": area_name,
                    "participants": participant_count(d.participants),
                    "themes": len(d.themes), "quotes": len(d.quotes),
                    "places": len(d.places)})
    return out


def dialogue_areas(session: Session, municipality_id: int) -> list[Area]:
    """Return the areas a dialogue may belong to: the municipality and the areas below it."""
    scope = scope_of(session, municipality_id)
    return list(session.scalars(select(Area).where(Area.id.in_(scope.ids))
                                .where(Area.kind.in_(("municipality", "district")))
                                .order_by(Area.kind.desc(), Area.name)))
