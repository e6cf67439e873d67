"""The week's meeting record (participants, chair, minute-taker, notes, decisions), the
actions decided from a week, and the printable agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import ValidationError
from est.models import Action, Area, Decision, Review
from est.review import queries
from est.review.page import build_review
from est.review.queries import Filters
from est.services import actions as action_service
from est.timebounds import check_bounds
from est.weeks import Week

TEXT_MAX = 200
OPEN = ("planned", "in_progress")


@dataclass(frozen=True)
class MeetingMeta:
    """Who and when of a meeting: date, chair, minute-taker and the next meeting."""

    held_on: date | None = None
    chair: str | None = None
    minute_taker: str | None = None
    next_meeting: datetime | None = None


def participants(review: Review | None) -> list[str]:
    """Return the participating organisations of a meeting record."""
    raw: Any = review.participants if review is not None else []
    if isinstance(raw, dict):
        raw = raw.get("organisations") or []
    return [str(p) for p in raw or []]


def meeting_meta(review: Review | None) -> MeetingMeta:
    """Return date, chair, minute-taker and next meeting of a meeting record.

    They are kept in the ``participants`` JSON object beside the organisations until the
    schema gives them columns (a list there is an older record without them).
    """
    raw: Any = review.participants if review is not None else None
    if not isinstance(raw, dict):
        return MeetingMeta()

    def day(v):
        return date.fromisoformat(v) if v else None

    return MeetingMeta(
        held_on=day(raw.get("held_on")), chair=raw.get("chair") or None,
        minute_taker=raw.get("minute_taker") or None,
        next_meeting=datetime.fromisoformat(raw["next_meeting"]) if raw.get("next_meeting")
        else None)


def save_meeting(session: Session, area_code: str, week: Week, *, participants: list[str],
                 notes: str | None, decisions: list[dict],
                 meta: dict[str, str] | None = None) -> Review:
    """Create or replace the week's meeting record.

    ``meta`` may hold ``held_on`` (YYYY-MM-DD), ``chair``, ``minute_taker`` and
    ``next_meeting`` (YYYY-MM-DDTHH:MM, local time); every bad field is a ValidationError.
    """
    errors: dict[str, str] = {}
    if notes and len(notes) > 10_000:
        errors["notes"] = "Högst 10 000 tecken."
    clean = []
    for i, d in enumerate(decisions):
        body = (d.get("text") or "").strip()
        if not body:
            continue
        if len(body) > 2000:
            errors[f"decision_{i}"] = "Högst 2 000 tecken per beslut."
        clean.append((body, d.get("action_id") or None))
    record = _clean_meta(meta or {}, week, errors)
    orgs = sorted({p.strip() for p in participants if p.strip()})
    if any(len(p) > TEXT_MAX for p in orgs):
        errors["participants"] = f"Högst {TEXT_MAX} tecken per deltagare."
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        area = queries.municipality(session, area_code)
        review = _ensure(session, area, week)
        review.participants = cast(list, {"organisations": orgs, **record})
        review.notes = (notes or "").strip() or None
        review.decisions = [Decision(text=body, action_id=_action_id(session, area, aid))
                            for body, aid in clean]
        session.flush()
    return review


def ensure_review(session: Session, area_code: str, week: Week) -> Review:
    """Return the week's meeting record, creating an empty one (actions are decided there)."""
    with transaction(session):
        review = _ensure(session, queries.municipality(session, area_code), week)
        session.flush()
    return review


def record_action(session: Session, actor, area_code: str, week: Week,
                  data: dict[str, Any]) -> Action:
    """Record an action decided from ``week``: it belongs to that week's meeting record."""
    area = queries.municipality(session, area_code)
    review = queries.get_review(session, area.id, week)
    action_service.validate_action(session, data, area_id=area.id)
    if review is None:
        review = ensure_review(session, area_code, week)
    return action_service.create_action(session, actor, area_id=area.id, data=data,
                                        review_id=review.id)


def agenda(session: Session, area_code: str, week: Week, *, crs: int = 3006,
           today: date | None = None, actor: access.ActorLike | None = None,
           min_cell: int = 1) -> dict:
    """Return the printable agenda: last week's decisions, open and overdue actions from any
    week, the hot spots to act on (new, consecutive, intensifying, rising) and the top ones."""
    today = today or datetime.now(ZoneInfo(week.tz)).date()
    page = build_review(session, area_code, week, Filters(), crs=crs, today=today,
                        actor=actor, min_cell=min_cell)
    previous = queries.get_review(session, page.area.id, week.shift(-1))
    open_actions = list(session.scalars(
        select(Action).where(Action.area_id == page.area.id, Action.status.in_(OPEN))
        .order_by(Action.due_on.asc().nulls_last(), Action.id)))
    as_of = min(today, week.sunday + timedelta(days=1))  # the meeting after the week
    overdue = [a for a in open_actions if a.due_on is not None and a.due_on < as_of]
    return {"page": page, "new": page.urgent, "top": page.hotspots[:5],
            "open_actions": open_actions, "as_of": as_of,
            "overdue": overdue, "previous": previous, "previous_week": week.shift(-1),
            "meta": meeting_meta(page.review), "participants": participants(page.review)}


def _ensure(session: Session, area: Area, week: Week) -> Review:
    review = queries.get_review(session, area.id, week)
    if review is None:
        review = Review(area_id=area.id, iso_year=week.year, iso_week=week.week,
                        participants=[])
        session.add(review)
    return review


def _clean_meta(meta: dict[str, str], week: Week, errors: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ("chair", "minute_taker"):
        value = " ".join((meta.get(key) or "").split())
        if len(value) > TEXT_MAX:
            errors[key] = f"Högst {TEXT_MAX} tecken."
        elif value:
            out[key] = value
    held = (meta.get("held_on") or "").strip()
    if held:
        try:
            day = date.fromisoformat(held)
        except ValueError:
            errors["held_on"] = "Ogiltigt datum, skriv ÅÅÅÅ-MM-DD."
        else:
            if check_bounds(day, "held_on", errors):
                out["held_on"] = day.isoformat()
    nxt = (meta.get("next_meeting") or "").strip()
    if nxt:
        try:
            when = datetime.fromisoformat(nxt)
        except ValueError:
            errors["next_meeting"] = "Ogiltig tid, skriv ÅÅÅÅ-MM-DD TT:MM."
        else:
            if check_bounds(when, "next_meeting", errors):
                out["next_meeting"] = when.replace(tzinfo=None, second=0,
                                                   microsecond=0).isoformat(timespec="minutes")
    return out


def _action_id(session: Session, area: Area, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        action = session.get(Action, int(value))
    except (TypeError, ValueError):
        action = None
    if action is None or action.area_id != area.id:
        raise ValidationError("unknown action", field="decisions")
    return action.id
