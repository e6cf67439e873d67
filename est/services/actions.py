"""Actions (åtgärder): record, update, list, and follow up their effect on the reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Action, Category, Organisation, Report
from est.models.hotspots import Hotspot
from est.models.review import ACTION_STATUSES
from est.queries import COUNTED_STATUSES
from est.timebounds import check_bounds

MANAGERS = ("admin", "coordinator")
TITLE_MAX = 300
TEXT_MAX = 4000
FOLLOW_UP_WEEKS = 4

# Swedish labels; "not_done" is the honest "closed, not fixed", distinct from "done".
STATUS_LABELS = {
    "planned": "Planerad",
    "in_progress": "Pågår",
    "done": "Genomförd",
    "not_done": "Avslutad, inte åtgärdad",
    "no_longer_needed": "Behövs inte längre",
}


class Actor(Protocol):
    """Who acts: a staff user (Flask-Login's user or a model)."""

    id: int
    role: str
    organisation_id: int | None


@dataclass(frozen=True)
class FollowUp:
    """Reports in an action's place (or category) in equal windows before and after it."""

    weeks: int
    before: int
    after: int
    before_start: date
    starts_on: date
    after_end: date

    @property
    def change(self) -> int:
        """Return after minus before."""
        return self.after - self.before

    @property
    def change_pct(self) -> float | None:
        """Return the relative change in percent (None when there was nothing before)."""
        if self.before == 0:
            return None
        return 100.0 * (self.after - self.before) / self.before

    @property
    def measurable(self) -> bool:
        """Return True once at least one whole week has passed since the start."""
        return self.weeks > 0


def create_action(session: Session, actor: Actor, *, area_id: int, data: dict[str, Any],
                  review_id: int | None = None) -> Action:
    """Validate and store a new action at a hot spot (``hotspot_id``) or for a category."""
    _require_manager(actor)
    with transaction(session):
        values = _validate(session, data, area_id=area_id, creating=True)
        action = Action(area_id=area_id, review_id=review_id, created_by=actor.id, **values)
        session.add(action)
        session.flush()
    return action


def validate_action(session: Session, data: dict[str, Any], *, area_id: int) -> None:
    """Check a new action's input without writing; raise ValidationError naming each field."""
    _validate(session, data, area_id=area_id, creating=True)


# session.info key: ids of actions set done in this session, for the residents' mail.
ACTIONS_DONE = "est_actions_done"


def update_action(session: Session, actor: Actor, action_id: int, data: dict[str, Any]) -> Action:
    """Update an action; the responsible organisation may update status and outcome only."""
    with transaction(session):
        action = session.get(Action, action_id)
        if action is None:
            raise NotFound(f"No action {action_id}.")
        allowed = access.action_fields_for(actor, action)  # type: ignore[arg-type]
        if not allowed:
            raise PermissionDenied("Only coordinators or the responsible organisation "
                                   "may change this action.")
        if set(data) - set(allowed):
            raise PermissionDenied("The responsible organisation may change status and "
                                   "outcome only.")
        values = _validate(session, {**_current(action), **data}, area_id=action.area_id,
                           creating=False)
        was_done = action.status == "done"
        for key, value in values.items():
            setattr(action, key, value)
        session.flush()
        if action.status == "done" and not was_done:
            from est import webhooks  # the organisation's hooks, sent after the commit
            webhooks.notify_action(session, action)
    if action.status == "done" and not was_done:
        # The residents whose reports it covers get the "åtgärdad" mail after the request
        # (est.services.resident.closed_recipients, sent by web.views.resident).
        session.info.setdefault(ACTIONS_DONE, []).append(action.id)
    return action


def delete_action(session: Session, actor: Actor, action_id: int) -> None:
    """Delete an action recorded by mistake (coordinators and admins)."""
    _require_manager(actor)
    with transaction(session):
        action = session.get(Action, action_id)
        if action is None:
            raise NotFound(f"No action {action_id}.")
        session.delete(action)


def get_action(session: Session, action_id: int) -> Action:
    """Return one action or raise NotFound."""
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound(f"No action {action_id}.")
    return action


def list_actions(session: Session, area_id: int, *, open_only: bool = False,
                 lineage_ids: list[uuid.UUID] | None = None,
                 active_between: tuple[date, date] | None = None) -> list[Action]:
    """Return the area's actions, newest first, optionally only open or at given hot spots."""
    stmt = select(Action).where(Action.area_id == area_id)
    if open_only:
        stmt = stmt.where(Action.status.in_(("planned", "in_progress")))
    if lineage_ids is not None:
        stmt = stmt.where(Action.lineage_id.in_(lineage_ids))
    if active_between is not None:
        first, last = active_between
        stmt = stmt.where(Action.starts_on <= last,
                          (Action.due_on.is_(None)) | (Action.due_on >= first)
                          | Action.status.in_(("planned", "in_progress")))
    return list(session.scalars(stmt.order_by(Action.starts_on.desc(), Action.id.desc())))


def follow_up(session: Session, action: Action, *, today: date | None = None,
              weeks: int = FOLLOW_UP_WEEKS, tz: str = "Europe/Stockholm") -> FollowUp:
    """Count reports in the action's place in equal windows before and after ``starts_on``.

    The after-window is the whole weeks elapsed since the start, at most ``weeks``; the
    before-window has the same length, ending the day the action started. A hot spot action
    counts reports inside its stored outline; a category action counts that category in the
    whole area.
    """
    today = today or datetime.now(ZoneInfo(tz)).date()
    elapsed = max(0, (today - action.starts_on).days // 7)
    n = min(weeks, elapsed)
    before_start = action.starts_on - timedelta(weeks=n)
    after_end = action.starts_on + timedelta(weeks=n)
    zone = ZoneInfo(tz)

    def count(first: date, last: date) -> int:
        if first >= last:
            return 0
        stmt = select(func.count(Report.id)).where(
            Report.area_id == action.area_id,
            Report.status.in_(COUNTED_STATUSES),
            Report.occurred_at >= datetime.combine(first, time(0), zone),
            Report.occurred_at < datetime.combine(last, time(0), zone),
        )
        if action.geom is not None:
            stmt = stmt.where(func.ST_Intersects(Report.geom, action.geom))
        if action.category_id is not None:
            stmt = stmt.where(Report.category_id == action.category_id)
        return int(session.scalar(stmt) or 0)

    return FollowUp(weeks=n, before=count(before_start, action.starts_on),
                    after=count(action.starts_on, after_end), before_start=before_start,
                    starts_on=action.starts_on, after_end=after_end)


# -- helpers ---------------------------------------------------------------------------------

def _require_manager(actor: Actor) -> None:
    if not access.can(actor, "action.manage"):  # type: ignore[arg-type]
        raise PermissionDenied("Only coordinators and admins may record actions.")


def _current(action: Action) -> dict[str, Any]:
    return {
        "title": action.title, "description": action.description,
        "organisation_id": action.organisation_id, "contact_person": action.contact_person,
        "starts_on": action.starts_on, "due_on": action.due_on, "status": action.status,
        "outcome_note": action.outcome_note, "hotspot_id": action.hotspot_id,
        "category_id": action.category_id, "_keep_place": True,
    }


def _validate(session: Session, data: dict[str, Any], *, area_id: int,
              creating: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "Beskriv åtgärden (vad ska göras)."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Högst {TITLE_MAX} tecken."
    description = (data.get("description") or "").strip() or None
    if description and len(description) > TEXT_MAX:
        errors["description"] = f"Högst {TEXT_MAX} tecken."
    outcome = (data.get("outcome_note") or "").strip() or None
    if outcome and len(outcome) > TEXT_MAX:
        errors["outcome_note"] = f"Högst {TEXT_MAX} tecken."
    contact = (data.get("contact_person") or "").strip() or None
    if contact and len(contact) > 200:
        errors["contact_person"] = "Högst 200 tecken."
    if len((data.get("place_name") or "").strip()) > 200:
        errors["place_name"] = "Högst 200 tecken."
    status = data.get("status") or "planned"
    if status not in ACTION_STATUSES:
        errors["status"] = "Okänd status."
    org_id = _int(data.get("organisation_id"))
    if org_id is None or session.get(Organisation, org_id) is None:
        errors["organisation_id"] = "Välj ansvarig organisation."
    starts_on = _date(data.get("starts_on"), errors, "starts_on", required=True)
    due_on = _date(data.get("due_on"), errors, "due_on", required=False)
    if starts_on and due_on and due_on < starts_on:
        errors["due_on"] = "Slutdatum kan inte vara före startdatum."
    values: dict[str, Any] = {
        "title": title, "description": description, "outcome_note": outcome,
        "contact_person": contact, "status": status, "organisation_id": org_id,
        "starts_on": starts_on, "due_on": due_on,
    }
    if not data.get("_keep_place"):
        values.update(_target(session, data, area_id, errors))
    if errors:
        raise ValidationError(errors)
    return values


def _target(session: Session, data: dict[str, Any], area_id: int,
            errors: dict[str, str]) -> dict[str, Any]:
    hotspot_id = _int(data.get("hotspot_id"))
    category_id = _int(data.get("category_id"))
    if hotspot_id is None and category_id is None:
        errors["target"] = "Välj en hot spot eller en kategori som åtgärden gäller."
        return {}
    target: dict[str, Any] = {"hotspot_id": None, "lineage_id": None, "geom": None,
                              "category_id": None, "place_name": None}
    if category_id is not None:
        if session.get(Category, category_id) is None:
            errors["category_id"] = "Okänd kategori."
        target["category_id"] = category_id
    if hotspot_id is not None:
        hotspot = session.get(Hotspot, hotspot_id)
        if hotspot is None or (hotspot.run.area_id not in (None, area_id)):
            errors["hotspot_id"] = "Okänd hot spot."
            return target
        target.update(hotspot_id=hotspot.id, lineage_id=hotspot.lineage_id,
                      geom=from_shape(to_shape(hotspot.polygon), srid=4326),
                      place_name=(data.get("place_name") or "").strip()[:200] or None)
    return target


def _int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < 2**31 else None  # past PostgreSQL's integer: unknown


def _date(value, errors: dict[str, str], field: str, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            errors[field] = "Ange ett datum (ÅÅÅÅ-MM-DD)."
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = "Ogiltigt datum, skriv ÅÅÅÅ-MM-DD."
        return None
    return day if check_bounds(day, field, errors) else None

