"""Medborgarlöften: store a draft as a promise, follow it up, link actions."""

from __future__ import annotations

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


def require_manage(actor, promise: Promise) -> None:
    """Raise PermissionDenied unless ``actor`` may manage promises of the promise's area."""
    require(actor, "promise.manage")
    if actor.area_id is not None and actor.area_id != promise.area_id:
        raise PermissionDenied("Medborgarlöftet hör till en annan kommun.")
