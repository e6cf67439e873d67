"""Proposals (åtgärdsförslag) of a walk: add, follow up, and turn one into an action.

A proposal turned into an action keeps the link both ways: ``walk_proposal.action_id`` points
at the action, and :func:`proposal_for_action` finds the proposal (and its walk) from the
action. The action is created by the actions service (:mod:`est.services.actions`) for the
observation's category, and targets a 50 m circle around the observation, so its follow-up
counts the reports at that place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Action, Category, Organisation, Report, WalkObservation, WalkProposal
from est.services import actions as actions_service
from est.walks import rules
from est.walks.store import get_walk

ACTION_RADIUS_M = 50


def add_proposal(session: Session, actor: access.ActorLike | None, observation_id: int,
                 data: Mapping[str, Any]) -> WalkProposal:
    """Add a proposed measure to an observation (``report`` permission)."""
    obs = _observation(session, actor, observation_id, record=True)
    values = _clean(session, data)
    with transaction(session):
        proposal = WalkProposal(observation_id=obs.id, status="new", **values)
        session.add(proposal)
        session.flush()
    return proposal


def update_proposal(session: Session, actor: access.ActorLike | None, proposal_id: int,
                    data: Mapping[str, Any]) -> WalkProposal:
    """Follow up a proposal: status (a rejection needs its reason), measure, owner, priority."""
    proposal = _proposal(session, actor, proposal_id)
    _require_manager(actor)
    errors: dict[str, str] = {}
    status = rules.choice(data.get("status"), "status", errors, rules.PROPOSAL_STATUSES,
                          default=proposal.status)
    reason = rules.text(data.get("reject_reason"), "reject_reason", errors,
                        limit=rules.REJECT_REASON_MAX)
    if status == "rejected" and not reason and "reject_reason" not in errors:
        errors["reject_reason"] = "Ange varför förslaget avslås."
    merged = {"measure": proposal.measure, "horizon": proposal.horizon,
              "organisation_id": proposal.organisation_id, "priority": proposal.priority,
              **{k: v for k, v in data.items()
                 if k in ("measure", "horizon", "organisation_id", "priority")}}
    try:
        values = _clean(session, merged)
    except ValidationError as exc:
        errors.update(exc.errors)
        values = {}
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        for key, value in values.items():
            setattr(proposal, key, value)
        proposal.status = status or proposal.status
        proposal.reject_reason = reason if status == "rejected" else None
    return proposal


def proposal_to_action(session: Session, actor: access.ActorLike | None, proposal_id: int, *,
                       data: Mapping[str, Any] | None = None,
                       today: date | None = None) -> Action:
    """Create an action (åtgärd) from a proposal and link them; return the action.

    ``data`` may set the action's ``organisation_id``, ``starts_on`` and ``due_on``; the title
    is the measure. Needs the ``actions`` permission (as every action does).
    """
    proposal = _proposal(session, actor, proposal_id)
    _require_manager(actor)
    if proposal.action_id is not None:
        raise ValidationError("Förslaget är redan en åtgärd.", field="proposal")
    if proposal.status == "rejected":
        raise ValidationError("Ett avslaget förslag blir ingen åtgärd.", field="proposal")
    data = dict(data or {})
    obs = proposal.observation
    walk = obs.walk
    town = _municipality_id(session, walk.area_id)
    category_id = obs.category_id
    if category_id is None and obs.report_id is not None:
        category_id = session.scalar(select(Report.category_id).where(Report.id == obs.report_id))
    if category_id is None:
        category_id = session.scalar(select(Category.id).where(
            Category.code == rules.DEFAULT_REASON))
    organisation_id = data.get("organisation_id") or proposal.organisation_id
    if organisation_id is None:
        raise ValidationError("Välj ansvarig organisation för åtgärden.", field="organisation_id")
    action_data = {
        "title": proposal.measure[:actions_service.TITLE_MAX],
        "description": (f"Förslag från trygghetsvandringen ”{walk.title}” "
                        f"({rules.HORIZON_LABELS[proposal.horizon].lower()}, prioritet "
                        f"{rules.PRIORITY_LABELS[proposal.priority].lower()})."
                        )[:actions_service.TEXT_MAX],
        "organisation_id": organisation_id,
        "starts_on": data.get("starts_on") or (today or date.today()).isoformat(),
        "due_on": data.get("due_on") or None,
        "category_id": category_id, "status": "planned",
    }
    action = actions_service.create_action(session, actor,  # type: ignore[arg-type]
                                           area_id=town, data=action_data)
    try:
        with transaction(session):
            current = session.get(WalkProposal, proposal.id)
            if current is None or current.action_id is not None:
                raise ValidationError("Förslaget är redan en åtgärd.", field="proposal")
            current.action_id = action.id
            if current.status == "new":
                current.status = "accepted"
            session.execute(text(
                "UPDATE action SET geom = ST_Multi(ST_Buffer(o.geom::geography, :r)::geometry),"
                " place_name = left(:place, 200) FROM walk_observation o "
                "WHERE action.id = :action AND o.id = :obs"),
                {"r": ACTION_RADIUS_M, "place": f"Trygghetsvandring: {walk.title}",
                 "action": action.id, "obs": obs.id})
    except Exception:
        # The link failed (a second click won the race): remove the action made above.
        actions_service.delete_action(session, actor, action.id)  # type: ignore[arg-type]
        raise
    session.refresh(action)
    return action


def proposal_for_action(session: Session, action_id: int) -> dict | None:
    """Return ``{"proposal", "walk_id", "walk_title"}`` of the proposal an action came from."""
    row = session.execute(
        select(WalkProposal, WalkObservation.walk_id)
        .join(WalkObservation, WalkObservation.id == WalkProposal.observation_id)
        .where(WalkProposal.action_id == action_id)).first()
    if row is None:
        return None
    proposal, walk_id = row
    from est.models import Walk
    walk = session.get(Walk, walk_id)
    return {"proposal": proposal, "walk_id": walk_id, "walk_title": walk.title if walk else ""}


def list_proposals(session: Session, walk_id: int) -> list[WalkProposal]:
    """Return a walk's proposals in observation order."""
    return list(session.scalars(
        select(WalkProposal).join(WalkObservation)
        .where(WalkObservation.walk_id == walk_id)
        .order_by(WalkObservation.id, WalkProposal.id)))


def _clean(session: Session, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values = {
        "measure": rules.text(data.get("measure"), "measure", errors, limit=rules.MEASURE_MAX,
                              required=True, message="Beskriv åtgärdsförslaget."),
        "horizon": rules.choice(data.get("horizon"), "horizon", errors,
                                rules.PROPOSAL_HORIZONS, default="quick"),
        "priority": rules.integer(data.get("priority"), "priority", errors, low=1, high=3,
                                  message="Välj prioritet 1–3.") or 2,
        "organisation_id": rules.integer(data.get("organisation_id"), "organisation_id",
                                         errors, low=1, high=2**31 - 1,
                                         message="Okänd organisation."),
    }
    if values["organisation_id"] is not None and session.get(
            Organisation, values["organisation_id"]) is None:
        errors["organisation_id"] = "Okänd organisation."
    if errors:
        raise ValidationError(errors)
    return values


def _observation(session: Session, actor, observation_id: int, *,
                 record: bool = False) -> WalkObservation:
    obs = session.get(WalkObservation, observation_id)
    if obs is None:
        raise NotFound("Observationen finns inte.")
    get_walk(session, actor, obs.walk_id, record=record)
    return obs


def _proposal(session: Session, actor, proposal_id: int) -> WalkProposal:
    proposal = session.get(WalkProposal, proposal_id)
    if proposal is None:
        raise NotFound("Förslaget finns inte.")
    _observation(session, actor, proposal.observation_id)
    return proposal


def _require_manager(actor) -> None:
    if not access.can(actor, "action.manage"):
        raise PermissionDenied("Bara samordnare kan besluta om förslag och åtgärder.")


def _municipality_id(session: Session, area_id: int) -> int:
    from est.walks.store import municipality_of
    return municipality_of(session, area_id).id


__all__ = ["add_proposal", "list_proposals", "proposal_for_action",
           "proposal_to_action", "update_proposal"]
