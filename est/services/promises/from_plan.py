"""Store a promise drafted from an åtgärdsplan, closing the loop back to the plan.

The promise gets the draft's sections in the layout's order (with their lists), its
commitments, focus and indicators (with the rows' targets); each plan row is linked to the
promise (``plan_row.promise_id``) and the rows' actions to the promise (``promise_action``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from est.db import transaction
from est.models import Action
from est.models.plans import ActionPlan, PlanRow
from est.models.promises import Promise
from est.plans.service import require_edit, row_actions
from est.promises.draft import PromiseDraft
from est.services.promises.store import create_from_draft


def create_from_plan_draft(session: Session, actor, plan: ActionPlan,
                           draft: PromiseDraft) -> Promise:
    """Save ``draft`` (from :func:`est.promises.from_plan.draft_from_plan`) as a promise."""
    require_edit(actor, plan.area_id)
    promise = create_from_draft(session, draft)
    with transaction(session):
        stored = session.get(Promise, promise.id)
        assert stored is not None
        promise = stored
        promise.sections = {
            s.key: {"title": s.title, "paragraphs": s.paragraphs, "bullets": s.bullets,
                    "position": i} for i, s in enumerate(draft.sections)}
        targets = {d["label"]: d.get("target") for d in draft.indicators}
        for ind in promise.indicators:
            target = targets.get(ind.label)
            ind.target = target[:200] if target else None
        actions: dict[int, Action] = {a.id: a for a in promise.actions}
        for c in draft.commitments:
            row = session.get(PlanRow, c.row_id)
            if row is None:
                continue
            row.promise_id = promise.id
            for a in row_actions(session, row.id):
                actions.setdefault(a.id, a)
        promise.actions = list(actions.values())
    return promise
