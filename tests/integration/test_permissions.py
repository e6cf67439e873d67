"""Permission sets: role defaults, per-account overrides, partners and actions."""

from __future__ import annotations

from datetime import date

import pytest

from est import access
from est.errors import PermissionDenied, ValidationError
from est.services import actions as action_service
from est.services import users

PASSWORD = "correct horse battery"


def test_role_defaults():
    assert access.ROLE_PERMISSIONS == {
        "admin": {"report", "review", "actions", "moderate", "admin"},
        "coordinator": {"report", "review", "actions", "moderate"},
        "reporter": {"report"},
        "viewer": {"review"},
    }


@pytest.mark.parametrize(("value", "expected"), [
    ("report,review", ["report", "review"]),
    (" Review , report ", ["report", "review"]),
    (["moderate", "report"], ["report", "moderate"]),
    ("", None),
    (None, None),
    ([], []),
])
def test_parse_permissions(value, expected):
    assert access.parse_permissions(value) == expected


def test_unknown_permission_names_the_field():
    with pytest.raises(ValidationError) as info:
        access.parse_permissions("report,superuser")
    assert "permissions" in info.value.errors and "superuser" in str(info.value)


@pytest.fixture
def world(db_session, make_area, make_organisation, category):
    home = make_area()
    away = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    orgs = {"kommun": make_organisation(kind="kommun", area=home),
            "police": make_organisation(kind="polis", area=home),
            "school": make_organisation(kind="skola", area=home),
            "away": make_organisation(kind="kommun", area=away)}

    def user(role, org="police", permissions=None):
        made = users.create_user(db_session, email=f"{role}-{org}-{permissions}@x.example"
                                 .replace(",", "-").replace("None", "d"),
                                 name=role, role=role, organisation=orgs[org].id,
                                 password=PASSWORD, permissions=permissions)
        return access.actor_for(db_session, made)

    coordinator = user("coordinator", "kommun")

    def action(owner):
        return action_service.create_action(db_session, coordinator, area_id=home.id, data={
            "title": f"Belysning ({owner})", "organisation_id": orgs[owner].id,
            "contact_person": f"Kontakt {owner}", "starts_on": date(2026, 1, 5),
            "category_id": category("klotter").id})

    return {"user": user, "coordinator": coordinator, "orgs": orgs,
            "police_action": action("police"), "school_action": action("school")}


def test_explicit_permissions_override_the_role(world):
    partner = world["user"]("reporter", permissions="report,review")
    assert partner.permissions == {"report", "review"}
    assert access.can(partner, "review.view") and access.can(partner, "report.create_staff")
    assert not access.can(partner, "report.view_all_organisations")
    assert not access.can(partner, "action.manage") and not access.can(partner, "promise.manage")
    plain = world["user"]("reporter")
    assert not access.can(plain, "review.view")
    nothing = world["user"]("coordinator", permissions=[])
    assert not any(access.can(nothing, a) for a in access.ACTIONS)


def test_at_least_compares_permission_sets(world):
    partner = world["user"]("reporter", permissions="report,review")
    assert access.at_least(partner, "viewer") and access.at_least(partner, "reporter")
    assert not access.at_least(partner, "coordinator")
    assert access.at_least(partner, "review") and not access.at_least(partner, "moderate")
    with pytest.raises(ValueError):
        access.at_least(partner, "superuser")


# (who, action owner) -> (sees, fields changeable, reads contact and outcome)
OWNER = access.ACTION_OWNER_FIELDS
CASES = [
    (("coordinator", "kommun", None), "police", True, "all", True),
    (("viewer", "kommun", None), "police", True, (), False),
    (("reporter", "police", None), "police", False, (), False),
    (("reporter", "police", "report,review"), "police", True, OWNER, True),
    (("reporter", "police", "report,review"), "school", True, (), False),
    (("reporter", "school", "report,review"), "school", True, OWNER, True),
    (("reporter", "police", "review,actions"), "school", True, "all", True),
    (("coordinator", "away", None), "police", False, (), False),
]


@pytest.mark.parametrize(("who", "owner", "sees", "fields", "private"), CASES)
def test_action_rules(world, who, owner, sees, fields, private):
    user = world["user"](*who) if who[:2] != ("coordinator", "kommun") else world["coordinator"]
    action = world[f"{owner}_action"]
    assert access.can_see_action(user, action) is sees
    allowed = access.action_fields_for(user, action)
    assert (len(allowed) == 8) if fields == "all" else allowed == fields
    assert access.can_read_action_private(user, action) is private
    if not sees:
        with pytest.raises(PermissionDenied):
            access.require_action(user, action)


def test_a_partner_updates_status_of_its_own_action_only(db_session, world):
    police = world["user"]("reporter", permissions="report,review")
    mine, theirs = world["police_action"], world["school_action"]
    action_service.update_action(db_session, police, mine.id,
                                 {"status": "in_progress", "outcome_note": "Lampor bytta"})
    db_session.refresh(mine)
    assert (mine.status, mine.outcome_note) == ("in_progress", "Lampor bytta")
    with pytest.raises(PermissionDenied):
        action_service.update_action(db_session, police, mine.id, {"title": "Annat"})
    with pytest.raises(PermissionDenied):
        action_service.update_action(db_session, police, theirs.id, {"status": "done"})
    with pytest.raises(PermissionDenied):
        action_service.create_action(db_session, police, area_id=mine.area_id, data={})
    db_session.refresh(theirs)
    assert theirs.status == "planned"


def test_set_permissions_and_back_to_role_defaults(db_session, world):
    world["user"]("viewer", "school")
    email = "viewer-school-d@x.example"
    assert users.set_permissions(db_session, email, "review,actions").permissions == \
        ["review", "actions"]
    assert access.actor_for(db_session, users.get_user(db_session, email).id).permissions == \
        {"review", "actions"}
    assert users.set_permissions(db_session, email, None).permissions is None
    with pytest.raises(ValidationError):
        users.set_permissions(db_session, email, "fly")


def test_demo_partners_report_and_review():
    accounts = {email: (role, perms) for email, _n, role, _o, perms in users.DEMO_ACCOUNTS}
    assert accounts["polis@hallsberg.example"] == ("reporter", ("report", "review"))
    assert accounts["hallbo@hallsberg.example"] == ("reporter", ("report", "review"))


# -- passwords ------------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "1234567890", "0987654321", "password123", "qwertyuiop", "Qwertyuiop", "sommar2024",
    "Sommar2024!", "hallsberg1", "2024vinter!", "aaaaaaaaaaaa", "abababababab",
    "123123123123", "lösenord2025", "losenord123", "valkommen1", "anna.svensson",
    "annasvensson", "anna.svensson1", "x" * 257,
])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError) as info:
        users.check_password(password, email="anna.svensson@kommun.example")
    assert list(info.value.errors) == ["password"]


@pytest.mark.parametrize("password", [
    PASSWORD, "Lila-Tåget-Kör-7", users.DEMO_PASSWORD, "trygga gator i vretstorp",
])
def test_good_passwords_pass(password):
    users.check_password(password, email="anna.svensson@kommun.example")


def test_the_blocklist_is_shipped_and_sizeable():
    words = users.common_passwords()
    assert len(words) > 5000
    assert {"1234567890", "password123", "qwertyuiop", "sommar", "hallsberg"} <= words
