"""Official statistics imports from files in the exact upstream formats: good and bad files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from est.errors import ValidationError
from est.inputs.bra import import_bra, parse_period
from est.inputs.kolada import import_kolada
from est.inputs.police import import_police_events, parse_event_time
from est.inputs.population import import_boundaries, import_population, region_kind
from est.models import Area
from est.models.inputs import CrimeStatistic, KpiValue, PoliceEvent, Population

DATA = Path(__file__).resolve().parents[1] / "data" / "inputs"


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_event_times_in_both_of_polisens_spellings():
    assert parse_event_time("2025-03-01 21:14:05 +01:00").isoformat() == \
        "2025-03-01T21:14:05+01:00"
    assert parse_event_time("2019-1-3 9:05:27 +01:00").isoformat() == \
        "2019-01-03T09:05:27+01:00"
    with pytest.raises(ValueError):
        parse_event_time("2025-03-01T21:14:05")


def test_police_events_import_maps_types_and_is_idempotent(db_session, category):
    result = import_police_events(db_session, DATA / "polisen_events.json")
    assert (result.records, result.new, result.updated) == (3, 3, 0)
    events = {e.id: e for e in db_session.scalars(select(PoliceEvent))}
    assert events[560281].category_id == category("vald_hot").id
    assert events[560300].category_id == category("skadegorelse").id
    assert events[560312].category_id is None  # a summary is no category
    assert events[560300].occurred_at.isoformat().startswith("2025-03-02T08:05:27")
    x, y = db_session.execute(select(func.ST_X(PoliceEvent.geom), func.ST_Y(PoliceEvent.geom))
                              .where(PoliceEvent.id == 560281)).one()
    assert (round(x, 4), round(y, 4)) == (15.1108, 59.0664)
    again = import_police_events(db_session, DATA / "polisen_events.json")
    assert (again.new, again.updated) == (0, 3)
    assert _count(db_session, PoliceEvent) == 3


def test_bad_police_file_names_records_and_writes_nothing(db_session):
    with pytest.raises(ValidationError) as err:
        import_police_events(db_session, DATA / "polisen_events_bad.json")
    text = str(err.value)
    assert "record 2: datetime 'igår kväll'" in text
    assert "record 3: location.gps '15.2'" in text
    assert _count(db_session, PoliceEvent) == 0


def test_bra_periods():
    assert parse_period("2025") == ("year", date(2025, 1, 1))
    assert parse_period("2025M03") == ("month", date(2025, 3, 1))
    assert parse_period("2025 mars") == ("month", date(2025, 3, 1))
    assert parse_period("Mars 2025") == ("month", date(2025, 3, 1))
    assert parse_period("Brottstyp") is None


def test_bra_excel_export(db_session, make_area):
    make_area()
    result = import_bra(db_session, DATA / "bra_anmalda_brott.xlsx")
    assert result.regions == ("00", "18", "1861") and result.crime_types == 2
    rows = {(r.region_code, r.crime_type, r.period_start.year): r
            for r in db_session.scalars(select(CrimeStatistic))}
    hb = rows[("1861", "Skadegörelsebrott", 2025)]
    assert (hb.count, hb.per_100k, hb.period_kind) == (320, 1998.1, "year")
    assert rows[("18", "Skadegörelsebrott", 2024)].count == 5011
    assert rows[("00", "Skadegörelsebrott", 2025)].region_name == "Riket"
    assert ("1861", "Misshandel", 2025) not in rows  # ".." is a missing value, not 0
    assert rows[("1861", "Misshandel", 2024)].count == 71
    import_bra(db_session, DATA / "bra_anmalda_brott.xlsx")
    assert _count(db_session, CrimeStatistic) == len(rows)
    monthly = import_bra(db_session, DATA / "bra_anmalda_brott_manad.xlsx")
    assert (monthly.first, monthly.last) == (date(2025, 1, 1), date(2025, 2, 1))


def test_bad_bra_file_names_rows_and_writes_nothing(db_session, make_area):
    make_area()
    with pytest.raises(ValidationError) as err:
        import_bra(db_session, DATA / "bra_anmalda_brott_bad.xlsx")
    text = str(err.value)
    assert "row 6: region 'Atlantis'" in text
    assert "row 7: value -3 is negative" in text
    assert _count(db_session, CrimeStatistic) == 0
    with pytest.raises(ValidationError, match="not an Excel"):
        import_bra(db_session, DATA / "kolada_N07403.json")


def test_kolada(db_session):
    result = import_kolada(db_session, DATA / "kolada_N07403.json",
                           title="Anmälda skadegörelsebrott per 1 000 inv")
    assert result.values == 2 and result.regions == ("0000", "1861")
    value = db_session.scalars(select(KpiValue).where(KpiValue.region_code == "1861")).one()
    assert (value.kpi, value.year, value.gender, value.value) == ("N07403", 2025, "T", 20.1)
    assert value.kpi_title.startswith("Anmälda")
    with pytest.raises(ValidationError) as err:
        import_kolada(db_session, DATA / "kolada_bad.json")
    assert "values[2]: municipality 'Hallsberg'" in str(err.value)
    assert _count(db_session, KpiValue) == 2


def test_population_json_stat2_and_csv(db_session):
    result = import_population(db_session, DATA / "scb_folkmangd_deso.json")
    assert result.rows == 6 and result.by_kind == {"deso": 4, "kommun": 2}
    assert result.years == (2023, 2024)
    pop = {(p.region_code, p.year): p.count for p in db_session.scalars(select(Population))}
    assert pop[("1861C1020", 2024)] == 2395 and pop[("1861", 2023)] == 16080
    csv_result = import_population(db_session, DATA / "scb_folkmangd_deso.csv")
    assert csv_result.rows == 4
    assert _count(db_session, Population) == 6


def test_bad_population_csv_names_lines(db_session):
    with pytest.raises(ValidationError) as err:
        import_population(db_session, DATA / "scb_folkmangd_bad.csv")
    text = str(err.value)
    assert "line 3: region 'Hallsberg'" in text
    assert "line 4: population '-4'" in text
    assert _count(db_session, Population) == 0


def test_region_kinds():
    assert [region_kind(c) for c in ("1861C1010", "1861R001", "1861", "18", "00")] == \
        ["deso", "regso", "kommun", "lan", "riket"]


def test_deso_boundaries_in_sweref99tm(db_session, make_area):
    muni = make_area()
    result = import_boundaries(db_session, DATA / "deso_1861.geojson")
    assert (result.created, result.kind, result.municipalities) == (2, "deso", ("1861",))
    desos = list(db_session.scalars(select(Area).where(Area.kind == "deso")
                                    .order_by(Area.code)))
    assert [(a.code, a.name, a.parent_id) for a in desos] == [
        ("1861C1010", "DeSO 1861C1010", muni.id), ("1861C1020", "DeSO 1861C1020", muni.id)]
    xmin = db_session.scalar(select(func.ST_XMin(Area.geom)).where(Area.id == desos[0].id))
    assert abs(xmin - 15.10) < 0.001  # reprojected from EPSG:3006 to WGS84
    again = import_boundaries(db_session, DATA / "deso_1861.geojson")
    assert (again.created, again.updated) == (0, 2)
    regso = import_boundaries(db_session, DATA / "regso_1861.geojson")
    assert regso.kind == "regso"
    assert db_session.scalar(select(Area.name).where(Area.kind == "regso")) == \
        "Hallsberg centrum"


def test_bad_deso_file_writes_nothing(db_session, make_area):
    make_area()
    with pytest.raises(ValidationError) as err:
        import_boundaries(db_session, DATA / "deso_bad.geojson")
    assert "feature 2: region 'Centrum'" in str(err.value)
    assert db_session.scalar(select(func.count()).select_from(Area)
                             .where(Area.kind == "deso")) == 0


def test_deso_of_a_municipality_not_imported_is_refused(db_session, make_area, tmp_path):
    make_area()
    data = json.loads((DATA / "deso_bad.geojson").read_text(encoding="utf-8"))
    data["features"] = [data["features"][2]]  # a DeSO of Stockholm (0180)
    path = tmp_path / "stockholm.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="municipality 0180 is not imported"):
        import_boundaries(db_session, path)
    assert db_session.scalar(select(func.count()).select_from(Area)
                             .where(Area.kind == "deso")) == 0
