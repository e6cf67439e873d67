"""Role x page/endpoint matrix: allowed (2xx/3xx to the right place), 403, 404, or login.

Columns are accounts, decided by their permission sets: the four roles' defaults and a
partner (the local police: role reporter with ``report`` + ``review``).
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from est import access
from est.services import actions as action_service
from est.services import users

ROLES = ("anonymous", "viewer", "reporter", "partner", "coordinator", "admin")
PERMISSIONS = {"partner": "report,review"}
WEEK = "2026-W02"


@cache
def password_hash() -> str:
    return users.hash_password("correct horse battery")


@pytest.fixture
def world(db_session, make_area, make_organisation, make_report, category):
    area = make_area()
    police = make_organisation(kind="polis", area=area)
    school = make_organisation(kind="skola", area=area)
    accounts = {}
    for role in ROLES[1:]:
        accounts[role] = users.create_user(
            db_session, email=f"{role}@x.example", name=role,
            role="reporter" if role == "partner" else role, organisation=police.id,
            permissions=PERMISSIONS.get(role), password_hash=password_hash()).id
    coordinator = access.actor_for(db_session, accounts["coordinator"])

    def action(org, who):
        return action_service.create_action(db_session, coordinator, area_id=area.id, data={
            "title": f"Belysning {who}", "organisation_id": org.id,
            "contact_person": f"Kontakt {who}", "starts_on": date(2026, 1, 12),
            "category_id": category("klotter").id}).id

    return {
        "accounts": accounts,
        "session": db_session,
        "police_id": police.id,
        "own": make_report(area=area, organisation_id=police.id),
        "other": make_report(area=area, organisation_id=school.id),
        "pending": make_report(area=area, source="public", status="pending"),
        "own_action": action(police, "polisen"),
        "other_action": action(school, "skolan"),
    }


def as_role(client, world, role):
    if role != "anonymous":
        token = users.start_session(world["session"], world["accounts"][role])
        with client.session_transaction() as session:
            session["_user_id"] = str(world["accounts"][role])
            session["_est_sid"] = token
            session["_fresh"] = True
    return client


def outcome(response) -> str:
    if response.status_code == 302 and "/logga-in" in response.headers["Location"]:
        return "login"
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    assert response.status_code in (200, 302), response.status_code
    return "ok"


A, L, F, N, U = "ok", "login", "403", "404", "401"
# page -> expected outcome for (anonymous, viewer, reporter, partner, coordinator, admin)
MATRIX = {
    ("GET", "/rapportera"): (A, A, A, A, A, A),
    ("GET", "/personal/oversikt"): (L, A, A, A, A, A),
    ("GET", "/personal/rapporter"): (L, F, A, A, A, A),
    ("GET", "/personal/rapportera"): (L, F, A, A, A, A),
    ("GET", "/personal/rapporter/{own}"): (L, F, A, A, A, A),
    ("GET", "/personal/rapporter/{other}"): (L, F, N, N, A, A),
    ("GET", "/personal/rapporter/{pending}"): (L, F, N, N, A, A),
    ("GET", "/moderering/"): (L, F, F, F, A, A),
    ("GET", "/moderering/{pending}"): (L, F, F, F, A, A),
    ("POST", "/moderering/{pending}/publicera"): (L, F, F, F, A, A),
    ("POST", "/moderering/{pending}/avvisa"): (L, F, F, F, A, A),
    ("POST", "/moderering/{pending}/andra"): (L, F, F, F, A, A),
    ("GET", "/granskning"): (L, A, F, A, A, A),
    ("GET", "/granskning/" + WEEK): (L, A, F, A, A, A),
    ("GET", "/granskning/" + WEEK + "/dagordning"): (L, A, F, A, A, A),
    ("GET", "/granskning/" + WEEK + "/atgard/ny"): (L, F, F, F, A, A),
    ("GET", "/lagesbild"): (L, A, F, A, A, A),
    ("GET", "/atgarder/{own_action}"): (L, A, F, A, A, A),
    ("GET", "/atgarder/{other_action}"): (L, A, F, A, A, A),
    # every account here belongs to the police, which owns own_action: status and outcome
    ("POST", "/atgarder/{own_action}"): (L, A, F, A, A, A),
    ("POST", "/atgarder/{other_action}"): (L, F, F, F, A, A),
    ("GET", "/api/v1/reports.geojson"): (U, F, A, A, A, A),
}


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(("method", "path"), list(MATRIX), ids=[" ".join(k) for k in MATRIX])
def test_role_page_matrix(client, world, method, path, role_index):
    role = ROLES[role_index]
    url = path.format(**{k: world[k] if isinstance(world[k], int) else world[k].id
                         for k in ("own", "other", "pending", "own_action", "other_action")})
    as_role(client, world, role)
    data = None
    if method == "POST":
        data = {"reason": "Spam", "category": "klotter", "status": "in_progress",
                "outcome_note": "Pågår", "title": "Belysning", "starts_on": "2026-01-12",
                "organisation_id": str(world["police_id"])}
    response = client.open(url, method=method, data=data)
    assert outcome(response) == MATRIX[(method, path)][role_index]


@pytest.mark.parametrize("role", ["viewer", "reporter", "partner"])
def test_denied_moderation_changes_nothing(client, db_session, world, role):
    as_role(client, world, role)
    client.post(f"/moderering/{world['pending'].id}/publicera")
    db_session.refresh(world["pending"])
    assert world["pending"].status == "pending"


def test_reporter_list_shows_only_own_organisation(client, world):
    as_role(client, world, "reporter")
    html = client.get("/personal/rapporter").get_data(as_text=True)
    assert str(world["own"].id) in html
    assert str(world["other"].id) not in html and str(world["pending"].id) not in html


def test_viewer_overview_is_aggregated_only(client, world):
    as_role(client, world, "viewer")
    html = client.get("/personal/oversikt").get_data(as_text=True)
    assert "Klotter" in html
    for report in ("own", "other", "pending"):
        assert str(world[report].id) not in html


def test_partner_reads_its_own_actions_private_notes_only(client, world):
    as_role(client, world, "partner")
    own = client.get(f"/atgarder/{world['own_action']}").get_data(as_text=True)
    other = client.get(f"/atgarder/{world['other_action']}").get_data(as_text=True)
    assert 'name="status"' in own  # its own action: status and outcome can be changed
    assert "Belysning skolan" in other and 'name="status"' not in other
    assert "Kontakt skolan" not in other
    week = client.get(f"/granskning/{WEEK}").get_data(as_text=True)
    assert "Kontakt skolan" not in week
    for report in ("own", "other", "pending"):  # aggregated cells, never report points
        assert str(world[report].id) not in week


def test_partner_changes_status_of_its_own_action(client, db_session, world):
    from est.models import Action

    as_role(client, world, "partner")
    response = client.post(f"/atgarder/{world['own_action']}",
                           data={"status": "done", "title": "Ändrad titel"})
    assert response.status_code == 302
    action = db_session.get(Action, world["own_action"])
    db_session.refresh(action)
    assert action.status == "done" and action.title == "Belysning polisen"


@pytest.mark.parametrize(("role", "links", "hidden"), [
    ("anonymous", {"Logga in"}, {"Moderering", "Granskning"}),
    ("viewer", {"Översikt", "Logga ut"}, {"Moderering", "Ny rapport"}),
    ("reporter", {"Rapporter", "Ny rapport", "Översikt"}, {"Moderering"}),
    ("partner", {"Rapporter", "Ny rapport", "Översikt"}, {"Moderering"}),
    ("coordinator", {"Moderering", "Rapporter", "Ny rapport"}, set()),
])
def test_navigation_follows_the_permissions(client, world, role, links, hidden):
    as_role(client, world, role)
    nav = client.get("/rapportera").get_data(as_text=True).split("</nav>")[0]
    for link in links:
        assert link in nav
    for link in hidden:
        assert link not in nav
