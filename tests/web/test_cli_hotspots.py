"""``est hotspots`` in database mode and CSV mode, evaluate and backtest."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select

from est.models import Report
from est.models.hotspots import HotspotRun

END = datetime(2025, 3, 31, tzinfo=UTC)  # Monday; the window is 2025-03-24 .. 2025-03-30
STATION = (15.1122, 59.0651)


def town_points(seed=3):
    """Background over 13 weeks around Hallsberg plus a spot at the station last week."""
    rng = np.random.default_rng(seed)
    n_bg, n_spot = 500, 14
    lon = np.concatenate([rng.uniform(15.05, 15.17, n_bg),
                          rng.normal(STATION[0], 0.00025, n_spot)])
    lat = np.concatenate([rng.uniform(59.03, 59.10, n_bg),
                          rng.normal(STATION[1], 0.00013, n_spot)])
    secs = np.concatenate([rng.uniform(0, 13 * 7 * 86400, n_bg),
                           rng.uniform(12 * 7 * 86400 + 3600, 13 * 7 * 86400 - 3600, n_spot)])
    start = END - timedelta(weeks=13)
    times = [start + timedelta(seconds=float(s)) for s in secs]
    return lon, lat, times


@pytest.fixture
def stored_town(db_session, make_area, category):
    make_area()
    cat = category("klotter")
    lon, lat, times = town_points()
    db_session.add_all([
        Report(kind=cat.kind, category_id=cat.id, geom=from_shape(Point(a, b), srid=4326),
               occurred_at=t, status="reviewed", source="organisation")
        for a, b, t in zip(lon, lat, times, strict=True)
    ])
    db_session.flush()


def test_detect_database_table_and_save(runner, db_session, stored_town):
    args = ["hotspots", "detect", "--area", "1861", "--from", "2025-03-24", "--to", "2025-03-30"]
    res = runner.invoke(args=args)
    assert res.exit_code == 0, res.output
    assert "not saved" in res.output and " new " in res.output
    assert db_session.scalar(select(func.count()).select_from(HotspotRun)) == 0

    res = runner.invoke(args=[*args, "--save"])
    assert res.exit_code == 0, res.output
    run = db_session.scalars(select(HotspotRun)).one()
    assert f"run {run.id}" in res.output
    lineage = str(run.hotspots[0].lineage_id)
    assert lineage[:8] in res.output

    res = runner.invoke(args=[*args, "--save", "--format", "geojson"])
    assert res.exit_code == 0, res.output
    fc = json.loads(res.output)
    assert db_session.scalar(select(func.count()).select_from(HotspotRun)) == 1  # reused
    props = fc["features"][0]["properties"]
    assert props["lineage_id"] == lineage and props["class"] == "new"
    assert props["count"] >= 12 and props["by_category"] == {"klotter": props["count"]}
    lon, lat = props["centroid"]
    assert lon == pytest.approx(STATION[0], abs=0.001)
    assert lat == pytest.approx(STATION[1], abs=0.001)


def test_detect_database_bad_input(runner, db_session, stored_town):
    res = runner.invoke(args=["hotspots", "detect", "--area", "1861", "--from", "2020-01-01",
                              "--to", "2020-01-07"])
    assert res.exit_code == 1 and "Inga rapporter med datum mellan" in res.output
    res = runner.invoke(args=["hotspots", "detect", "--area", "0000"])
    assert res.exit_code == 1 and "No municipality with code 0000" in res.output
    res = runner.invoke(args=["hotspots", "detect", "--crs", "EPSG:4326"])
    assert res.exit_code == 2 and "not a projected CRS" in res.output
    res = runner.invoke(args=["hotspots", "detect", "--eps-m", "50"])
    assert res.exit_code == 2 and "--method dbscan" in res.output
    assert db_session.scalar(select(func.count()).select_from(HotspotRun)) == 0


@pytest.fixture
def csv_runner():
    """A CLI runner whose app points at a database that does not exist."""
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "DATABASE_URL": "postgresql+psycopg://nobody@/none?host=/nonexistent"})
    return app.test_cli_runner()


def write_csv(tmp_path, name="export.csv.gz"):
    lon, lat, times = town_points()
    lines = ["Datum;Kategori;E;N"] + [
        f"{t.astimezone().strftime('%Y-%m-%dT%H:%M:%S%z')};klotter;"
        f"{a:.6f};{b:.6f}".replace(".", ",")
        for a, b, t in zip(lon, lat, times, strict=True)
    ]
    path = tmp_path / name
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    return path


def test_detect_csv_without_database(csv_runner, tmp_path):
    path = write_csv(tmp_path)
    res = csv_runner.invoke(args=["hotspots", "detect", "--csv", str(path), "--columns",
                                  "lon=E,lat=N,time=Datum,category=Kategori",
                                  "--format", "geojson", "--crs", "EPSG:3006"])
    assert res.exit_code == 0, res.output
    fc = json.loads(res.output)
    (feature,) = fc["features"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["class"] == "new"
    assert feature["properties"]["lineage_id"] is None
    res = csv_runner.invoke(args=["hotspots", "detect", "--csv", str(path), "--columns",
                                  "lon=E,lat=N,time=Datum", "--baseline-weeks", "0"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("1 hot spots, default, 2025-03-24 00:00")


def test_detect_csv_bad_input(csv_runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat,date\n15.1,59.0,2025-03-01\n15.1,959.0,2025-03-02\n")
    res = csv_runner.invoke(args=["hotspots", "detect", "--csv", str(bad)])
    assert res.exit_code == 1 and "line 3: coordinates" in res.output
    res = csv_runner.invoke(args=["hotspots", "detect", "--csv", str(tmp_path / "no.csv")])
    assert res.exit_code == 1 and "does not exist" in res.output
    good = write_csv(tmp_path)
    res = csv_runner.invoke(args=["hotspots", "detect", "--csv", str(good), "--columns",
                                  "lon=E,lat=N,time=Datum", "--from", "2019-01-01",
                                  "--to", "2019-01-07"])
    assert res.exit_code == 1 and "Inga rapporter i" in res.output
    res = csv_runner.invoke(args=["hotspots", "detect", "--csv", str(good), "--save"])
    assert res.exit_code == 2 and "need the database" in res.output


def test_evaluate_prints_recall_and_precision(csv_runner):
    res = csv_runner.invoke(args=["hotspots", "evaluate", "--scales", "2000", "--seeds", "1",
                                  "--methods", "default,plain-dbscan"])
    assert res.exit_code == 0, res.output
    rows = [line.split() for line in res.output.splitlines() if line.startswith("2,000")]
    assert [r[2] for r in rows[:2]] == ["default", "plain-dbscan"]
    assert float(rows[0][3]) >= 0.9 and float(rows[0][4]) >= 0.9
    assert "recent → new" in res.output and len(rows) == 3  # the classes row
    res = csv_runner.invoke(args=["hotspots", "evaluate", "--methods", "magic"])
    assert res.exit_code == 2
    res = csv_runner.invoke(args=["hotspots", "evaluate", "--scales", "2000", "--seeds", "1",
                                  "--methods", "default", "--crs", "EPSG:26916"])
    assert res.exit_code == 0 and "in EPSG:26916" in res.output
    res = csv_runner.invoke(args=["hotspots", "evaluate", "--crs", "EPSG:4326"])
    assert res.exit_code == 2 and "not a projected CRS" in res.output


def test_backtest_on_a_csv(csv_runner, tmp_path):
    rng = np.random.default_rng(5)
    n = 3000
    lon = np.concatenate([rng.uniform(15.05, 15.17, n), rng.normal(15.11, 0.0002, 600)])
    lat = np.concatenate([rng.uniform(59.03, 59.10, n), rng.normal(59.06, 0.0001, 600)])
    start = datetime(2024, 1, 1)
    secs = rng.uniform(0, 12 * 7 * 86400, lon.size)
    path = tmp_path / "history.csv"
    path.write_text("longitude,latitude,date\n" + "\n".join(
        f"{a},{b},{(start + timedelta(seconds=float(s))).isoformat()}"
        for a, b, s in zip(lon, lat, secs, strict=True)))
    res = csv_runner.invoke(args=["hotspots", "backtest", "--csv", str(path), "--train-weeks",
                                  "6", "--test-weeks", "3", "--methods", "default"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if x.startswith("default"))
    pai_value = float(line.split()[3])
    assert pai_value > 5
    assert res.output.count("prior-counts grid") == 2
    res = csv_runner.invoke(args=["hotspots", "backtest", "--csv", str(path), "--train-weeks",
                                  "52"])
    assert res.exit_code == 1 and "too short" in res.output


def test_detect_database_coverage_mode(runner, db_session, stored_town):
    args = ["hotspots", "detect", "--area", "1861", "--from", "2025-03-24", "--to",
            "2025-03-30", "--coverage", "0.02", "--save"]
    res = runner.invoke(args=args)
    assert res.exit_code == 0, res.output
    assert "coverage 2 % of the area" in res.output and "places from 12 weeks" in res.output
    run = db_session.scalars(select(HotspotRun)).one()
    assert run.parameters["mode"] == "coverage" and run.parameters["coverage"] == 0.02
    used = run.parameters["used"]
    assert used["flagged_m2"] <= 0.02 * used["study_area_m2"] and run.hotspots
    res = runner.invoke(args=[*args[:-3], "--coverage", "0.9"])
    assert res.exit_code == 2 and "--coverage" in res.output


@pytest.fixture
def stored_months(db_session, make_area, category):
    """Hallsberg, October 2024 – March 2025: background and a steady spot at the station."""
    make_area()
    cat = category("klotter")
    rng = np.random.default_rng(8)
    n_bg, n_spot = 600, 180
    lon = np.concatenate([rng.uniform(15.05, 15.17, n_bg), rng.normal(STATION[0], 0.0002, n_spot)])
    lat = np.concatenate([rng.uniform(59.03, 59.10, n_bg), rng.normal(STATION[1], 0.0001, n_spot)])
    start = datetime(2024, 9, 30, 22, tzinfo=UTC)
    secs = rng.uniform(0, (datetime(2025, 3, 31, 22, tzinfo=UTC) - start).total_seconds(),
                       lon.size)
    db_session.add_all([
        Report(kind=cat.kind, category_id=cat.id, geom=from_shape(Point(a, b), srid=4326),
               occurred_at=start + timedelta(seconds=float(s)), status="reviewed",
               source="organisation")
        for a, b, s in zip(lon, lat, secs, strict=True)
    ])
    db_session.flush()


def test_backtest_on_the_database_table_and_json(runner, stored_months):
    args = ["hotspots", "backtest", "--db", "--area", "1861", "--months", "2",
            "--train-months", "3"]
    res = runner.invoke(args=args)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Prövning på egna data, Hallsberg (1861): 2 månader 2025-02 – 2025-03" in out
    assert "täckningsläge 2,0 % av ytan" in out and "från de 3 månaderna före" in out
    for label in ("standard (platser)", "rutnät 25 m", "rutnät 150 m", "KDE 200 m",
                  "träffandel", "Jaccard mån–mån"):
        assert label in out
    row = next(line for line in out.splitlines() if line.startswith("standard"))
    pai = float(row.split()[4].replace(",", "."))
    assert pai > 5

    res = runner.invoke(args=[*args, "--format", "json", "--coverage", "0"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["mode"] == "significance" and data["share"] is None
    assert [m["month"] for m in data["months"]] == ["2025-02", "2025-03"]
    d = data["rows"][0]
    assert d["method"] == "default" and d["hit_rate"] > 0.1 and d["test_reports"] > 150


def test_backtest_database_bad_input(runner, stored_months):
    res = runner.invoke(args=["hotspots", "backtest"])
    assert res.exit_code == 2 and "--db" in res.output
    res = runner.invoke(args=["hotspots", "backtest", "--db", "--coverage", "0.7"])
    assert res.exit_code == 2 and "--coverage" in res.output
    res = runner.invoke(args=["hotspots", "backtest", "--db", "--area", "0000"])
    assert res.exit_code == 1 and "0000" in res.output
    res = runner.invoke(args=["hotspots", "backtest", "--db", "--area", "1861", "--months",
                              "12"])
    assert res.exit_code == 0, res.output  # fewer months tested when the data are shorter
    assert "5 månader 2024-11 – 2025-03" in res.output
