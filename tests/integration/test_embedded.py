"""The embedded PostgreSQL + PostGIS cluster: init, start, second start, stop, stale pid."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from est.config import load_settings
from est.db import make_engine
from est.embedded import EmbeddedCluster


@pytest.fixture
def scratch():
    """A directory the postgres user can enter (pytest's tmp dirs are private to root)."""
    base = load_settings({}).var_dir / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=base))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def cluster(scratch):
    c = EmbeddedCluster(scratch / "var", port=54391)
    yield c
    c.stop(log=lambda _m: None)


def test_lifecycle(cluster, monkeypatch):
    log: list[str] = []
    assert cluster.status().startswith("not initialised")
    assert cluster.start(log=log.append) is True
    assert any("Initialising" in m for m in log)
    assert cluster.is_running()
    assert (cluster.socket_dir / f".s.PGSQL.{cluster.port}").exists()

    eng = make_engine(cluster.url())
    with eng.connect() as conn:
        assert conn.execute(text("SELECT postgis_lib_version()")).scalar_one().startswith("3")
        # socket only: no TCP listener that could clash with a system PostgreSQL
        assert conn.execute(text("SHOW listen_addresses")).scalar_one() == ""
    eng.dispose()

    assert cluster.start(log=log.append) is False  # second start finds it running
    assert cluster.stop(log=log.append) is True
    assert not cluster.is_running()
    assert cluster.status().startswith("stopped")
    assert cluster.stop(log=log.append) is False


def test_stale_pid_file_is_removed(cluster):
    cluster.start(log=lambda _m: None)
    cluster.stop(log=lambda _m: None)
    dead = subprocess.Popen(["true"])
    dead.wait()
    pid_file = cluster.data_dir / "postmaster.pid"
    pid_file.write_text(f"{dead.pid}\n{cluster.data_dir}\n")
    log: list[str] = []
    assert cluster.start(log=log.append) is True
    assert any("stale pid file" in m for m in log)
    assert cluster.is_running()


def test_cli_db_status_and_start(scratch, monkeypatch):
    from click.testing import CliRunner

    from web.cli import cli

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("EST_VAR_DIR", str(scratch / "var"))
    monkeypatch.setenv("EST_EMBEDDED_PORT", "54392")
    runner = CliRunner()
    status = runner.invoke(cli, ["db", "status"])
    assert status.exit_code == 1 and "not initialised" in status.output
    try:
        started = runner.invoke(cli, ["db", "start"])
        assert started.exit_code == 0, started.output
        assert "Started: running" in started.output
        again = runner.invoke(cli, ["db", "start"])
        assert "Already running" in again.output
        assert runner.invoke(cli, ["db", "status"]).exit_code == 0
    finally:
        stopped = runner.invoke(cli, ["db", "stop"])
    assert "Stopped." in stopped.output
