"""Editing medborgarlöften (the ``actions`` permission): head, texts, parties, indicators."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.models import Category
from est.models.promises import (
    INDICATOR_KINDS,
    PARTY_KINDS,
    PROMISE_STATUSES,
    Promise,
    PromiseIndicator,
    PromiseItem,
    PromiseParty,
)
from est.services.promises.store import get_promise, require_manage
from est.timebounds import check_bounds

# -- editing (coordinators and admins) --------------------------------------------------------

EDITABLE_SECTIONS = {"inledning": "Inledning", "syfte": "Syfte", "lagesbild": "Lägesbild",
                     "effekter": "Effekter", "uppfoljning": "Uppföljning"}
TITLE_MAX = 300
NAME_MAX = 200
TEXT_MAX = 8000
ITEM_MAX = 2000
DAYS_MAX = 90
PARTY_LABELS = {"kommun": "Kommunen", "polis": "Polisen", "annan": "Annan part"}




def form_data(promise: Promise) -> dict[str, Any]:
    """Return the promise as the edit form's values (the shape :func:`update_promise` takes)."""
    by_party: dict[int | None, list[str]] = {}
    for item in promise.items:
        by_party.setdefault(item.party_id, []).append(item.text)
    sections = {key: "\n\n".join(s.get("paragraphs") or [])
                for key, s in (promise.sections or {}).items() if key in EDITABLE_SECTIONS}
    return {
        "title": promise.title, "status": promise.status,
        "period_start": promise.period_start.isoformat(),
        "period_end": promise.period_end.isoformat(),
        "sections": {key: sections.get(key, "") for key in section_keys(promise)},
        "parties": [{"id": p.id, "name": p.name, "kind": p.kind,
                     "items": "\n".join(by_party.get(p.id, [])), "remove": False}
                    for p in promise.parties],
        "shared_items": "\n".join(by_party.get(None, [])),
        "indicators": [{"id": i.id, "kind": i.kind, "label": i.label, "target": i.target or "",
                        "category_ids": [str(c) for c in i.category_ids or []],
                        "days": str((i.params or {}).get("days", "")), "remove": False}
                       for i in promise.indicators],
        "new_indicator": {"kind": "", "label": "", "category_ids": [], "place": "area",
                          "days": "7", "target": ""},
    }


# JSONB does not keep key order: the document order of the sections of a drafted promise.
SECTION_ORDER = ("inledning", "syfte", "lagesbild", "fokus", "loften", "effekter", "uppfoljning")


def ordered_sections(promise: Promise) -> list[tuple[str, dict]]:
    """Return the stored sections as (key, section) in document order."""
    stored = promise.sections or {}
    if stored and all("position" in s for s in stored.values()):
        # Drafted from an åtgärdsplan in a real document's layout: keep that order.
        return sorted(stored.items(), key=lambda kv: kv[1]["position"])
    rank = {key: i for i, key in enumerate(SECTION_ORDER)}
    return sorted(stored.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def section_keys(promise: Promise) -> list[str]:
    """Return the editable section keys in document order (stored or not)."""
    return [k for k in SECTION_ORDER if k in EDITABLE_SECTIONS]


def update_promise(session: Session, actor, promise_id: int, data: dict[str, Any]) -> Promise:
    """Validate and save a promise's texts, parties, commitments and indicators at once.

    ``data`` has the shape of :func:`form_data`. Raises ValidationError with one message per
    field (``title``, ``party-0-name``, ``indicator-12-label``, ``new-label`` …); nothing is
    written unless everything is valid.
    """
    with transaction(session):
        promise = get_promise(session, promise_id)
        require_manage(actor, promise)
        errors: dict[str, str] = {}
        head = _validate_head(data, errors)
        sections = _validate_sections(data.get("sections") or {}, errors)
        parties = _validate_parties(data.get("parties") or [], promise, errors)
        shared = _lines(data.get("shared_items"), "shared_items", errors)
        indicators = _validate_indicators(session, data.get("indicators") or [], promise, errors)
        new = _validate_new_indicator(session, data.get("new_indicator") or {}, promise, errors)
        if errors:
            raise ValidationError(errors)
        _apply(promise, head, sections, parties, shared, indicators, new)
        session.flush()
    return promise


def _validate_head(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "Ge medborgarlöftet en rubrik."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Högst {TITLE_MAX} tecken."
    start = _date(data.get("period_start"), "period_start", errors)
    end = _date(data.get("period_end"), "period_end", errors)
    if start and end and end < start:
        errors["period_end"] = "Perioden kan inte sluta före den börjar."
    status = data.get("status") or "draft"
    if status not in PROMISE_STATUSES:
        errors["status"] = "Okänd status."
    return {"title": title, "period_start": start, "period_end": end, "status": status}


def _date(value, field: str, errors: dict[str, str]) -> date | None:
    try:
        day = value if isinstance(value, date) else date.fromisoformat((value or "").strip())
    except ValueError:
        errors[field] = "Ange ett datum (ÅÅÅÅ-MM-DD)."
        return None
    return day if check_bounds(day, field, errors) else None


def _validate_sections(sections: dict[str, str], errors: dict[str, str]) -> dict[str, list[str]]:
    out = {}
    for key, text in sections.items():
        if key not in EDITABLE_SECTIONS:
            errors[f"section-{key}"] = "Okänt avsnitt."
            continue
        text = (text or "").replace("\r\n", "\n").strip()
        if len(text) > TEXT_MAX:
            errors[f"section-{key}"] = f"Högst {TEXT_MAX} tecken."
        out[key] = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return out


def _lines(text, field: str, errors: dict[str, str]) -> list[str]:
    if isinstance(text, list):
        text = "\n".join(text)
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    if any(len(line) > ITEM_MAX for line in lines):
        errors[field] = f"Högst {ITEM_MAX} tecken per löfte."
    return lines


def _validate_parties(rows: list[dict], promise: Promise,
                      errors: dict[str, str]) -> list[dict[str, Any]]:
    known = {p.id: p for p in promise.parties}
    out = []
    for i, row in enumerate(rows):
        party_id = _int(row.get("id"))
        if party_id is not None and party_id not in known:
            errors[f"party-{i}-name"] = "Okänd part."
            continue
        name = (row.get("name") or "").strip()
        items = _lines(row.get("items"), f"party-{i}-items", errors)
        if row.get("remove") or (party_id is None and not name and not items):
            continue  # removed, or the empty slot for a new party
        if not name:
            errors[f"party-{i}-name"] = "Ange partens namn (t.ex. Lokalpolisområde Hallsberg)."
        elif len(name) > NAME_MAX:
            errors[f"party-{i}-name"] = f"Högst {NAME_MAX} tecken."
        kind = row.get("kind") or ""
        if kind not in PARTY_KINDS:
            errors[f"party-{i}-kind"] = "Välj kommun, polis eller annan part."
        party = known.get(party_id) if party_id is not None else None
        out.append({"party": party, "name": name, "kind": kind, "items": items})
    return out


def _validate_indicators(session: Session, rows: list[dict], promise: Promise,
                         errors: dict[str, str]) -> list[dict[str, Any]]:
    known = {i.id: i for i in promise.indicators}
    out = []
    for row in rows:
        indicator_id = _int(row.get("id"))
        ind = known.get(indicator_id) if indicator_id is not None else None
        if ind is None:
            errors[f"indicator-{row.get('id')}-label"] = "Okänd indikator."
            continue
        if row.get("remove"):
            continue
        prefix = f"indicator-{ind.id}"
        values = _indicator_values(session, row, ind.kind, prefix, errors)
        out.append({"indicator": ind, **values})
    return out


def _validate_new_indicator(session: Session, row: dict, promise: Promise,
                            errors: dict[str, str]) -> dict[str, Any] | None:
    kind = row.get("kind") or ""
    if not kind:
        return None  # no new indicator asked for
    if kind not in INDICATOR_KINDS:
        errors["new-kind"] = "Välj typ av indikator."
        return None
    values = _indicator_values(session, row, kind, "new", errors)
    values.update(kind=kind, **_indicator_place(session, row.get("place") or "area", promise,
                                                errors))
    return values


def _indicator_values(session: Session, row: dict, kind: str, prefix: str,
                      errors: dict[str, str]) -> dict[str, Any]:
    label = (row.get("label") or "").strip()
    if not label:
        errors[f"{prefix}-label"] = "Beskriv indikatorn (t.ex. Klotter per månad i centrum)."
    elif len(label) > TITLE_MAX:
        errors[f"{prefix}-label"] = f"Högst {TITLE_MAX} tecken."
    target = (row.get("target") or "").strip() or None
    if target and len(target) > NAME_MAX:
        errors[f"{prefix}-target"] = f"Högst {NAME_MAX} tecken."
    ids = [_int(c) for c in row.get("category_ids") or []]
    if None in ids:
        errors[f"{prefix}-categories"] = "Okänd kategori."
        ids = []
    found = set(session.scalars(select(Category.id).where(Category.id.in_(ids)))) if ids else set()
    if set(ids) - found:
        errors[f"{prefix}-categories"] = "Okänd kategori."
    params: dict[str, Any] = {}
    if kind == "share_public_moderated":
        days = _int(row.get("days"))
        if days is None or not 1 <= days <= DAYS_MAX:
            errors[f"{prefix}-days"] = f"Ange antal dagar, 1–{DAYS_MAX}."
        params["days"] = days
    return {"label": label, "target": target, "category_ids": sorted(set(ids)), "params": params}


def _indicator_place(session: Session, place: str, promise: Promise,
                     errors: dict[str, str]) -> dict[str, Any]:
    """Resolve ``area``, ``district:<id>`` or ``hotspot:<id>`` to the indicator's place."""
    from est.models import Area
    from est.models.hotspots import Hotspot

    kind, _, ref = place.partition(":")
    if kind == "area":
        return {"area_id": None, "lineage_id": None, "geom": None}
    if kind == "district":
        area = session.get(Area, _int(ref) or 0)
        if area is None or area.parent_id != promise.area_id:
            errors["new-place"] = "Välj en kommundel i kommunen."
            return {}
        return {"area_id": area.id, "lineage_id": None, "geom": None}
    if kind == "hotspot":
        hotspot = session.get(Hotspot, _int(ref) or 0)
        if hotspot is None or hotspot.run.area_id != promise.area_id:
            errors["new-place"] = "Välj en hot spot i kommunen."
            return {}
        return {"area_id": None, "lineage_id": hotspot.lineage_id, "geom": hotspot.polygon}
    errors["new-place"] = "Välj var indikatorn räknas."
    return {}


def _apply(promise: Promise, head: dict, sections: dict[str, list[str]], parties: list[dict],
           shared: list[str], indicators: list[dict], new: dict | None) -> None:
    promise.title = head["title"]
    promise.period_start, promise.period_end = head["period_start"], head["period_end"]
    promise.status = head["status"]
    stored = dict(promise.sections or {})
    for key, paragraphs in sections.items():
        if key in stored:
            stored[key] = {**stored[key], "paragraphs": paragraphs}
        elif paragraphs:
            stored[key] = {"title": EDITABLE_SECTIONS[key], "paragraphs": paragraphs}
    if "loften" in stored:
        stored["loften"] = {**stored["loften"], "title": "Medborgarlöften under perioden "
                            f"{promise.period_start:%Y-%m-%d} – {promise.period_end:%Y-%m-%d}"}
    promise.sections = stored  # a new dict, so the JSONB change is seen

    kept, items = [], []
    for pos, row in enumerate(parties):
        party = row["party"] or PromiseParty()
        party.name, party.kind, party.position = row["name"], row["kind"], pos
        kept.append(party)
        items += [(party, text) for text in row["items"]]
    items += [(None, text) for text in shared]
    promise.items = [PromiseItem(party=party, text=text, position=i)
                     for i, (party, text) in enumerate(items)]
    promise.parties = kept

    rows = []
    for row in indicators:
        ind = row["indicator"]
        ind.label, ind.target, ind.category_ids = row["label"], row["target"], row["category_ids"]
        if row["params"]:
            ind.params = {**(ind.params or {}), **row["params"]}
        rows.append(ind)
    if new is not None:
        rows.append(PromiseIndicator(kind=new["kind"], label=new["label"], target=new["target"],
                                     category_ids=new["category_ids"], params=new["params"],
                                     area_id=new["area_id"], lineage_id=new["lineage_id"],
                                     geom=new["geom"]))
    for pos, ind in enumerate(rows):
        ind.position = pos
    promise.indicators = rows


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
