"""Dialogue service: permissions, the own municipality, replace on edit, theme summary."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from est.errors import NotFound, PermissionDenied, ValidationError
from est.inputs import dialogues
from est.inputs.scope import scope_of
from est.inputs.summary import dialogue_themes
from est.models.inputs import Dialogue, DialogueTheme


def _values(area_id: int, **extra) -> dict:
    values = {"kind": "medarbetardialog", "title": "Fritidsgården", "held_on": "2025-05-02",
              "area": str(area_id), "participant_group": ["Fritidsledare"],
              "participant_count": ["6"], "theme_category": ["", "narkotika"],
              "theme_free": ["Mopedåkning på gångvägar", ""], "theme_mentions": ["4", ""],
              "quote": ["Det är mörkt bakom skolan."],
              "place_label": ["Bakom skolan"], "place_lat": ["59,0651"],
              "place_lon": ["15,1122"], "place_id": [""]}
    values.update(extra)
    return values


def test_create_edit_and_summarise(db_session, make_area, make_actor):
    area = make_area()
    actor = make_actor("coordinator", area=area)
    did = dialogues.create_dialogue(db_session, actor, _values(area.id))
    d = dialogues.get_dialogue(db_session, actor, did)
    assert d["participant_total"] == 6 and d["places"][0]["lat"] == 59.0651
    assert [(t["label"], t["mentions"]) for t in d["themes"]] == [
        ("Mopedåkning på gångvägar", 4), ("Narkotika", 1)]
    again = dialogues.form_values(d)
    again["quote"] = []
    dialogues.update_dialogue(db_session, actor, did, again)
    assert dialogues.get_dialogue(db_session, actor, did)["quotes"] == []
    assert db_session.scalar(select(func.count()).select_from(DialogueTheme)) == 2
    themes = dialogue_themes(db_session, scope_of(db_session, area.id), date(2025, 1, 1),
                             date(2025, 12, 31))
    assert themes["n_dialogues"] == 1 and themes["participants"] == 6
    listed = dialogues.list_dialogues(db_session, actor, area.id, date(2025, 1, 1),
                                      date(2025, 12, 31))
    assert [(r["title"], r["participants"], r["themes"]) for r in listed] == [
        ("Fritidsgården", 6, 2)]


def test_permissions_and_municipality(db_session, make_area, make_actor):
    area = make_area()
    other = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    viewer = make_actor("viewer", area=area)
    with pytest.raises(PermissionDenied):
        dialogues.create_dialogue(db_session, viewer, _values(area.id))
    coordinator = make_actor("coordinator", area=area)
    with pytest.raises(ValidationError) as err:
        dialogues.create_dialogue(db_session, coordinator,
                                  _values(other.id, place_label=[], place_lat=[],
                                          place_lon=[]))
    assert "area" in err.value.errors
    did = dialogues.create_dialogue(db_session, coordinator, _values(area.id))
    assert dialogues.get_dialogue(db_session, viewer, did)["title"] == "Fritidsgården"
    stranger = make_actor("coordinator", area=other)
    with pytest.raises(NotFound):
        dialogues.get_dialogue(db_session, stranger, did)
    with pytest.raises(NotFound):
        dialogues.update_dialogue(db_session, stranger, did, _values(other.id))


def test_bounds_name_the_rows(db_session, make_area, make_actor):
    area = make_area()
    actor = make_actor("coordinator", area=area)
    bad = _values(area.id, participant_group=["", "Elever"], participant_count=["3", "x"],
                  quote=["ok", "", "c" * 1001], place_lat=["91"], place_lon=["15"],
                  title="t" * 201, held_on="2101-01-01")
    with pytest.raises(ValidationError) as err:
        dialogues.create_dialogue(db_session, actor, bad)
    e = err.value.errors
    assert set(e) >= {"participant-1", "participant-2", "quote-3", "place-1", "title",
                      "held_on"}
    assert "inga namn" in e["participant-1"]
    too_many = _values(area.id, quote=[f"q{i}" for i in range(51)])
    with pytest.raises(ValidationError) as err:
        dialogues.create_dialogue(db_session, actor, too_many)
    assert "quotes" in err.value.errors
    assert db_session.scalar(select(func.count()).select_from(Dialogue)) == 0
