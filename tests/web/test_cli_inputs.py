"""``est inputs``: each import from a file, errors with exit 1 and nothing written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from est.models.inputs import CrimeStatistic, PoliceEvent, Population, Survey

DATA = Path(__file__).resolve().parents[1] / "data" / "inputs"


def _n(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_import_survey(runner, db_session, make_area):
    make_area()
    res = runner.invoke(args=["inputs", "import-survey",
                              str(DATA / "kommun_enkat_2025.xlsx"), "--kind", "kommun",
                              "--period", "2025", "--area", "1861", "--map", "Stadsdel=area",
                              "--map", "Svarande=n"])
    assert res.exit_code == 0, res.output
    assert "(kommun, 2025-01-01 – 2025-12-31): 2 results, 2 areas" in res.output
    bad = runner.invoke(args=["inputs", "import-survey",
                              str(DATA / "polisens_trygghetsmatning_bad.csv"), "--kind",
                              "polisens_trygghetsmatning", "--period", "2025"])
    assert bad.exit_code == 1
    assert "line 2: problem index '7,5' is not from 0 to 6" in bad.output
    assert _n(db_session, Survey) == 1
    no_period = runner.invoke(args=["inputs", "import-survey", str(DATA / "ntu_lpo_2025.csv"),
                                    "--kind", "ntu", "--period", "i fjol"])
    assert no_period.exit_code == 1 and "period" in no_period.output


def test_official_statistics(runner, db_session, make_area):
    make_area()
    for args, expected in (
        (["import-police-events", "polisen_events.json"], "Imported 3 events: 3 new"),
        (["import-bra", "bra_anmalda_brott.xlsx"], "crime types in regions 00, 18, 1861"),
        (["import-kolada", "kolada_N07403.json"], "Imported 2 values of N07403"),
        (["import-population", "scb_folkmangd_deso.json"], "Imported 6 population figures"),
        (["import-deso", "deso_1861.geojson"], "Imported 2 deso areas (2 new, 0 updated)"),
    ):
        res = runner.invoke(args=["inputs", args[0], str(DATA / args[1])])
        assert res.exit_code == 0, res.output
        assert expected in res.output
    assert "Types without a category" not in res.output
    listing = runner.invoke(args=["inputs", "sources", "--area", "1861", "--from",
                                  "2025-01-01", "--to", "2025-12-31"])
    assert listing.exit_code == 0, listing.output
    assert "Polisens händelser" in listing.output and "saknas för perioden" in listing.output
    assert "x Befolkning per DeSO/RegSO (SCB)" in listing.output


def test_bad_files_exit_1_and_write_nothing(runner, db_session, make_area):
    make_area()
    for command, name, message, model in (
        ("import-police-events", "polisen_events_bad.json", "record 2", PoliceEvent),
        ("import-bra", "bra_anmalda_brott_bad.xlsx", "row 6", CrimeStatistic),
        ("import-population", "scb_folkmangd_bad.csv", "line 3", Population),
    ):
        res = runner.invoke(args=["inputs", command, str(DATA / name)])
        assert res.exit_code == 1, res.output
        assert "Error:" in res.output and message in res.output
        assert _n(db_session, model) == 0
    missing = runner.invoke(args=["inputs", "import-kolada", str(DATA / "saknas.json")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
