"""CLI commands of the foundation: areas import, categories, demo, errors."""

import json

from sqlalchemy import func, select

from est.models import Area, Category, Report


def write(tmp_path, data, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_areas_import_reports_repairs(runner, tmp_path, db_session):
    bowtie = [[[15.0, 59.0], [15.2, 59.1], [15.2, 59.0], [15.0, 59.1], [15.0, 59.0]]]
    path = write(tmp_path, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kod": "1861", "namn": "Hallsberg"},
         "geometry": {"type": "Polygon", "coordinates": bowtie}}]})
    res = runner.invoke(args=["areas", "import", path, "--id-field", "kod",
                              "--name-field", "namn"])
    assert res.exit_code == 0, res.output
    assert "repaired Hallsberg (1861): Self-intersection" in res.output
    assert "Imported 1 areas (1 new" in res.output
    assert db_session.scalar(select(Area.name).where(Area.code == "1861")) == "Hallsberg"


def test_areas_import_wrong_crs_exits_nonzero(runner, tmp_path, db_session):
    path = write(tmp_path, {"type": "FeatureCollection",
                            "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
                            "features": []})
    res = runner.invoke(args=["areas", "import", path])
    assert res.exit_code == 1
    assert "WGS84" in res.output
    assert db_session.scalar(select(func.count()).select_from(Area)) == 0


def test_areas_import_missing_file(runner, tmp_path):
    res = runner.invoke(args=["areas", "import", str(tmp_path / "none.geojson")])
    assert res.exit_code == 1 and "does not exist" in res.output


def test_categories_seed_is_idempotent(runner, db_session):
    res = runner.invoke(args=["categories", "seed"])
    assert res.exit_code == 0 and "0 categories added" in res.output
    listed = runner.invoke(args=["categories", "list"])
    assert "narkotika" in listed.output and "belysning" in listed.output
    kinds = dict(db_session.execute(
        select(Category.kind, func.count()).group_by(Category.kind)).all())
    assert kinds["incident"] >= 10 and kinds["otrygghet"] >= 6


def test_demo_command(runner, db_session):
    res = runner.invoke(args=["demo", "--today", "2026-11-22"])
    assert res.exit_code == 0, res.output
    assert "reports 2025-11-22–2026-11-21" in res.output
    assert db_session.scalar(select(func.count()).select_from(Report)) > 10_000


def test_serve_refuses_a_busy_port_with_a_clear_message(runner):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = runner.invoke(args=["serve", "--port", str(port)])
    assert res.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in res.output


def test_demo_steps_are_found_in_a_fresh_process():
    """`est demo` in a fresh process (commands imported lazily) still makes the accounts."""
    import subprocess
    import sys

    code = ("import sys; from web.cli.demo import demo_steps; "
            "print([s.__name__ for s in demo_steps()]); print('web.cli.users' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "demo_reporting" in out
