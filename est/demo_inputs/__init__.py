"""Demo step: every other input of the lägesbild for Hallsberg (1861).

Two trygghetsvandringar with observations and proposals, a closed digital walk with pins,
a medborgardialog and a medarbetardialog, survey results (Polisens trygghetsmätning and the
municipality's survey, this year and last year), Brå statistics, a Kolada value, the
municipality's population and the EST group's texts for the decided lägesbild's period.

Everything goes through the real services and importers (the files are generated here and
written to a temporary directory), so bounds and links are exercised. A re-run first removes
the demo's own inputs (recognised by their titles and file names), then loads them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.demo import DEMO_CODE
from est.demo_inputs.sources import (
    DIALOGUE_TITLES,
    SURVEY_FILE_PREFIX,
    load_dialogues,
    load_statistics,
    load_surveys,
    save_group_texts,
)
from est.demo_inputs.walks import CAMPAIGN_TITLE, WALK_TITLES, load_campaign, load_walks
from est.models import Action, Area, DigitalWalk, Organisation, Report, User, Walk
from est.models.inputs import Dialogue, Survey, WalkObservation, WalkProposal

COORDINATOR = "samordnare@hallsberg.example"


@dataclass(frozen=True)
class DemoInputsResult:
    """What the step stored."""

    walks: int
    observations: int
    pins: int
    dialogues: int
    surveys: int
    statistics: int
    start: date
    end: date


def lagesbild_period(today: date) -> tuple[date, date]:
    """Return the period of the demo's decided lägesbild: the 90 days before today."""
    end = today - timedelta(days=1)
    return end - timedelta(days=89), end


def demo_inputs(session: Session) -> str:
    """Demo step (``step(session) -> str``): load every lägesbild input of the demo."""
    from flask import current_app

    tz = current_app.config["EST_SETTINGS"].tz
    result = load_demo_inputs(session, today=datetime.now(tz).date(), tz=tz)
    return (f"Lägesbild inputs {result.start}–{result.end}: {result.walks} trygghetsvandringar "
            f"({result.observations} observations), a digital walk with {result.pins} pins, "
            f"{result.dialogues} dialogues, {result.surveys} surveys, "
            f"{result.statistics} statistics rows and the group's texts: /underlag")


def load_demo_inputs(session: Session, *, today: date, tz: ZoneInfo) -> DemoInputsResult:
    """Replace the demo's inputs (see the module docstring); return what was stored."""
    muni = session.scalar(select(Area).where(Area.code == DEMO_CODE,
                                             Area.kind == "municipality"))
    user = session.scalar(select(User).where(User.email == COORDINATOR))
    if muni is None or user is None:
        raise LookupError("Load the demo municipality and accounts first (est demo).")
    # Actor is a frozen snapshot; the services type their actor as the ActorLike protocol.
    actor = cast(access.ActorLike, access.actor_for(session, user))
    start, end = lagesbild_period(today)
    _remove_previous(session, muni)
    orgs = {o.name: o.id for o in session.scalars(
        select(Organisation).where(Organisation.area_id == muni.id))}
    districts = {a.name: a.id for a in session.scalars(
        select(Area).where(Area.parent_id == muni.id))}
    walks, n_obs = load_walks(session, actor, muni, districts, orgs, today, tz)
    pins = load_campaign(session, actor, muni, districts, today, tz)
    dialogues = load_dialogues(session, actor, muni, districts, today)
    surveys = load_surveys(session, end)
    stats = load_statistics(session, end)
    save_group_texts(session, actor, muni, start, end)
    session.commit()
    return DemoInputsResult(walks=walks, observations=n_obs, pins=pins, dialogues=dialogues,
                            surveys=surveys, statistics=stats, start=start, end=end)


def _remove_previous(session: Session, muni: Area) -> None:
    ids = [muni.id, *session.scalars(select(Area.id).where(Area.parent_id == muni.id))]
    with transaction(session):
        walk_ids = list(session.scalars(select(Walk.id).where(
            Walk.area_id.in_(ids), Walk.title.in_(WALK_TITLES))))
        if walk_ids:
            obs = select(WalkObservation.id).where(WalkObservation.walk_id.in_(walk_ids))
            action_ids = list(session.scalars(select(WalkProposal.action_id).where(
                WalkProposal.observation_id.in_(obs), WalkProposal.action_id.is_not(None))))
            report_ids = list(session.scalars(select(WalkObservation.report_id).where(
                WalkObservation.walk_id.in_(walk_ids), WalkObservation.report_id.is_not(None))))
            session.execute(delete(Walk).where(Walk.id.in_(walk_ids)))
            if action_ids:
                session.execute(delete(Action).where(Action.id.in_(action_ids)))
            if report_ids:
                session.execute(delete(Report).where(Report.id.in_(report_ids)))
        campaign_ids = list(session.scalars(select(DigitalWalk.id).where(
            DigitalWalk.area_id.in_(ids), DigitalWalk.title == CAMPAIGN_TITLE)))
        if campaign_ids:
            session.execute(delete(Report).where(Report.campaign_id.in_(campaign_ids)))
            session.execute(delete(DigitalWalk).where(DigitalWalk.id.in_(campaign_ids)))
        session.execute(delete(Dialogue).where(Dialogue.area_id.in_(ids),
                                               Dialogue.title.in_(DIALOGUE_TITLES)))
        session.execute(delete(Survey).where(Survey.area_id == muni.id,
                                             Survey.source_file.like(f"{SURVEY_FILE_PREFIX}%")))
