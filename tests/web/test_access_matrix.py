"""Role x page/endpoint matrix: allowed (2xx/3xx to the right place), 403, or login redirect."""

from __future__ import annotations

from functools import cache

import pytest

from est.services import users

ROLES = ("anonymous", "viewer", "reporter", "coordinator", "admin")


@cache
def password_hash() -> str:
    return users.hash_password("correct horse battery")


@pytest.fixture
def world(db_session, make_area, make_organisation, make_report):
    area = make_area()
    police = make_organisation(kind="polis", area=area)
    school = make_organisation(kind="skola", area=area)
    accounts = {}
    for role in ROLES[1:]:
        accounts[role] = users.create_user(db_session, email=f"{role}@x.example", name=role,
                                           role=role, organisation=police.id,
                                           password_hash=password_hash()).id
    return {
        "accounts": accounts,
        "own": make_report(area=area, organisation_id=police.id),
        "other": make_report(area=area, organisation_id=school.id),
        "pending": make_report(area=area, source="public", status="pending"),
    }


def as_role(client, world, role):
    if role != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"] = str(world["accounts"][role])
            session["_fresh"] = True
    return client


def outcome(response) -> str:
    if response.status_code == 302 and "/logga-in" in response.headers["Location"]:
        return "login"
    if response.status_code == 403:
        return "403"
    if response.status_code == 404:
        return "404"
    assert response.status_code in (200, 302), response.status_code
    return "ok"


A, L, F, N = "ok", "login", "403", "404"
# page -> expected outcome for (anonymous, viewer, reporter, coordinator, admin)
MATRIX = {
    ("GET", "/rapportera"): (A, A, A, A, A),
    ("GET", "/personal/oversikt"): (L, A, A, A, A),
    ("GET", "/personal/rapporter"): (L, F, A, A, A),
    ("GET", "/personal/rapportera"): (L, F, A, A, A),
    ("GET", "/personal/rapporter/{own}"): (L, F, A, A, A),
    ("GET", "/personal/rapporter/{other}"): (L, F, N, A, A),
    ("GET", "/personal/rapporter/{pending}"): (L, F, N, A, A),
    ("GET", "/moderering/"): (L, F, F, A, A),
    ("GET", "/moderering/{pending}"): (L, F, F, A, A),
    ("POST", "/moderering/{pending}/publicera"): (L, F, F, A, A),
    ("POST", "/moderering/{pending}/avvisa"): (L, F, F, A, A),
    ("POST", "/moderering/{pending}/andra"): (L, F, F, A, A),
}


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(("method", "path"), list(MATRIX), ids=[" ".join(k) for k in MATRIX])
def test_role_page_matrix(client, world, method, path, role_index):
    role = ROLES[role_index]
    url = path.format(own=world["own"].id, other=world["other"].id, pending=world["pending"].id)
    as_role(client, world, role)
    data = {"reason": "Spam", "category": "klotter"} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    assert outcome(response) == MATRIX[(method, path)][role_index]


@pytest.mark.parametrize("role", ["viewer", "reporter"])
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


@pytest.mark.parametrize(("role", "links"), [
    ("anonymous", {"Logga in"}),
    ("viewer", {"Översikt", "Logga ut"}),
    ("reporter", {"Rapporter", "Ny rapport", "Översikt"}),
    ("coordinator", {"Moderering", "Rapporter", "Ny rapport"}),
])
def test_navigation_follows_the_role(client, world, role, links):
    as_role(client, world, role)
    nav = client.get("/rapportera").get_data(as_text=True).split("</nav>")[0]
    for link in links:
        assert link in nav
    if role in ("anonymous", "viewer", "reporter"):
        assert "Moderering" not in nav
