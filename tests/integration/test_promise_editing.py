"""Promise services: link/unlink actions, permissions, and all-or-nothing edits."""

from datetime import date

import pytest

from est.access import Actor
from est.errors import PermissionDenied, ValidationError
from est.models import Action
from est.models.promises import Promise, PromiseIndicator, PromiseItem, PromiseParty
from est.services import promises as service


def actor(role, area_id=None):
    return Actor(1, "a@example.se", "A", role, None, area_id)


@pytest.fixture
def setup(db_session, make_area, make_organisation, category):
    area = make_area()
    away = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    org = make_organisation("Hallsbergs kommun", "kommun", area=area)
    klotter = category("klotter").id
    party = PromiseParty(name="Polisen", kind="polis")
    promise = Promise(area_id=area.id, title="Löfte", period_start=date(2025, 1, 1),
                      period_end=date(2025, 12, 31), parties=[party],
                      items=[PromiseItem(party=party, text="Polisen lovar att …")],
                      indicators=[PromiseIndicator(kind="count_per_month", label="Klotter",
                                                   category_ids=[klotter])])
    here = Action(area_id=area.id, category_id=klotter, title="Sanering", organisation_id=org.id,
                  starts_on=date(2025, 2, 1))
    there = Action(area_id=away.id, category_id=klotter, title="Annan", organisation_id=org.id,
                   starts_on=date(2025, 2, 1))
    db_session.add_all([promise, here, there])
    db_session.flush()
    return {"promise": promise, "here": here, "there": there, "area": area, "away": away}


def test_link_action_is_idempotent_and_unlink_removes_it(db_session, setup):
    p, here = setup["promise"], setup["here"]
    service.link_action(db_session, actor("coordinator"), p.id, here.id)
    service.link_action(db_session, actor("admin"), p.id, here.id)
    db_session.expire_all()
    assert [a.id for a in service.get_promise(db_session, p.id).actions] == [here.id]
    effects = service.linked_action_effects(db_session, p, today=date(2025, 3, 1))
    assert [(e.action.id, e.explicit, e.follow.weeks) for e in effects] == [(here.id, True, 4)]
    assert service.linkable_actions(db_session, p) == []

    service.unlink_action(db_session, actor("coordinator"), p.id, here.id)
    db_session.expire_all()
    assert service.get_promise(db_session, p.id).actions == []
    with pytest.raises(ValidationError) as exc:
        service.unlink_action(db_session, actor("coordinator"), p.id, here.id)
    assert "action_id" in exc.value.errors


def test_link_refuses_other_areas_unknown_actions_and_non_managers(db_session, setup):
    p = setup["promise"]
    for action_id in (setup["there"].id, 0):
        with pytest.raises(ValidationError) as exc:
            service.link_action(db_session, actor("coordinator"), p.id, action_id)
        assert exc.value.errors == {"action_id": "Okänd åtgärd för det här området."}
    for who in (actor("viewer"), actor("reporter"), None,
                actor("coordinator", area_id=setup["away"].id)):
        with pytest.raises(PermissionDenied):
            service.link_action(db_session, who, p.id, setup["here"].id)
    db_session.expire_all()
    assert service.get_promise(db_session, p.id).actions == []


def test_update_is_all_or_nothing(db_session, setup):
    p = setup["promise"]
    data = service.form_data(p)
    data["title"] = "Nytt"
    data["parties"][0]["items"] = "Polisen lovar att patrullera."
    data["new_indicator"] = {"kind": "count_per_month", "label": "", "place": "area"}
    with pytest.raises(ValidationError) as exc:
        service.update_promise(db_session, actor("coordinator"), p.id, data)
    assert set(exc.value.errors) == {"new-label"}
    db_session.expire_all()
    stored = service.get_promise(db_session, p.id)
    assert stored.title == "Löfte" and [i.text for i in stored.items] == ["Polisen lovar att …"]
    assert len(stored.indicators) == 1

    data["new_indicator"]["label"] = "Alla rapporter per månad"
    service.update_promise(db_session, actor("coordinator"), p.id, data)
    db_session.expire_all()
    stored = service.get_promise(db_session, p.id)
    assert stored.title == "Nytt" and [i.text for i in stored.items] == [
        "Polisen lovar att patrullera."]
    assert [(i.label, i.position) for i in stored.indicators] == [
        ("Klotter", 0), ("Alla rapporter per månad", 1)]
    with pytest.raises(PermissionDenied):
        service.update_promise(db_session, actor("viewer"), p.id, data)
