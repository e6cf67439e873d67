"""The shared payloads in every free-text field of issue 15 (account names, organisations,
category labels, places, API key labels, promise texts and follow-up, action titles in the
notices, photos' report pages), rendered in headless Chromium: no dialog, no script runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from est.access import actor_for
from est.models import Category, Place, Promise, User
from est.models.promises import PromiseFollowup, PromiseParty
from est.models.review import Action
from est.services import invites
from est.services.admin import catalog, operations
from tests.payloads import combined

from .test_e2e_csp import RECORD_VIOLATIONS, seed, visit
from .test_e2e_xss_payloads import category_labels  # noqa: F401 (fixture)
from .waiting import sign_in

pytestmark = pytest.mark.e2e
TEXT = combined(200)


def store(session) -> dict:
    """Seed the demo and put TEXT into every free-text field the operator pages show."""
    ids = seed(session, TEXT)
    admin = session.scalars(select(User).where(User.email == "admin@hallsberg.example")).one()
    actor = actor_for(session, admin)
    invited = invites.invite_user(session, actor, email="xss@hallsberg.example", name=TEXT,
                                  role="viewer", organisation=None)
    org = catalog.create_organisation(session, actor, {"name": TEXT, "kind": "annan"})
    category = catalog.create_category(session, actor, {
        "code": "xss_kategori", "label_sv": TEXT, "label_en": TEXT, "kind": "incident",
        "active": "1", "sort_order": "1"})
    operations.create_api_key(session, actor, str(org.id), TEXT)
    session.execute(update(Place).values(name=TEXT))
    promise = session.get(Promise, ids["promise"])
    assert promise is not None
    promise.status = "adopted"
    promise.parties.append(PromiseParty(name=TEXT, kind="annan"))
    action = session.get(Action, ids["action"])
    assert action is not None
    action.due_on = date.today() + timedelta(days=2)
    promise.actions.append(action)
    session.add(PromiseFollowup(promise_id=promise.id, as_of=date.today(), results=[
        {"label": TEXT, "unit": TEXT, "now": TEXT, "before": 3.0, "change": None,
         "target": TEXT}]))
    place = session.scalars(select(Place)).first()
    session.commit()
    return {**ids, "user": invited.user.id, "token": invited.token, "org": org.id,
            "category": category.id, "place": place.id if place else None}


def test_no_payload_runs_on_the_operator_and_resident_pages(page, live_server, e2e_session,
                                                            category_labels):  # noqa: F811
    ids = store(e2e_session)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    public = ["/medborgarloften", "/om-kartan", "/glomt-losenord",
              f"/konto/aktivera/{ids['token']}", f"/rapportera?plats={ids['place']}"]
    for path in public:
        visit(page, live_server + path)
        assert page.evaluate("window.__xss") is None, path
    visit(page, live_server + "/medborgarloften")
    assert "<img src=x onerror=alert(1)>" in page.locator("main").inner_text()
    sign_in(page, live_server, "admin@hallsberg.example")
    staff = ["/admin/konton", f"/admin/konton/{ids['user']}", "/admin/organisationer",
             f"/admin/organisationer/{ids['org']}", "/admin/kategorier",
             f"/admin/kategorier/{ids['category']}", "/admin/omraden", "/admin/api-nycklar",
             "/admin/installningar", "/admin/logg", "/konto", "/personal/oversikt",
             "/moderering/", "/personal/rapporter", "/affischer"]
    for path in staff:
        visit(page, live_server + path)
        assert page.evaluate("window.__xss") is None, path
    visit(page, live_server + "/personal/oversikt")  # the action's title in the notices
    assert "<img src=x onerror=alert(1)>" in page.locator(".notices").inner_text()
    assert dialogs == []
    e2e_session.execute(update(Category).where(Category.code == "xss_kategori")
                        .values(active=False))
    e2e_session.commit()
