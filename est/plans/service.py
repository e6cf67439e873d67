"""Åtgärdsplan use cases: plans, causes (Orsak) and rows (Åtgärd → mål → när → vem).

Reading needs ``review.view`` (permission ``review`` or ``actions``), every change
``action.manage`` (``actions``), both within the user's municipality. Input is bounded
(texts, dates via :mod:`est.timebounds`, NUL bytes); a ValidationError names each bad field
and nothing is written unless everything is valid.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Action, Area, Organisation
from est.models.plans import (
    CAUSE_LINKS,
    JUDGEMENTS,
    PLAN_STATUSES,
    ActionPlan,
    ActivityPattern,
    LagesbildVersion,
    PlanCause,
    PlanRow,
    plan_row_action,
)
from est.models.promises import Promise
from est.plans import indicators
from est.plans.text import day, integer, number, text

TITLE_MAX = 300
NAME_MAX = 200
TEXT_MAX = 4000
LABEL_MAX = 300
REF_MAX = 100
MAX_ACTIONS = 20


def require_read(actor, area_id: int) -> None:
    """Raise PermissionDenied unless ``actor`` may read plans of ``area_id``."""
    if not access.can(actor, "review.view"):
        raise PermissionDenied("Du har inte behörighet att se åtgärdsplanen.")
    if actor.area_id is not None and actor.area_id != area_id:
        raise PermissionDenied("Åtgärdsplanen hör till en annan kommun.")


def require_edit(actor, area_id: int) -> None:
    """Raise PermissionDenied unless ``actor`` may change plans of ``area_id``."""
    if not access.can(actor, "action.manage"):
        raise PermissionDenied("Bara samordnare och administratörer ändrar åtgärdsplanen.")
    if actor.area_id is not None and actor.area_id != area_id:
        raise PermissionDenied("Åtgärdsplanen hör till en annan kommun.")


def get_plan(session: Session, plan_id: int) -> ActionPlan:
    """Return a plan or raise NotFound."""
    plan = session.get(ActionPlan, plan_id)
    if plan is None:
        raise NotFound(f"Ingen åtgärdsplan {plan_id}.")
    return plan


def list_plans(session: Session, area_id: int) -> list[ActionPlan]:
    """Return the area's plans, newest period first."""
    return list(session.scalars(select(ActionPlan).where(ActionPlan.area_id == area_id)
                                .order_by(ActionPlan.period_start.desc(), ActionPlan.id.desc())))


def row_actions(session: Session, row_id: int) -> list[Action]:
    """Return the actions linked to a plan row, by start date."""
    return list(session.scalars(
        select(Action).join(plan_row_action, plan_row_action.c.action_id == Action.id)
        .where(plan_row_action.c.plan_row_id == row_id).order_by(Action.starts_on, Action.id)))


def _plan_values(session: Session, data: dict, area_id: int) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = text(data, "title", errors, max_len=TITLE_MAX, required="Ge planen en rubrik.")
    start = day(data, "period_start", errors, required=True)
    end = day(data, "period_end", errors, required=True)
    if start and end and end < start:
        errors["period_end"] = "Perioden kan inte sluta före den börjar."
    status = data.get("status") or "draft"
    if status not in PLAN_STATUSES:
        errors["status"] = "Okänd status."
    decided_by = text(data, "decided_by", errors, max_len=NAME_MAX)
    decided_on = day(data, "decided_on", errors)
    version_id = integer(data.get("lagesbild_version_id")) if data.get(
        "lagesbild_version_id") not in (None, "") else None
    if data.get("lagesbild_version_id") not in (None, ""):
        version = session.get(LagesbildVersion, version_id or 0)
        if version is None or version.area_id != area_id:
            errors["lagesbild_version_id"] = "Välj en sparad lägesbild i kommunen."
    if errors:
        raise ValidationError(errors)
    return {"title": title, "period_start": start, "period_end": end, "status": status,
            "decided_by": decided_by, "decided_on": decided_on,
            "lagesbild_version_id": version_id}


def create_plan(session: Session, actor, area_id: int, data: dict) -> ActionPlan:
    """Create an åtgärdsplan for a period (optionally on a saved lägesbild version)."""
    require_edit(actor, area_id)
    if session.get(Area, area_id) is None:
        raise NotFound("Okänt område.")
    values = _plan_values(session, data, area_id)
    with transaction(session):
        plan = ActionPlan(area_id=area_id, **values)
        session.add(plan)
        session.flush()
    return plan


def update_plan(session: Session, actor, plan_id: int, data: dict) -> ActionPlan:
    """Change a plan's head: title, period, status, decision, lägesbild version."""
    plan = get_plan(session, plan_id)
    require_edit(actor, plan.area_id)
    values = _plan_values(session, data, plan.area_id)
    with transaction(session):
        plan = get_plan(session, plan_id)
        for key, value in values.items():
            setattr(plan, key, value)
    return plan


def _cause_values(data: dict) -> dict[str, Any]:
    errors: dict[str, str] = {}
    body = text(data, "text", errors, max_len=TEXT_MAX,
                required="Beskriv orsaken (vad i lägesbilden planen svarar på).")
    kind = data.get("link_kind") or "other"
    ref = text(data, "link_ref", errors, max_len=REF_MAX)
    label = text(data, "link_label", errors, max_len=LABEL_MAX)
    finding = data.get("finding") or ""
    if finding:
        if "\x00" in finding or len(finding) > REF_MAX + LABEL_MAX + 40:
            errors["finding"] = "Okänt fynd."
        else:
            kind, _, rest = finding.partition("|")
            ref_text, _, label_text = rest.partition("|")
            ref = ref_text.strip()[:REF_MAX] or None
            label = label_text.strip()[:LABEL_MAX] or None
    if kind not in CAUSE_LINKS:
        errors["finding" if finding else "link_kind"] = "Okänd koppling till lägesbilden."
    if errors:
        raise ValidationError(errors)
    return {"text": body, "link_kind": kind, "link_ref": ref, "link_label": label}


def add_cause(session: Session, actor, plan_id: int, data: dict) -> PlanCause:
    """Add a numbered cause (Orsak) linked to a lägesbild finding (``finding`` =
    ``kind|ref|label`` from :mod:`est.plans.findings`, or ``link_kind``/``link_ref``/
    ``link_label``)."""
    plan = get_plan(session, plan_id)
    require_edit(actor, plan.area_id)
    values = _cause_values(data)
    with transaction(session):
        plan = get_plan(session, plan_id)
        number_ = max((c.number for c in plan.causes), default=0) + 1
        cause = PlanCause(number=number_, **values)
        plan.causes.append(cause)
        session.flush()
    return cause


def get_cause(session: Session, cause_id: int) -> PlanCause:
    """Return a cause or raise NotFound."""
    cause = session.get(PlanCause, cause_id)
    if cause is None:
        raise NotFound(f"Ingen orsak {cause_id}.")
    return cause


def delete_cause(session: Session, actor, cause_id: int) -> None:
    """Remove a cause and its rows (the linked actions stay)."""
    cause = get_cause(session, cause_id)
    require_edit(actor, cause.plan.area_id)
    with transaction(session):
        session.delete(get_cause(session, cause_id))


def _area_name(session: Session, area_id: int) -> str:
    area = session.get(Area, area_id)
    return area.name if area else ""


def _row_values(session: Session, data: dict, plan: ActionPlan,
                place: str | None = None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "measure": text(data, "measure", errors, max_len=TEXT_MAX,
                        required="Beskriv åtgärden."),
        "target": text(data, "target", errors, max_len=TITLE_MAX,
                       required="Ange målet (t.ex. färre än 4 rapporter per månad)."),
        "target_value": number(data, "target_value", errors),
        "starts_on": day(data, "starts_on", errors),
        "due_on": day(data, "due_on", errors),
        "contact_role": text(data, "contact_role", errors, max_len=NAME_MAX),
        "regular_work": str(data.get("regular_work") or "") in ("1", "on", "true", "yes"),
        "judgement_note": text(data, "judgement_note", errors, max_len=TEXT_MAX),
    }
    if values["starts_on"] and values["due_on"] and values["due_on"] < values["starts_on"]:
        errors["due_on"] = "Klart-datum kan inte vara före start."
    spec = indicators.parse_spec(data.get("indicator_kind"), data.get("indicator_ref"))
    ref = str(data.get("indicator_ref") or "")
    if spec is None or len(ref) > REF_MAX or "\x00" in ref:
        errors["indicator_kind"] = "Välj en indikator (och för andel: 1–90 dagar)."
    elif spec.codes and indicators.unknown_codes(session, spec.codes):
        errors["indicator_ref"] = "Okänd kategori."
    label = text(data, "indicator", errors, max_len=TITLE_MAX)
    values["indicator_kind"] = spec.kind if spec else None
    values["indicator_ref"] = spec.ref if spec else None
    values["indicator"] = label or (spec and indicators.spec_label(
        session, spec, place or _area_name(session, plan.area_id))) or ""
    judgement = data.get("judgement") or None
    if judgement not in (None, *JUDGEMENTS):
        errors["judgement"] = "Välj grön, gul eller röd (eller ingen bedömning)."
    values["judgement"] = judgement
    org_id = integer(data.get("organisation_id")) if data.get("organisation_id") else None
    if data.get("organisation_id") and (org_id is None or session.get(Organisation, org_id)
                                        is None):
        errors["organisation_id"] = "Välj ansvarig organisation."
    values["organisation_id"] = org_id
    pattern_id = integer(data.get("activity_pattern_id")) if data.get(
        "activity_pattern_id") else None
    if data.get("activity_pattern_id") and (pattern_id is None or session.get(
            ActivityPattern, pattern_id) is None):
        errors["activity_pattern_id"] = "Okänd aktivitet."
    values["activity_pattern_id"] = pattern_id
    promise_id = integer(data.get("promise_id")) if data.get("promise_id") else None
    if data.get("promise_id"):
        promise = session.get(Promise, promise_id or 0)
        if promise is None or promise.area_id != plan.area_id:
            errors["promise_id"] = "Välj ett medborgarlöfte i kommunen."
    values["promise_id"] = promise_id
    ids = data.get("action_ids") or []
    ids = [ids] if isinstance(ids, str | int) else list(ids)
    action_ids = [integer(a) for a in ids if a not in (None, "")]
    if None in action_ids or len(action_ids) > MAX_ACTIONS:
        errors["action_ids"] = f"Välj högst {MAX_ACTIONS} åtgärder i listan."
    else:
        found = {a.id for a in session.scalars(select(Action).where(
            Action.id.in_(action_ids), Action.area_id == plan.area_id))} if action_ids else set()
        if set(action_ids) - found:
            errors["action_ids"] = "Okänd åtgärd för kommunen."
    values["action_ids"] = sorted(set(a for a in action_ids if a is not None))
    if errors:
        raise ValidationError(errors)
    return values


def add_row(session: Session, actor, cause_id: int, data: dict) -> PlanRow:
    """Add a row (Åtgärd, Operativt mål, När, Vem) to a cause, linking existing actions."""
    cause = get_cause(session, cause_id)
    plan = cause.plan
    require_edit(actor, plan.area_id)
    values = _row_values(session, data, plan, cause_place(cause))
    action_ids = values.pop("action_ids")
    with transaction(session):
        cause = get_cause(session, cause_id)
        row = PlanRow(position=len(cause.rows), **values)
        cause.rows.append(row)
        session.flush()
        _link(session, row.id, action_ids)
    return row


def cause_place(cause: PlanCause) -> str | None:
    """Return the named place of a cause (its hot spot or otrygg plats), else None."""
    label = cause.link_label or ""
    m = re.match(r"(?:Hot spot vid|Otrygg plats:)\s+(.+?)(?:\s+\(.*\))?$", label)
    return m.group(1).strip() if m else None


def get_row(session: Session, row_id: int) -> PlanRow:
    """Return a plan row or raise NotFound."""
    row = session.get(PlanRow, row_id)
    if row is None:
        raise NotFound(f"Ingen rad {row_id} i åtgärdsplanen.")
    return row


def update_row(session: Session, actor, row_id: int, data: dict) -> PlanRow:
    """Replace a row's values and linked actions (the whole row form)."""
    row = get_row(session, row_id)
    plan = row.cause.plan
    require_edit(actor, plan.area_id)
    values = _row_values(session, data, plan, cause_place(row.cause))
    action_ids = values.pop("action_ids")
    with transaction(session):
        row = get_row(session, row_id)
        for key, value in values.items():
            setattr(row, key, value)
        session.execute(delete(plan_row_action).where(plan_row_action.c.plan_row_id == row.id))
        _link(session, row.id, action_ids)
    return row


def judge_row(session: Session, actor, row_id: int, data: dict) -> PlanRow:
    """Record the group's judgement (green/yellow/red or none) and its note on a row."""
    row = get_row(session, row_id)
    require_edit(actor, row.cause.plan.area_id)
    errors: dict[str, str] = {}
    judgement = data.get("judgement") or None
    if judgement not in (None, *JUDGEMENTS):
        errors["judgement"] = "Välj grön, gul eller röd (eller ingen bedömning)."
    note = text(data, "judgement_note", errors, max_len=TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        row = get_row(session, row_id)
        row.judgement, row.judgement_note = judgement, note
    return row


def delete_row(session: Session, actor, row_id: int) -> None:
    """Remove a plan row (its actions stay)."""
    row = get_row(session, row_id)
    require_edit(actor, row.cause.plan.area_id)
    with transaction(session):
        session.delete(get_row(session, row_id))


def link_actions(session: Session, actor, row_id: int, action_ids: list[int]) -> None:
    """Add links from a row to existing actions of the municipality."""
    row = get_row(session, row_id)
    require_edit(actor, row.cause.plan.area_id)
    present = {a.id for a in row_actions(session, row_id)}
    found = {a.id for a in session.scalars(select(Action).where(
        Action.id.in_(action_ids), Action.area_id == row.cause.plan.area_id))}
    if set(action_ids) - found:
        raise ValidationError("Okänd åtgärd för kommunen.", field="action_ids")
    with transaction(session):
        _link(session, row_id, sorted(found - present))


def _link(session: Session, row_id: int, action_ids: list[int]) -> None:
    if action_ids:
        session.execute(insert(plan_row_action),
                        [{"plan_row_id": row_id, "action_id": a} for a in action_ids])


def create_row_action(session: Session, actor, row_id: int, data: dict) -> Action:
    """Create a new action for a row (at the cause's hot spot or for its category) and link it.

    ``data`` has the action fields (title, organisation_id, starts_on, due_on …); the place
    comes from the cause when not given: its hot spot lineage's latest outline, or its
    category trend.
    """
    from est.models import Category
    from est.models.hotspots import Hotspot, HotspotRun
    from est.services.actions import create_action

    row = get_row(session, row_id)
    cause, plan = row.cause, row.cause.plan
    require_edit(actor, plan.area_id)
    payload = dict(data)
    if not payload.get("hotspot_id") and not payload.get("category_id"):
        if cause.link_kind == "lineage" and cause.link_ref:
            import uuid

            try:
                lineage = uuid.UUID(cause.link_ref)
            except ValueError:
                lineage = None
            payload["hotspot_id"] = lineage and session.scalar(
                select(Hotspot.id).join(HotspotRun, Hotspot.run_id == HotspotRun.id)
                .where(Hotspot.lineage_id == lineage, HotspotRun.area_id == plan.area_id)
                .order_by(HotspotRun.id.desc()).limit(1))
            payload.setdefault("place_name", (cause.link_label or "").removeprefix(
                "Hot spot vid ").split(" (")[0][:200])
        elif cause.link_kind == "category_trend" and cause.link_ref:
            payload["category_id"] = session.scalar(
                select(Category.id).where(Category.code == cause.link_ref))
    action = create_action(session, actor, area_id=plan.area_id, data=payload)
    with transaction(session):
        _link(session, row_id, [action.id])
    return action


def organisations(session: Session, area_id: int) -> list[Organisation]:
    """Return the organisations of the municipality and its districts."""
    district_ids = list(session.scalars(select(Area.id).where(Area.parent_id == area_id)))
    return list(session.scalars(select(Organisation).where(
        Organisation.area_id.in_([area_id, *district_ids])).order_by(Organisation.name)))


def plan_period_default(today: date) -> tuple[date, date]:
    """Return the default period of a new plan: the coming calendar year."""
    return date(today.year + 1, 1, 1), date(today.year + 1, 12, 31)
