"""axe-core (WCAG 2.1 A/AA) on the pages of issue 15: administration, account, password
links, notifications, public medborgarlöften and map explanation, posters list."""

from __future__ import annotations

import json

import pytest

from est.access import actor_for
from est.models import User
from est.services import invites
from tests.e2e.test_e2e_accessibility import (
    AXE,
    audit,
    browser_context_args,  # noqa: F401 (fixture)
)

from .test_e2e_csp import seed
from .waiting import sign_in

pytestmark = pytest.mark.e2e


def test_operator_pages_have_no_serious_axe_violations(page, live_server, e2e_session):
    assert AXE.is_file(), f"{AXE} is missing: run scripts/bootstrap (npm install axe-core)"
    ids = seed(e2e_session)
    admin = e2e_session.query(User).filter_by(email="admin@hallsberg.example").one()
    link = invites.invite_user(e2e_session, actor_for(e2e_session, admin),
                               email="ny@hallsberg.example", name="Ny Person", role="viewer",
                               organisation=None)
    found: list[dict] = []
    audited: dict[str, int] = {}

    def check(path: str) -> None:
        response = page.goto(live_server + path)
        assert response is not None and response.status < 400, path
        blocking, passes = audit(page, path)
        found.extend(blocking)
        audited[path] = passes

    for path in ("/medborgarloften", "/om-kartan", "/glomt-losenord",
                 f"/konto/aktivera/{link.token}"):
        check(path)
    sign_in(page, live_server, "admin@hallsberg.example")
    for path in ("/admin/konton", f"/admin/konton/{link.user.id}", "/admin/organisationer",
                 "/admin/kategorier", "/admin/omraden", "/admin/api-nycklar",
                 "/admin/installningar", "/admin/logg", "/konto", "/konto/losenord",
                 "/personal/oversikt", "/affischer", f"/moderering/{ids['pending']}"):
        check(path)
    # error states too: an invitation form with every field wrong
    page.goto(live_server + "/admin/konton")
    page.fill("#f-email", "inte-en-adress")
    page.fill("#f-name", " ")
    page.evaluate("document.querySelector('form.stacked').noValidate = true")
    page.click("text=Skicka inbjudan")
    page.wait_for_selector("#error-summary")
    blocking, passes = audit(page, "invite errors")
    found.extend(blocking)
    audited["invite errors"] = passes
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert all(n > 10 for n in audited.values()), audited
