"""Medborgarlöften: store a draft as a promise, edit it, follow it up, link actions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from est.access import require
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.lagesbild.model import Section, Table, TableRow
from est.lagesbild.suppress import fmt, protect
from est.models import Action, Category, Organisation
from est.models.promises import (
    INDICATOR_KINDS,
    PARTY_KINDS,
    PROMISE_STATUSES,
    Promise,
    PromiseFocus,
    PromiseFollowup,
    PromiseIndicator,
    PromiseItem,
    PromiseParty,
)
from est.promises.draft import PromiseDraft
from est.promises.indicators import (
    INDICATOR_COLUMNS,
    IndicatorResult,
    compute_indicator,
    indicator_rows,
    linked_actions,
)
from est.queries import area_by_code
from est.timebounds import check_bounds


def _multi(geometry: dict | None):
    if not geometry:
        return None
    g = shape(geometry)
    return from_shape(g if g.geom_type == "MultiPolygon" else MultiPolygon([g]), srid=4326)


def create_from_draft(session: Session, draft: PromiseDraft) -> Promise:
    """Store a drafted promise with its parties, placeholder commitments, focus and indicators."""
    with transaction(session):
        area = area_by_code(session, draft.area_code)
        cats = {c.code: c for c in session.scalars(select(Category))}
        promise = Promise(area_id=area.id, title=draft.title, period_start=draft.period_start,
                          period_end=draft.period_end, basis_start=draft.basis_start,
                          basis_end=draft.basis_end,
                          sections={s.key: {"title": s.title, "paragraphs": s.paragraphs}
                                    for s in draft.sections})
        parties = {}
        for pos, kind in enumerate(("kommun", "polis")):
            org = session.scalar(select(Organisation).where(
                Organisation.kind == kind, Organisation.area_id == area.id).limit(1))
            default = f"{area.name}s kommun" if kind == "kommun" else \
                f"Lokalpolisområde {area.name}"
            parties[kind] = PromiseParty(name=org.name if org else default, kind=kind,
                                         organisation_id=org.id if org else None, position=pos)
        promise.parties = list(parties.values())
        promise.items = [PromiseItem(party=parties.get(kind), text=text, position=i)
                         for i, (kind, text) in enumerate(draft.items)]
        promise.focus = [
            PromiseFocus(label=f["label"][:300],
                         category_id=cats[f["category"]].id if f.get("category") in cats
                         else None, lineage_id=f.get("lineage_id"),
                         geom=_multi(f.get("geometry")))
            for f in draft.focus]
        indicators = []
        for i, ind in enumerate(draft.indicators):
            codes = ind.get("categories") or []
            if ind.get("categories_kind"):
                codes = [c for c, cat in cats.items() if cat.kind == ind["categories_kind"]]
            indicators.append(PromiseIndicator(
                kind=ind["kind"], label=ind["label"][:300],
                category_ids=[cats[c].id for c in codes if c in cats],
                lineage_id=ind.get("lineage_id"), geom=_multi(ind.get("geometry")),
                params={"days": ind["days"]} if "days" in ind else {}, position=i))
        promise.indicators = indicators
        session.add(promise)
        session.flush()
    return promise


def get_promise(session: Session, promise_id: int) -> Promise:
    """Return a promise or raise NotFound."""
    promise = session.get(Promise, promise_id)
    if promise is None:
        raise NotFound(f"Inget medborgarlöfte {promise_id}.")
    return promise


def list_promises(session: Session, area_id: int) -> list[Promise]:
    """Return the area's promises, newest period first."""
    return list(session.scalars(select(Promise).where(Promise.area_id == area_id)
                                .order_by(Promise.period_start.desc(), Promise.id.desc())))


@dataclass
class FollowupReport:
    """A promise's indicators and linked actions as of a day, as a renderable document."""

    title: str
    min_cell: int
    sections: list[Section]
    results: list[IndicatorResult]

    @property
    def subtitle(self) -> str:
        """Return the line under the title."""
        return f"Antal under {self.min_cell} visas inte."


def followup(session: Session, promise: Promise, *, today: date, k: int = 5,
             tz: str = "Europe/Stockholm") -> FollowupReport:
    """Compute every indicator up to ``today`` vs the baseline, and the linked actions."""
    from est.services.actions import STATUS_LABELS, follow_up

    results = [r for ind in promise.indicators
               if (r := compute_indicator(session, promise, ind, as_of=today, k=k, tz=tz))]
    sections = [Section("indicators", "Indikatorer", [
        f"Löftesperiod {promise.period_start:%Y-%m-%d} – {promise.period_end:%Y-%m-%d}, "
        f"räknat till och med dagen före {today:%Y-%m-%d} och jämfört med lika lång tid före."],
        [Table("indicators", "Indikatorer", INDICATOR_COLUMNS, indicator_rows(results, k))]
        if results else [])]
    rows: list[TableRow] = []
    for a in linked_actions(session, promise):
        fu = follow_up(session, a, today=today, tz=tz)
        rows.append([a.title, a.organisation.name, STATUS_LABELS.get(a.status, a.status),
                     a.starts_on.isoformat(), fmt(protect(fu.before, k), k),
                     fmt(protect(fu.after, k), k)])
    sections.append(Section("actions", "Kopplade åtgärder",
                            [] if rows else ["Inga kopplade åtgärder."],
                            [Table("actions", "Åtgärder", ["Åtgärd", "Ansvarig", "Status",
                                                           "Start", "Före", "Efter"], rows)]
                            if rows else []))
    return FollowupReport(f"Uppföljning: {promise.title}", k, sections, results)


def record_followup(session: Session, promise_id: int, *, today: date, k: int = 5,
                    tz: str = "Europe/Stockholm") -> PromiseFollowup:
    """Store the follow-up of a promise as of ``today`` (a snapshot of every indicator)."""
    with transaction(session):
        promise = get_promise(session, promise_id)
        report = followup(session, promise, today=today, k=k, tz=tz)
        row = PromiseFollowup(promise_id=promise.id, as_of=today,
                              results=[r.as_dict() for r in report.results])
        session.add(row)
        session.flush()
    return row


def link_action(session: Session, actor, promise_id: int, action_id: int) -> None:
    """Link an action to a promise (same area only; coordinators and admins)."""
    with transaction(session):
        promise = get_promise(session, promise_id)
        require_manage(actor, promise)
        action = session.get(Action, action_id)
        if action is None or action.area_id != promise.area_id:
            raise ValidationError("Okänd åtgärd för det här området.", field="action_id")
        if action not in promise.actions:
            promise.actions.append(action)


# -- editing (coordinators and admins) --------------------------------------------------------

EDITABLE_SECTIONS = {"inledning": "Inledning", "syfte": "Syfte", "lagesbild": "Lägesbild",
                     "effekter": "Effekter", "uppfoljning": "Uppföljning"}
TITLE_MAX = 300
NAME_MAX = 200
TEXT_MAX = 8000
ITEM_MAX = 2000
DAYS_MAX = 90
PARTY_LABELS = {"kommun": "Kommunen", "polis": "Polisen", "annan": "Annan part"}


def require_manage(actor, promise: Promise) -> None:
    """Raise PermissionDenied unless ``actor`` may manage promises of the promise's area."""
    require(actor, "promise.manage")
    if actor.area_id is not None and actor.area_id != promise.area_id:
        raise PermissionDenied("Medborgarlöftet hör till en annan kommun.")


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


# -- actions and follow-up snapshots ------------------------------------------------------------

def unlink_action(session: Session, actor, promise_id: int, action_id: int) -> None:
    """Remove an explicit link between an action and a promise."""
    with transaction(session):
        promise = get_promise(session, promise_id)
        require_manage(actor, promise)
        linked = {a.id: a for a in promise.actions}
        if action_id not in linked:
            raise ValidationError("Åtgärden är inte kopplad till löftet.", field="action_id")
        promise.actions.remove(linked[action_id])


@dataclass(frozen=True)
class LinkedAction:
    """An action of a promise with its measured effect; ``explicit`` when linked by hand."""

    action: Action
    follow: Any
    explicit: bool


def linked_action_effects(session: Session, promise: Promise, *, today: date,
                          tz: str = "Europe/Stockholm") -> list[LinkedAction]:
    """Return the promise's actions (explicit and via its focus) with their follow-up."""
    from est.services.actions import follow_up

    explicit = {a.id for a in promise.actions}
    return [LinkedAction(a, follow_up(session, a, today=today, tz=tz), a.id in explicit)
            for a in linked_actions(session, promise)]


def linkable_actions(session: Session, promise: Promise) -> list[Action]:
    """Return the area's actions that are not yet linked explicitly, newest first."""
    from est.services.actions import list_actions

    linked = {a.id for a in promise.actions}
    return [a for a in list_actions(session, promise.area_id) if a.id not in linked]


def list_followups(session: Session, promise_id: int) -> list[PromiseFollowup]:
    """Return the stored follow-up snapshots of a promise, newest first."""
    return list(session.scalars(select(PromiseFollowup)
                                .where(PromiseFollowup.promise_id == promise_id)
                                .order_by(PromiseFollowup.computed_at.desc(),
                                          PromiseFollowup.id.desc())))
