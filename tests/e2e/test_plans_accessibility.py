"""axe-core (WCAG 2.1 A/AA) on the åtgärdsplan pages of the demo: no serious or critical
violation (same rules as tests/e2e/test_e2e_accessibility.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from est.demo import load_demo
from est.demo_plans import DEMO_PLAN_TITLE
from est.models.plans import ActionPlan
from est.services.users import ensure_demo_accounts

from .test_e2e_accessibility import audit
from .waiting import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core goes in as an inline script tag: let it past the CSP in this test only."""
    return {**browser_context_args, "bypass_csp": True}


def test_plan_pages_have_no_serious_axe_violations(page, live_server, e2e_session):
    load_demo(e2e_session)
    ensure_demo_accounts(e2e_session)
    e2e_session.commit()
    plan = e2e_session.scalar(select(ActionPlan).where(ActionPlan.title == DEMO_PLAN_TITLE))
    row = plan.causes[0].rows[0]
    sign_in(page, live_server)
    base = f"{live_server}/atgardsplan"
    found: list[dict] = []
    passes = 0
    for path in (base, f"{base}/{plan.id}", f"{base}/{plan.id}/status",
                 f"{base}/{plan.id}/medborgarloften?layout=kungsor",
                 f"{base}/{plan.id}/rader/{row.id}/andra", f"{base}/uppfoljning",
                 f"{live_server}/aktiviteter"):
        res = page.goto(path)
        assert res is not None and res.status == 200, path
        blocking, n = audit(page, path)
        found += blocking
        passes += n
    assert not found, found
    assert passes > 50
