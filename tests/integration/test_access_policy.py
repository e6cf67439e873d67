"""Access policy (est.access) and accounts (est.services.users): every role."""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import select

from est import access
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Report
from est.services import reports, users

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    return users.hash_password(PASSWORD)


@pytest.fixture
def world(db_session, make_area, make_organisation, make_report):
    """Two municipalities, two organisations in the first, one report each."""
    home = make_area()
    away = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    police = make_organisation(kind="polis", area=home)
    school = make_organisation(kind="skola", area=home)
    away_org = make_organisation(kind="kommun", area=away)
    rows = {
        "police": make_report(area=home, organisation_id=police.id),
        "school": make_report(area=home, organisation_id=school.id),
        "public": make_report(area=home, source="public", status="pending"),
        "away": make_report(15.2, 59.27, area=away, organisation_id=away_org.id),
    }

    def user(role, org=police):
        made = users.create_user(db_session, email=f"{role}{org.id}@x.example", name=role,
                                 role=role, organisation=org.id,
                                 password_hash=password_hash())
        return access.actor_for(db_session, made)

    return {"rows": rows, "user": user, "police": police, "school": school,
            "away_org": away_org}


EXPECTED = {  # action -> roles allowed by their default permission sets
    "report.create_staff": {"admin", "coordinator", "reporter"},
    "report.view": {"admin", "coordinator", "reporter"},
    "report.moderate": {"admin", "coordinator"},
    "aggregates.view": {"admin", "coordinator", "reporter", "viewer"},
    "review.view": {"admin", "coordinator", "viewer"},
    "users.manage": {"admin"},
    "promise.manage": {"admin", "coordinator"},
    "action.view": {"admin", "coordinator", "viewer"},
    "action.manage": {"admin", "coordinator"},
    "meeting.manage": {"admin", "coordinator"},
}


@pytest.mark.parametrize("role", ["admin", "coordinator", "reporter", "viewer", None])
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_can_matrix(role, action):
    user = access.Actor(1, "a@b.se", "A", role, None) if role else None
    assert access.can(user, action) is (role in EXPECTED[action])
    if role not in EXPECTED[action]:
        with pytest.raises(PermissionDenied):
            access.require(user, action)


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        access.can(None, "report.delete")


def _visible(db_session, user) -> set:
    ids = set(db_session.scalars(access.visible_reports(select(Report.id), user)))
    return ids


@pytest.mark.parametrize(("role", "sees"), [
    ("reporter", {"police"}),
    ("coordinator", {"police", "school", "public"}),
    ("admin", {"police", "school", "public"}),
    ("viewer", set()),
])
def test_visible_reports_by_role(db_session, world, role, sees):
    user = world["user"](role)
    expected = {world["rows"][k].id for k in sees}
    assert _visible(db_session, user) & {r.id for r in world["rows"].values()} == expected


def test_anonymous_sees_no_individual_reports(db_session, world):
    assert _visible(db_session, None) == set()


def test_coordinator_elsewhere_sees_only_their_municipality(db_session, world):
    coordinator = world["user"]("coordinator", world["away_org"])
    visible = _visible(db_session, coordinator) & {r.id for r in world["rows"].values()}
    assert visible == {world["rows"]["away"].id}


def test_admin_without_organisation_sees_everything(db_session, world):
    admin = access.actor_for(db_session, users.create_user(
        db_session, email="root@x.example", name="Root", role="admin", organisation=None,
        password_hash=password_hash()))
    assert {r.id for r in world["rows"].values()} <= _visible(db_session, admin)


def test_services_enforce_the_policy(db_session, world):
    reporter = world["user"]("reporter")
    viewer = world["user"]("viewer")
    school_report = world["rows"]["school"].id
    with pytest.raises(NotFound):
        reports.get_report(db_session, school_report, reporter)
    assert reports.get_report(db_session, world["rows"]["police"].id, reporter).organisation
    with pytest.raises(PermissionDenied):
        reports.list_reports(db_session, viewer)
    with pytest.raises(PermissionDenied):
        reports.get_report(db_session, school_report, viewer)
    listed = {r.id for r in reports.list_reports(db_session, reporter)}
    assert listed == {world["rows"]["police"].id}


def test_organisations_for_reporter_is_only_their_own(db_session, world):
    reporter = world["user"]("reporter")
    assert [o.id for o in reports.organisations_for(db_session, reporter)] == \
        [world["police"].id]
    coordinator = world["user"]("coordinator")
    ids = {o.id for o in reports.organisations_for(db_session, coordinator)}
    assert {world["police"].id, world["school"].id} <= ids
    assert world["away_org"].id not in ids


# -- accounts -------------------------------------------------------------------------------

def test_create_user_hashes_with_scrypt_and_authenticates(db_session, make_organisation):
    org = make_organisation()
    user = users.create_user(db_session, email=" Anna@Kommun.Example ", name="Anna",
                             role="coordinator", organisation=org.name, password=PASSWORD)
    assert user.email == "anna@kommun.example"
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    actor = users.authenticate(db_session, "anna@kommun.example", PASSWORD)
    assert actor is not None and actor.role == "coordinator"
    assert actor.organisation_id == org.id
    assert users.authenticate(db_session, "anna@kommun.example", "wrong password") is None
    assert users.authenticate(db_session, "nobody@kommun.example", PASSWORD) is None


def test_inactive_user_cannot_sign_in(db_session, make_organisation):
    org = make_organisation()
    user = users.create_user(db_session, email="b@x.example", name="B", role="viewer",
                             organisation=org.id, password_hash=password_hash())
    user.active = False
    db_session.flush()
    assert users.authenticate(db_session, "b@x.example", PASSWORD) is None
    assert users.load_actor(db_session, user.id) is None


@pytest.mark.parametrize(("kw", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"name": " "}, "name"),
    ({"role": "superuser"}, "role"),
    ({"organisation": "Finns inte AB"}, "org"),
    ({"role": "reporter", "organisation": None}, "org"),
    ({"password": "short"}, "password"),
])
def test_create_user_validation(db_session, make_organisation, kw, field):
    org = make_organisation()
    args = {"email": "c@x.example", "name": "C", "role": "viewer", "organisation": org.id,
            "password": PASSWORD, **kw}
    with pytest.raises(ValidationError) as info:
        users.create_user(db_session, **args)
    assert field in info.value.errors


def test_duplicate_email_is_rejected(db_session, make_organisation):
    org = make_organisation()
    users.create_user(db_session, email="d@x.example", name="D", role="viewer",
                      organisation=org.id, password_hash=password_hash())
    with pytest.raises(ValidationError) as info:
        users.create_user(db_session, email="D@x.example", name="D2", role="viewer",
                          organisation=org.id, password_hash=password_hash())
    assert "email" in info.value.errors
