"""Demo åtgärdsplan for Hallsberg: causes from the demo year, rows with activities from the
library, actions, indicators and targets (``est demo`` loads it after the reports).

Reloading replaces the plan named :data:`DEMO_PLAN_TITLE` (and its demo actions).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from est.db import transaction
from est.models import Action, Category, Organisation
from est.models.plans import ActionPlan, ActivityPattern, PlanCause, PlanRow, plan_row_action

DEMO_PLAN_TITLE = "Åtgärdsplan Hallsberg (demo)"
DEMO_ACTION_PREFIX = "[demo] "

# cause text, link (kind, ref, label), rows: (pattern code, indicator ref, target, target
# value, organisation kind, contact role, action title and status or None)
CAUSES = (
    ("Narkotikabrottsligheten bland unga syns i rapporterna och i dialogerna med skolan.",
     ("category_trend", "narkotika", "Narkotika"),
     (("narkotika_ungdomar", "narkotika", "Färre narkotikarapporter per månad än året före",
       None, "polis", "Kommunpolis", ("Riktade insatser mot narkotika vid skolorna",
                                      "in_progress")),
      ("informationstraffar_skolor", "narkotika", "Informationsträffar i samtliga grundskolor",
       None, "kommun", "Säkerhetssamordnare", None))),
    ("Klotter och skadegörelse i centrum och vid stationen.",
     ("category_trend", "klotter", "Klotter"),
     (("klotter_sanering", "klotter,skadegorelse", "Högst 8 rapporter per månad", 8.0,
       "kommun", "Gatuchef", ("Sanera klotter inom 24 timmar", "done")),)),
    ("Bostadsinbrott i villaområdena.", ("category_trend", "inbrott", "Inbrott"),
     (("grannsamverkan", "inbrott", "Fler grannsamverkansområden, färre inbrott", None,
       "polis", "Områdespolis", None),)),
)


def load_demo_plan(session: Session, area_id: int, today: date) -> str:
    """Create (or replace) the demo plan for the year from 90 days before ``today``."""
    start = today - timedelta(days=90)
    with transaction(session):
        session.execute(delete(ActionPlan).where(ActionPlan.area_id == area_id,
                                                 ActionPlan.title == DEMO_PLAN_TITLE))
        session.execute(delete(Action).where(Action.area_id == area_id,
                                             Action.title.like(f"{DEMO_ACTION_PREFIX}%")))
        orgs: dict[str, int] = {}
        for org in session.scalars(select(Organisation).where(Organisation.area_id == area_id)
                                   .order_by(Organisation.id)):
            orgs.setdefault(org.kind, org.id)
        patterns = {p.code: p for p in session.scalars(select(ActivityPattern))}
        categories = {c.code: c.id for c in session.scalars(select(Category))}
        plan = ActionPlan(area_id=area_id, title=DEMO_PLAN_TITLE, period_start=start,
                          period_end=start + timedelta(days=364), status="decided",
                          decided_by="Kommunstyrelsen", decided_on=start)
        session.add(plan)
        rows = 0
        for number, (text, (kind, ref, label), row_specs) in enumerate(CAUSES, 1):
            cause = PlanCause(number=number, text=text, link_kind=kind, link_ref=ref,
                              link_label=label)
            plan.causes.append(cause)
            for pos, (code, codes, target, value, org_kind, role, action) in enumerate(
                    row_specs):
                pattern = patterns.get(code)
                measure = pattern.text[0].upper() + pattern.text[1:] if pattern else code
                row = PlanRow(position=pos, measure=measure,
                              indicator_kind="count_per_month", indicator_ref=codes,
                              indicator=f"{label} per månad, Hallsberg", target=target,
                              target_value=value, starts_on=start,
                              due_on=start + timedelta(days=364),
                              organisation_id=orgs.get(org_kind), contact_role=role,
                              activity_pattern_id=pattern.id if pattern else None,
                              regular_work=pos > 0)
                cause.rows.append(row)
                session.flush()
                rows += 1
                if action and orgs.get(org_kind):
                    title, status = action
                    a = Action(area_id=area_id, category_id=categories[codes.split(",")[0]],
                               title=DEMO_ACTION_PREFIX + title, status=status,
                               organisation_id=orgs[org_kind], starts_on=start + timedelta(
                                   days=14))
                    session.add(a)
                    session.flush()
                    session.execute(insert(plan_row_action).values(plan_row_id=row.id,
                                                                   action_id=a.id))
    return f"Åtgärdsplan: {len(CAUSES)} orsaker, {rows} rader ({DEMO_PLAN_TITLE})."
