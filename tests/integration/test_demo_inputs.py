"""The demo's lägesbild inputs: every source is used for the decided period, re-runs replace."""

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from est.demo import DEMO_CODE, load_demo
from est.demo_inputs import load_demo_inputs
from est.inputs.sources import declared_sources
from est.lagesbild.group import group_input
from est.models import Action, Area, DigitalWalk, Report, Walk
from est.models.inputs import (
    CrimeStatistic,
    Dialogue,
    KpiValue,
    Population,
    Survey,
    WalkObservation,
    WalkProposal,
)
from est.services.users import ensure_demo_accounts

TODAY = date(2026, 11, 22)
TZ = ZoneInfo("Europe/Stockholm")


def _counts(session) -> dict[str, int]:
    models = {"walk": Walk, "obs": WalkObservation, "proposal": WalkProposal, "action": Action,
              "campaign": DigitalWalk, "report": Report, "dialogue": Dialogue,
              "survey": Survey, "bra": CrimeStatistic, "kpi": KpiValue,
              "population": Population}
    return {k: session.scalar(select(func.count()).select_from(m)) for k, m in models.items()}


def test_demo_inputs_fill_every_source_and_rerun_replaces(db_session):
    load_demo(db_session, today=TODAY)
    ensure_demo_accounts(db_session)
    result = load_demo_inputs(db_session, today=TODAY, tz=TZ)
    assert (result.walks, result.observations, result.dialogues, result.surveys) == (2, 10, 2, 4)
    muni = db_session.scalar(select(Area).where(Area.code == DEMO_CODE,
                                                Area.kind == "municipality"))
    sources = {s.key: s for s in declared_sources(db_session, muni.id, result.start,
                                                   result.end)}
    walks = sources["trygghetsvandringar"]
    assert walks.used and walks.n == 10 and "2 vandringar" in walks.detail_sv
    assert sources["digital_vandring"].used and sources["digital_vandring"].n == 6  # published
    dialogues = sources["dialoger"]
    assert dialogues.used and dialogues.n == 42 + 17
    # respondents are not counted twice (the survey areas do not overlap)
    assert sources["trygghetsmatning"].used and sources["trygghetsmatning"].n == 620
    assert sources["kommun_enkat"].used and 900 <= sources["kommun_enkat"].n <= 940
    assert sources["bra_statistik"].used and sources["bra_statistik"].n > 0
    assert sources["kolada"].used and sources["kolada"].n == 1  # Hallsberg, the period's year
    assert not sources["ntu"].used  # NTU is not published per municipality: stays missing
    # the municipality's population is stored; the source counts DeSO/RegSO areas only
    assert db_session.scalar(select(func.count()).select_from(Population)
                             .where(Population.region_code == DEMO_CODE)) == 2
    # proposals: two actions, two accepted, one rejected with its reason
    statuses = sorted(db_session.scalars(select(WalkProposal.status)))
    assert statuses == ["accepted", "accepted", "accepted", "accepted", "rejected"]
    assert db_session.scalar(select(func.count()).select_from(WalkProposal)
                             .where(WalkProposal.action_id.is_not(None))) == 2
    assert db_session.scalar(select(WalkProposal.reject_reason)
                             .where(WalkProposal.status == "rejected"))
    assert all(w.feedback_sent_on and w.status == "finished"
               for w in db_session.scalars(select(Walk)))
    assert db_session.scalar(select(func.count()).select_from(WalkObservation)
                             .where(WalkObservation.safe_place.is_(True))) == 2
    texts = group_input(db_session, muni, result.start, result.end)
    assert "gångtunneln" in texts.texts["consequences"] and len(texts.planned_changes) == 3
    # a survey of last year too, so the lägesbild can compare
    years = sorted(s.period_start.year for s in db_session.scalars(select(Survey)))
    assert years == [2025, 2025, 2026, 2026]

    before = _counts(db_session)
    load_demo_inputs(db_session, today=TODAY, tz=TZ)
    assert _counts(db_session) == before
