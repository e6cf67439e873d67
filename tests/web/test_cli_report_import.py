"""``est reports import``: summary, errors with exit 1, --dry-run, re-import."""

import json

from sqlalchemy import func, select

from est.models import Report

CSV = ("Longitud;Latitud;Datum;Kategori\n"
       "15,1122;59,0651;2025-03-07 22:30;Skadegörelse\n"
       "15,1088;59,0672;2025-03-08;klotter\n")


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report)
                             .where(Report.source == "import"))


def test_import_prints_a_summary_and_reimport_adds_nothing(runner, db_session, make_area,
                                                           tmp_path):
    make_area()
    path = tmp_path / "historik.csv"
    path.write_text(CSV, encoding="utf-8")
    res = runner.invoke(args=["reports", "import", str(path), "--area", "1861"])
    assert res.exit_code == 0, res.output
    assert "Imported 2 new reports into Hallsberg (1861) from 2 rows; 0 already present" \
        in res.output
    assert "Period 2025-03-07 – 2025-03-08; 1 rows with a date only" in res.output
    assert "New by category: skadegorelse 1, klotter 1" in res.output
    assert count(db_session) == 2
    again = runner.invoke(args=["reports", "import", str(path)])  # default area EST_MUNICIPALITY
    assert again.exit_code == 0, again.output
    assert "Imported 0 new reports" in again.output and "2 already present" in again.output
    assert count(db_session) == 2


def test_dry_run_prints_the_summary_only(runner, db_session, make_area, tmp_path):
    make_area()
    path = tmp_path / "h.csv"
    path.write_text(CSV, encoding="utf-8")
    res = runner.invoke(args=["reports", "import", str(path), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "Would import 2 new reports" in res.output and "dry run, nothing written" in res.output
    assert count(db_session) == 0


def test_geojson_with_organisation_and_columns(runner, db_session, make_area, make_organisation,
                                               tmp_path):
    area = make_area()
    org = make_organisation("Hallbo AB", kind="bostadsbolag", area=area)
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.11, 59.06]},
         "properties": {"när": "2025-03-07 02:00", "vad": "Folksamling, gäng"}}]}),
        encoding="utf-8")
    res = runner.invoke(args=["reports", "import", str(path), "--columns", "time=när,category=vad",
                              "--organisation", "Hallbo AB", "--tz", "UTC"])
    assert res.exit_code == 0, res.output
    report = db_session.scalars(select(Report).where(Report.source == "import")).one()
    assert (report.organisation_id, report.kind, report.occurred_at.hour) == \
        (org.id, "otrygghet", 2)


def test_bad_rows_exit_1_with_line_numbers_and_write_nothing(runner, db_session, make_area,
                                                             tmp_path):
    make_area()
    path = tmp_path / "bad.csv"
    path.write_text("lon,lat,date,category\n15.11,59.06,2025-03-07,klotter\n"
                    "15.9,59.06,2025-03-07,klotter\n15.11,59.06,2099-01-01,graffiti\n",
                    encoding="utf-8")
    res = runner.invoke(args=["reports", "import", str(path)])
    assert res.exit_code == 1
    assert "2 of 3 rows have errors; nothing was imported" in res.output
    assert "line 3: (15.9, 59.06) is outside Hallsberg (1861)" in res.output
    assert "line 4: category 'graffiti' is unknown" in res.output
    assert "line 4: time 2099-01-01 00:00 is in the future" in res.output
    assert "Known categories" in res.output and "Traceback" not in res.output
    assert count(db_session) == 0


def test_unknown_area_and_missing_file_exit_1(runner, db_session, make_area, tmp_path):
    make_area()
    res = runner.invoke(args=["reports", "import", str(tmp_path / "none.csv")])
    assert res.exit_code == 1 and "does not exist" in res.output
    path = tmp_path / "h.csv"
    path.write_text(CSV, encoding="utf-8")
    res = runner.invoke(args=["reports", "import", str(path), "--area", "9999"])
    assert res.exit_code == 1 and "No municipality with code 9999" in res.output
