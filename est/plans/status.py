"""Uppföljning of an åtgärdsplan: green/yellow/red per row, computed and judged.

A row's colour is computed from two questions Brå asks:

- *Done as intended?* From its actions: any "inte genomförd" or the row past its due date
  without every action done → no; all done → yes; otherwise still running.
- *Good effect?* From its indicator over the row's period against the baseline and the target
  value (at or under the target, or fewer than before when there is no target value → good;
  more than before → bad), or, for ``actions_done``, the share done against the target (100 %
  by default). When the indicator cannot be published (too few reports), the actions' own
  before/after counts decide.

Red: not done as intended, or a bad effect once the row is finished. Green: a good effect and
nothing late. Yellow otherwise (running, not yet measurable, mixed). The group's judgement
overrides the computed colour; both are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from est.models import Action
from est.models.plans import ActionPlan, PlanCause, PlanRow
from est.plans import indicators
from est.plans.service import row_actions
from est.promises.indicators import IndicatorResult

COLOUR_SV = {"green": "Grön", "yellow": "Gul", "red": "Röd"}
DONE_STATUSES = ("done", "no_longer_needed")


@dataclass
class ActionEffect:
    """An action of a row with its before/after counts (None before one whole week)."""

    action: Action
    before: int | None
    after: int | None
    weeks: int
    k: int = 5

    @property
    def before_text(self) -> str:
        """Return the count before as published (``<k`` for 1 … k−1)."""
        return shown(self.before, self.k)

    @property
    def after_text(self) -> str:
        """Return the count after as published (``<k`` for 1 … k−1)."""
        return shown(self.after, self.k)


def shown(n: int | None, k: int) -> str:
    """Return a count as published: ``–`` when missing, ``<k`` for 1 … k−1."""
    if n is None:
        return "–"
    return f"<{k}" if 0 < n < k else str(n)


@dataclass
class RowStatus:
    """The follow-up of one plan row."""

    row: PlanRow
    cause: PlanCause
    actions: list[ActionEffect]
    result: IndicatorResult | None
    done: bool | None
    effect: str | None  # good / partial / bad / None (not measurable)
    computed: str
    reasons: list[str] = field(default_factory=list)
    share_done: float | None = None

    @property
    def colour(self) -> str:
        """Return the colour shown: the group's judgement, else the computed one."""
        return self.row.judgement or self.computed

    @property
    def overridden(self) -> bool:
        """Return True when the group's judgement differs from the computed colour."""
        return bool(self.row.judgement) and self.row.judgement != self.computed


def row_window(plan: ActionPlan, row: PlanRow) -> tuple[date, date]:
    """Return the period a row's indicator is measured over (row dates, else the plan's)."""
    return row.starts_on or plan.period_start, row.due_on or plan.period_end


def row_status(session: Session, plan: ActionPlan, cause: PlanCause, row: PlanRow, *,
               today: date, k: int = 5, tz: str = "Europe/Stockholm") -> RowStatus:
    """Compute the follow-up of one row as of ``today``."""
    from est.services.actions import follow_up

    start, end = row_window(plan, row)
    effects = []
    for a in row_actions(session, row.id):
        fu = follow_up(session, a, today=today, tz=tz)
        effects.append(ActionEffect(a, fu.before if fu.measurable else None,
                                    fu.after if fu.measurable else None, fu.weeks, k))
    reasons: list[str] = []
    finished = end < today
    statuses = [e.action.status for e in effects]
    if not effects:
        done: bool | None = None
        reasons.append("Ingen åtgärd kopplad.")
    elif "not_done" in statuses:
        done = False
        reasons.append("En åtgärd avslutades utan att genomföras.")
    elif all(s in DONE_STATUSES for s in statuses):
        done = True
        reasons.append("Alla åtgärder genomförda.")
    elif finished:
        done = False
        reasons.append(f"Försenad: skulle vara klar {end:%Y-%m-%d}.")
    else:
        done = None
        reasons.append("Åtgärderna pågår.")
    share_done = (100.0 * sum(s in DONE_STATUSES for s in statuses) / len(statuses)
                  if statuses else None)

    spec = indicators.parse_spec(row.indicator_kind, row.indicator_ref)
    result = None
    effect: str | None = None
    if spec is not None and spec.kind == "actions_done":
        goal = row.target_value if row.target_value is not None else 100.0
        if share_done is not None:
            effect = "good" if share_done >= goal else ("partial" if share_done > 0 else "bad")
            reasons.append(f"{share_done:.0f} % av åtgärderna genomförda (mål {goal:.0f} %).")
    elif spec is not None and start < today:
        geom = (indicators.lineage_polygon(session, cause.link_ref, plan.area_id)
                if cause.link_kind == "lineage" else None)
        result = indicators.compute(session, spec, label=row.indicator, target=row.target,
                                    area_id=plan.area_id, start=start, end=end, geom=geom,
                                    as_of=today, k=k, tz=tz)
        effect = _effect(result, row.target_value, reasons)
    if effect is None:
        effect = _action_effect(effects, reasons, k)

    if done is False:
        computed = "red"
    elif effect == "bad":
        computed = "red" if finished or done else "yellow"
    elif effect == "good":
        computed = "green"
    else:
        computed = "yellow"
    return RowStatus(row, cause, effects, result, done, effect, computed, reasons, share_done)


def _effect(result: IndicatorResult | None, target_value: float | None,
            reasons: list[str]) -> str | None:
    if result is None or not isinstance(result.now, int | float):
        if result is not None:
            reasons.append("Indikatorn kan inte visas (för få rapporter).")
        return None
    now = float(result.now)
    if target_value is not None:
        if now <= target_value:
            reasons.append(f"Indikatorn {now:.1f} når målet {target_value:g}.".replace(".", ","))
            return "good"
    before = result.before if isinstance(result.before, int | float) else None
    if before is None:
        reasons.append("Jämförelse före perioden saknas.")
        return "partial" if target_value is None else "bad"
    if now < before:
        reasons.append("Färre än före perioden" + (", men målet är inte nått." if target_value
                                                   is not None else "."))
        return "good" if target_value is None else "partial"
    if now == before:
        reasons.append("Lika många som före perioden.")
        return "partial"
    reasons.append("Fler än före perioden.")
    return "bad"


def _action_effect(effects: list[ActionEffect], reasons: list[str], k: int) -> str | None:
    measured = [e for e in effects if e.before is not None and e.after is not None]
    if not measured:
        return None
    before = sum(e.before or 0 for e in measured)
    after = sum(e.after or 0 for e in measured)
    reasons.append(f"Åtgärdernas platser: {shown(before, k)} rapporter före, "
                   f"{shown(after, k)} efter.")
    if after < before:
        return "good"
    return "bad" if after > before else "partial"


@dataclass
class PlanStatus:
    """Every row's follow-up and the counts per colour (the BRÅ dashboard)."""

    plan: ActionPlan
    rows: list[RowStatus]
    today: date

    @property
    def counts(self) -> dict[str, int]:
        """Return rows per shown colour."""
        out = {c: 0 for c in COLOUR_SV}
        for r in self.rows:
            out[r.colour] += 1
        return out

    @property
    def late(self) -> list[RowStatus]:
        """Return rows past their due date without every action done."""
        return [r for r in self.rows if r.done is False]

    @property
    def due_soon(self) -> list[RowStatus]:
        """Return rows due within 30 days that are not done."""
        horizon = self.today + timedelta(days=30)
        return [r for r in self.rows if r.row.due_on and self.today <= r.row.due_on <= horizon
                and r.done is not True]


def plan_status(session: Session, plan: ActionPlan, *, today: date, k: int = 5,
                tz: str = "Europe/Stockholm") -> PlanStatus:
    """Return the follow-up of every row of ``plan`` as of ``today``."""
    rows = [row_status(session, plan, cause, row, today=today, k=k, tz=tz)
            for cause in plan.causes for row in cause.rows]
    return PlanStatus(plan, rows, today)


def data_link(plan: ActionPlan, row: PlanRow, cause: PlanCause) -> dict[str, Any]:
    """Return the report-search arguments behind a row's indicator (period, category)."""
    start, end = row_window(plan, row)
    args: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
    spec = indicators.parse_spec(row.indicator_kind, row.indicator_ref)
    if spec and len(spec.codes) == 1 and spec.codes[0] != "otrygghet":
        args["category"] = spec.codes[0]
    elif cause.link_kind == "category_trend" and cause.link_ref:
        args["category"] = cause.link_ref
    return args
