"""Staff pages under /underlag: sources with period and n, dialogues, survey upload, access."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from est.models.inputs import Dialogue, Survey

DATA = Path(__file__).resolve().parents[1] / "data" / "inputs"


def _dialogue_form(area_id: int, **extra) -> dict:
    form = {
        "kind": "medborgardialog", "title": "Dialog på Folkets hus", "held_on": "2025-04-02",
        "area": str(area_id),
        "participant_group": ["Elever åk 8", "Föräldrar", ""],
        "participant_count": ["24", "11", ""],
        "theme_category": ["klotter", "", ""], "theme_free": ["", "Mörk gångtunnel", ""],
        "theme_mentions": ["3", "2", ""],
        "quote": ["Vi vill ha bättre ljus vid stationen.", ""],
        "place_label": [], "place_lat": [], "place_lon": [], "place_id": [],
        "new_place_label": "Gångtunneln", "new_place_lat": "59.0651",
        "new_place_lon": "15.1122", "new_place_id": "",
    }
    form.update(extra)
    return form


def test_sources_page_lists_used_and_missing(client, sign_in, make_area, make_organisation,
                                             runner):
    area = make_area()
    sign_in("viewer", make_organisation(area=area))
    runner.invoke(args=["inputs", "import-police-events", str(DATA / "polisen_events.json")])
    res = client.get("/underlag?from=2025-01-01&to=2025-12-31")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert "Polisens händelser (polisen.se)" in html
    assert "2 händelser av 2 typer" in html
    assert "saknas för perioden" in html
    assert "kommun eller län som plats" in html
    bad = client.get("/underlag?from=2025-13-01")
    assert bad.status_code == 400 and "ÅÅÅÅ-MM-DD" in bad.get_data(as_text=True)
    assert client.get("/underlag/dialoger/ny").status_code == 403  # viewer: read only


def test_dialogue_create_show_edit(client, sign_in, make_area, make_organisation, db_session):
    area = make_area()
    sign_in("coordinator", make_organisation(area=area))
    assert client.get("/underlag/dialoger/ny").status_code == 200
    res = client.post("/underlag/dialoger/ny", data=_dialogue_form(area.id))
    assert res.status_code == 302, res.get_data(as_text=True)
    d = db_session.scalars(select(Dialogue)).one()
    assert d.participants == [{"group": "Elever åk 8", "count": 24},
                              {"group": "Föräldrar", "count": 11}]
    assert [(t.free_theme, t.mentions) for t in d.themes] == [(None, 3), ("Mörk gångtunnel", 2)]
    assert [p.label for p in d.places] == ["Gångtunneln"]
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "Vi vill ha bättre ljus vid stationen." in page and "Deltagare: 35" in page
    edit = client.get(f"/underlag/dialoger/{d.id}/andra").get_data(as_text=True)
    assert 'value="Gångtunneln"' in edit
    form = _dialogue_form(area.id, title="Ny rubrik", place_label=["Gångtunneln"],
                          place_lat=["59.0651"], place_lon=["15.1122"], place_id=[""],
                          new_place_label="", new_place_lat="", new_place_lon="")
    assert client.post(f"/underlag/dialoger/{d.id}/andra", data=form).status_code == 302
    db_session.expire_all()
    assert db_session.get(Dialogue, d.id).title == "Ny rubrik"
    listing = client.get("/underlag/dialoger?from=2025-01-01&to=2025-12-31")
    text = listing.get_data(as_text=True)
    assert "Mörk gångtunnel" in text and "Ny rubrik" in text


def test_bad_dialogue_names_fields_and_writes_nothing(client, sign_in, make_area,
                                                      make_organisation, db_session):
    area = make_area()
    sign_in("coordinator", make_organisation(area=area))
    form = _dialogue_form(area.id, title="", held_on="1999-01-01", kind="möte",
                          participant_count=["många", "11", ""],
                          theme_category=["finns-inte", "", ""],
                          new_place_lat="10.0", new_place_lon="10.0")
    res = client.post("/underlag/dialoger/ny", data=form)
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    for message in ("Rubrik måste fyllas i.", "Datumet kan inte vara före 2000-01-01.",
                    "Välj medborgardialog eller medarbetardialog.", "Ange ett heltal",
                    "Okänd kategori."):
        assert message in html
    outside = client.post("/underlag/dialoger/ny",
                          data=_dialogue_form(area.id, new_place_lat="10.0",
                                              new_place_lon="10.0"))
    assert outside.status_code == 400 and "ligger utanför Hallsberg" in \
        outside.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Dialogue)) == 0


def test_dialogue_of_another_municipality_is_not_found(client, sign_in, make_area,
                                                       make_organisation, make_actor,
                                                       db_session):
    from est.inputs.dialogues import create_dialogue

    other = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    actor = make_actor("coordinator", area=other)
    did = create_dialogue(db_session, actor, _dialogue_form(other.id, new_place_label="",
                                                            new_place_lat="",
                                                            new_place_lon=""))
    area = make_area()
    sign_in("coordinator", make_organisation(area=area))
    assert client.get(f"/underlag/dialoger/{did}").status_code == 404


def test_survey_upload(client, sign_in, make_area, make_organisation, db_session):
    area = make_area()
    sign_in("coordinator", make_organisation(area=area))
    data = {"kind": "polisens_trygghetsmatning", "period": "2025", "title": "",
            "map": "", "file": (io.BytesIO((DATA / "polisens_trygghetsmatning_2025.csv")
                                           .read_bytes()), "tm.csv")}
    res = client.post("/underlag/enkater", data=data, content_type="multipart/form-data")
    assert res.status_code == 302, res.get_data(as_text=True)
    survey = db_session.scalars(select(Survey)).one()
    assert survey.source_file == "tm.csv" and len(survey.results) == 3
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "Nedskräpning" in page and "412" in page
    bad = {"kind": "polisens_trygghetsmatning", "period": "2025",
           "file": (io.BytesIO((DATA / "polisens_trygghetsmatning_bad.csv").read_bytes()),
                    "bad.csv")}
    res = client.post("/underlag/enkater", data=bad, content_type="multipart/form-data")
    assert res.status_code == 400
    assert "line 2: problem index" in res.get_data(as_text=True)
    none = client.post("/underlag/enkater", data={"kind": "ntu", "period": "2025"},
                       content_type="multipart/form-data")
    assert none.status_code == 400 and "Välj en fil" in none.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Survey)) == 1


def test_statistics_upload(client, sign_in, make_area, make_organisation, db_session):
    from est.models.inputs import CrimeStatistic, PoliceEvent

    area = make_area()
    sign_in("coordinator", make_organisation(area=area))
    assert client.get("/underlag/statistik").status_code == 200
    res = client.post("/underlag/statistik", content_type="multipart/form-data", data={
        "kind": "police", "file": (io.BytesIO((DATA / "polisen_events.json").read_bytes()),
                                   "events.json")})
    assert res.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(PoliceEvent)) == 3
    bad = client.post("/underlag/statistik", content_type="multipart/form-data", data={
        "kind": "bra", "file": (io.BytesIO((DATA / "bra_anmalda_brott_bad.xlsx")
                                           .read_bytes()), "bra.xlsx")})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "bra.xlsx" in text and "row 6: region" in text
    assert db_session.scalar(select(func.count()).select_from(CrimeStatistic)) == 0
    wrong = client.post("/underlag/statistik", content_type="multipart/form-data", data={
        "kind": "bra", "file": (io.BytesIO(b"{}"), "bra.json")})
    assert wrong.status_code == 400 and ".xlsx" in wrong.get_data(as_text=True)
    unknown = client.post("/underlag/statistik", content_type="multipart/form-data",
                          data={"kind": "annat"})
    assert unknown.status_code == 400
