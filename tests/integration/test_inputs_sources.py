"""declared_sources: every input with its period and n, and the ones lacking for the period."""

from __future__ import annotations

from datetime import UTC, date, datetime

from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from est.inputs.sources import MISSING_NOTE, SOURCE_KEYS, declared_sources
from est.models.inputs import (
    CrimeStatistic,
    Dialogue,
    KpiValue,
    PoliceEvent,
    Population,
    Survey,
    SurveyResult,
    Walk,
    WalkObservation,
)

START, END = date(2025, 1, 1), date(2025, 12, 31)


def _by_key(rows):
    return {r.key: r for r in rows}


def test_every_source_is_declared_missing_on_an_empty_area(db_session, make_area):
    area = make_area()
    rows = declared_sources(db_session, area.id, START, END)
    assert [r.key for r in rows] == list(SOURCE_KEYS)
    assert all(not r.used and r.n is None and r.detail_sv == MISSING_NOTE for r in rows)
    assert all(r.label_sv for r in rows)


def test_present_sources_have_period_and_n(db_session, make_area, make_report, category):
    area = make_area()
    district = make_area(code="1861-C", name="Centrum", kind="district", parent=area,
                         bounds=(15.10, 59.05, 15.13, 59.08))
    at = datetime(2025, 3, 4, 12, tzinfo=UTC)
    make_report(area=area, occurred_at=at)
    make_report(area=area, occurred_at=datetime(2025, 5, 6, 12, tzinfo=UTC))
    make_report(area=area, occurred_at=datetime(2024, 5, 6, 12, tzinfo=UTC))  # outside
    make_report(area=area, occurred_at=at, source="digital_vandring")
    walk = Walk(area_id=district.id, title="Kvällsvandring", starts_at=at, status="finished",
                light="morker")
    walk.observations = [WalkObservation(geom=from_shape(Point(15.11, 59.06), srid=4326),
                                         observed_at=at, safety=2) for _ in range(3)]
    db_session.add(walk)
    db_session.add(Walk(area_id=area.id, title="Planerad", starts_at=at, status="planned"))
    db_session.add_all([
        Dialogue(area_id=district.id, kind="medborgardialog", title="Skolan",
                 held_on=date(2025, 4, 2), participants=[{"group": "Elever", "count": 24},
                                                         {"group": "Lärare", "count": 4}]),
        Dialogue(area_id=area.id, kind="medarbetardialog", title="Polisen",
                 held_on=date(2025, 9, 2), participants=[{"group": "Poliser"}]),
    ])
    survey = Survey(area_id=area.id, kind="polisens_trygghetsmatning", title="TM 2025",
                    period_start=START, period_end=END)
    survey.results = [
        SurveyResult(area_label="Hallsberg", question=q, measure="problem_index", value=v,
                     n=412) for q, v in (("Nedskräpning", 2.1), ("Skadegörelse", 1.4))]
    db_session.add(survey)
    db_session.add(PoliceEvent(id=1, occurred_at=at, name="4 mars, Misshandel, Hallsberg",
                               type="Misshandel", location_name="Hallsberg"))
    db_session.add_all([
        CrimeStatistic(region_code="1861", region_name="Hallsberg", crime_type="Skadegörelse",
                       period_kind="year", period_start=START, count=301),
        CrimeStatistic(region_code="1861", region_name="Hallsberg", crime_type="Misshandel",
                       period_kind="month", period_start=date(2025, 2, 1), count=9),
        CrimeStatistic(region_code="1880", region_name="Örebro", crime_type="Misshandel",
                       period_kind="year", period_start=START, count=1200),
        KpiValue(kpi="N07403", region_code="1861", year=2025, value=51.0),
    ])
    deso = make_area(code="1861C1010", name="DeSO 1861C1010", kind="deso", parent=area,
                     bounds=(15.10, 59.05, 15.12, 59.07))
    db_session.add(Population(region_kind="deso", region_code=deso.code, year=2024,
                              count=1830))
    db_session.flush()

    got = _by_key(declared_sources(db_session, area.id, START, END))
    assert got["reports"].used and got["reports"].n == 2
    assert (got["reports"].period_start, got["reports"].period_end) == (date(2025, 3, 4),
                                                                        date(2025, 5, 6))
    assert got["digital_vandring"].n == 1
    assert got["trygghetsvandringar"].n == 3
    assert got["trygghetsvandringar"].detail_sv == "1 vandring, 3 observationer"
    assert got["kolada"].detail_sv == "1 värde för 1 nyckeltal"
    assert got["bra_statistik"].detail_sv == "310 anmälda brott, 2 brottstyper"
    assert got["dialoger"].n == 28
    assert "2 dialoger" in got["dialoger"].detail_sv
    assert "saknas för 1" in got["dialoger"].detail_sv
    assert got["trygghetsmatning"].n == 412 and got["trygghetsmatning"].period_end == END
    assert "2 frågor" in got["trygghetsmatning"].detail_sv
    assert not got["ntu"].used and not got["kommun_enkat"].used
    assert got["polisens_handelser"].n == 1
    assert "kommun- eller länsnivå" in got["polisens_handelser"].detail_sv
    assert got["bra_statistik"].n == 310
    assert got["kolada"].n == 1
    assert got["scb_befolkning"].n == 1830
    assert got["scb_befolkning"].period_end == date(2024, 12, 31)

    # The district sees its own walk and dialogue, and the municipality's survey.
    sub = _by_key(declared_sources(db_session, district.id, START, END))
    assert sub["trygghetsvandringar"].n == 3
    assert sub["dialoger"].n == 28
    assert sub["trygghetsmatning"].used
    assert sub["kolada"].used

    # Another year: nothing, and each says so.
    other = _by_key(declared_sources(db_session, area.id, date(2022, 1, 1), date(2022, 6, 30)))
    assert not any(r.used for r in other.values())
