"""other_information: dialogue themes with n, surveys with margin and change, rates per 1,000."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from est.inputs.summary import margin_of_error, other_information
from est.models.inputs import (
    CrimeStatistic,
    Dialogue,
    DialogueTheme,
    KpiValue,
    PoliceEvent,
    Population,
    Survey,
    SurveyResult,
)

START, END = date(2025, 1, 1), date(2025, 12, 31)


def test_margin_of_error_for_a_share():
    assert margin_of_error(50.0, 400) == 4.9
    assert margin_of_error(50.0, None) is None
    assert margin_of_error(50.0, 0) is None
    assert margin_of_error(120.0, 100) is None


def test_other_information(db_session, make_area, make_report, category):
    area = make_area()
    district = make_area(code="1861-C", name="Centrum", kind="district", parent=area,
                         bounds=(15.10, 59.05, 15.13, 59.08))
    d1 = Dialogue(area_id=district.id, kind="medborgardialog", title="Skolan",
                  held_on=date(2025, 4, 2), participants=[{"group": "Elever", "count": 24}])
    d1.themes = [DialogueTheme(category_id=category("klotter").id, mentions=3),
                 DialogueTheme(free_theme="Mörk gångtunnel", mentions=2)]
    d2 = Dialogue(area_id=district.id, kind="medarbetardialog", title="Fritid",
                  held_on=date(2025, 5, 2), participants=[{"group": "Fritidsledare",
                                                           "count": 6}])
    d2.themes = [DialogueTheme(category_id=category("klotter").id, mentions=1)]
    db_session.add_all([d1, d2])
    for year, share in ((2024, 58.0), (2025, 62.0)):
        s = Survey(area_id=area.id, kind="kommun", title=f"Enkät {year}",
                   period_start=date(year, 1, 1), period_end=date(year, 12, 31))
        s.results = [SurveyResult(area_label="Hallsberg", question="Trygg ute på kvällen",
                                  measure="share_agree", value=share, n=400)]
        db_session.add(s)
    only_2025 = Survey(area_id=area.id, kind="ntu", title="NTU 2025", period_start=START,
                       period_end=END)
    only_2025.results = [SurveyResult(area_label="LPO Bergslagen", question="Oro för brott",
                                      measure="share", value=20.0, n=900,
                                      margin_of_error=2.5)]
    db_session.add(only_2025)
    deso = make_area(code="1861C1010", name="Hallsberg C", kind="deso", parent=area,
                     bounds=(15.10, 59.05, 15.12, 59.07))
    make_report(15.11, 59.06, area=area, occurred_at=datetime(2025, 3, 1, 12, tzinfo=UTC))
    make_report(15.16, 59.09, area=area, occurred_at=datetime(2025, 3, 1, 12, tzinfo=UTC))
    db_session.add_all([
        Population(region_kind="deso", region_code=deso.code, year=2024, count=2000),
        Population(region_kind="kommun", region_code="1861", year=2024, count=16000),
        CrimeStatistic(region_code="1861", region_name="Hallsberg", crime_type="Skadegörelse",
                       period_kind="year", period_start=START, count=320),
        CrimeStatistic(region_code="18", region_name="Örebro län", crime_type="Skadegörelse",
                       period_kind="year", period_start=START, count=5000, per_100k=1650.0),
        CrimeStatistic(region_code="00", region_name="Riket", crime_type="Skadegörelse",
                       period_kind="year", period_start=START, count=150000, per_100k=1420.0),
        KpiValue(kpi="N07403", kpi_title="Anmälda skadegörelsebrott", region_code="1861",
                 year=2025, value=20.1),
        KpiValue(kpi="N07403", region_code="0000", year=2025, value=14.0),
        PoliceEvent(id=11, occurred_at=datetime(2025, 2, 1, tzinfo=UTC), name="Brand",
                    type="Brand", location_name="Hallsberg"),
        PoliceEvent(id=12, occurred_at=datetime(2025, 2, 2, tzinfo=UTC), name="Brand 2",
                    type="Brand", location_name="HALLSBERG"),
        PoliceEvent(id=13, occurred_at=datetime(2025, 2, 3, tzinfo=UTC), name="Stöld",
                    type="Stöld", location_name="Hallsberg"),
        PoliceEvent(id=14, occurred_at=datetime(2025, 2, 3, tzinfo=UTC), name="Stöld",
                    type="Stöld", location_name="Örebro"),
    ])
    db_session.flush()

    info = other_information(db_session, area.id, START, END)
    dlg = info["dialogues"]
    assert dlg["n_dialogues"] == 2 and dlg["participants"] == 30
    klotter = next(t for t in dlg["themes"] if t["theme"] == category("klotter").label_sv)
    assert (klotter["area"], klotter["mentions"], klotter["dialogues"],
            klotter["participants"]) == ("Centrum", 4, 2, 30)
    assert any(t["theme"] == "Mörk gångtunnel" and t["participants"] == 24
               for t in dlg["themes"])

    surveys = info["surveys"]
    kommun = next(s for s in surveys if s["kind"] == "kommun")
    assert kommun["value"] == 62.0 and kommun["n"] == 400
    assert kommun["margin_of_error"] == 4.8
    assert kommun["previous"]["value"] == 58.0 and kommun["change"] == 4.0
    ntu = next(s for s in surveys if s["kind"] == "ntu")
    assert ntu["margin_of_error"] == 2.5  # given in the file, kept
    assert ntu["previous"] is None and ntu["change"] is None  # no earlier period: no change

    stats = info["statistics"]
    assert (stats["population"], stats["municipality_population_year"]) == (16000, 2024)
    crime = stats["crimes"][0]
    assert crime["municipality"] == {"count": 320, "per_1000": 20.0}
    assert crime["county"]["per_1000"] == 16.5 and crime["country"]["per_1000"] == 14.2
    assert stats["kpis"][0]["municipality"] == 20.1
    assert stats["kpis"][0]["country"] == 14.0
    assert stats["areas"] == [{"kind": "deso", "code": "1861C1010", "name": "Hallsberg C",
                               "population": 2000, "year": 2024, "reports": 1,
                               "per_1000": 0.5}]

    tables = {k: v for k, v in info.items() if k.startswith("table_")}
    assert set(tables) == {"table_dialogue_themes", "table_surveys", "table_crime_rates",
                           "table_kpis", "table_area_rates", "table_police_events"}
    for t in tables.values():  # plain JSON in the lägesbild's table shape
        assert {"title", "columns", "rows", "note"} <= set(t)
        assert all(len(row) == len(t["columns"]) for row in t["rows"])
        json.dumps(t)
    survey_rows = {row[0]: row for row in tables["table_surveys"]["rows"]}
    assert survey_rows["Kommunens enkät"][4:8] == ["62,0 %", "±4,8 procentenheter", 400,
                                                   "+4,0 (mot 2024)"]
    assert tables["table_crime_rates"]["rows"] == [["Skadegörelse", 320, "20", "16,5",
                                                    "14,2"]]

    events = info["police_events"]
    assert events["total"] == 3
    assert events["by_type"] == [{"type": "Brand", "count": 2}, {"type": "Stöld", "count": 1}]
    assert "kommun eller län" in events["precision_sv"]
