"""Read replica (est.replica) on a real primary + hot standby in streaming replication,
and a job worker that is given nothing but REDIS_URL and DATABASE_URL (issue 13).

The module starts its own two clusters (unix sockets only) in a directory the postgres user
can enter: ``initdb`` + Alembic on the primary, ``pg_basebackup -R`` for the standby.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from est import jobs, migrate
from est.config import load_settings
from est.db import make_engine, transaction
from est.embedded import EmbeddedCluster, find_pg_bin
from est.models import Category
from est.services.categories import seed_categories
from tests.servers import private_redis
from web.db import PRIMARY_COOKIE, database, get_session

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PROBE = "replica-probe"


def _pg(tool: str, *args: str) -> None:
    cmd = [str(find_pg_bin() / tool), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", os.environ.get("EST_PG_USER", "postgres"), "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
    assert result.returncode == 0, f"{tool}: {result.stderr}"


@dataclass
class Pair:
    primary: EmbeddedCluster
    standby: EmbeddedCluster
    primary_engine: Engine

    def start_standby(self) -> None:
        s = self.standby
        opts = (f"-c listen_addresses='' -c unix_socket_directories='{s.socket_dir}' "
                f"-p {s.port} -c fsync=off -c hot_standby=on")
        _pg("pg_ctl", "-D", str(s.data_dir), "-l", str(s.log_file), "-w", "-t", "60",
            "-o", opts, "start")

    def stop_standby(self) -> None:
        _pg("pg_ctl", "-D", str(self.standby.data_dir), "-m", "fast", "-w", "stop")

    def standby_sql(self, sql: str) -> str:
        return self.standby.psql("est", sql).strip()

    def wait_replayed(self, timeout: float = 20) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        with self.primary_engine.connect() as conn:
            lsn = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.standby_sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t":
                return
            time.sleep(0.05)
        raise AssertionError("the standby did not replay the primary's WAL")


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    base = load_settings({}).var_dir / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(dir=base, prefix="replica-"))
    root.chmod(0o755)
    primary = EmbeddedCluster(root / "primary", port=54401)
    standby = EmbeddedCluster(root / "standby", port=54402)
    engine = None
    try:
        primary.start(log=lambda _m: None)
        engine = make_engine(primary.url())
        migrate.upgrade(engine, "heads")
        with Session(engine) as session:
            seed_categories(session)
            session.commit()
        _load_demo(primary.url())
        standby.var_dir.mkdir()
        standby.socket_dir.mkdir()
        for path in (standby.var_dir, standby.socket_dir):
            standby._own(path, mode=0o755)
        _pg("pg_basebackup", "-D", str(standby.data_dir), "-R", "-X", "stream", "-c", "fast",
            "-h", str(primary.socket_dir), "-p", str(primary.port), "-U", "postgres")
        result = Pair(primary, standby, engine)
        result.start_standby()
        assert result.standby_sql("SELECT pg_is_in_recovery()") == "t"
        yield result
    finally:
        if engine is not None:
            engine.dispose()
        if standby.is_running():
            standby.stop(log=lambda _m: None)
        primary.stop(log=lambda _m: None)
        shutil.rmtree(root, ignore_errors=True)


def _load_demo(url: str) -> None:
    """``est demo`` on the primary: Hallsberg, a year of reports, the demo accounts."""
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["demo"])
    app.extensions["est_db"].dispose()
    assert result.exit_code == 0, result.output


@pytest.fixture
def app(pair: Pair):
    from web import create_app

    pair.standby_sql("SELECT pg_wal_replay_resume()")
    with pair.primary_engine.begin() as conn:
        conn.execute(text("DELETE FROM category WHERE code = :c"), {"c": PROBE})
    pair.wait_replayed()
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "DATABASE_URL": pair.primary.url(),
                      "DATABASE_REPLICA_URL": pair.standby.url()})
    yield app
    app.extensions["est_db"].dispose()


def _in_recovery(session: Session) -> bool:
    return session.execute(text("SELECT pg_is_in_recovery()")).scalar_one()


def _insert_probe(pair: Pair) -> None:
    with pair.primary_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO category (code, kind, label_sv, label_en, active, sort_order) "
            "SELECT :c, kind, 'Replikaprov', 'Replica probe', true, 0 FROM category LIMIT 1"),
            {"c": PROBE})


def test_get_reads_the_standby_and_writes_go_to_the_primary(app, pair):
    with app.test_request_context("/", method="GET"):
        session = get_session()
        assert _in_recovery(session) is True  # a plain read of a GET: the standby
        assert database().replica.last_lag is not None
        session.add(Category(code=PROBE, kind="otrygghet", label_sv="Replikaprov",
                             label_en="Replica probe"))
        session.commit()  # the flush went to the primary (a standby refuses writes)
        assert _in_recovery(session) is False  # and reads after the write stay there
    with app.test_request_context("/", method="GET"):
        session = get_session()
        assert _in_recovery(session) is True
        with transaction(session):
            assert _in_recovery(session) is False  # reads inside a write transaction
    for method in ("POST", "PUT", "DELETE"):
        with app.test_request_context("/", method=method):
            assert _in_recovery(get_session()) is False
    with app.app_context():  # CLI commands and jobs
        assert _in_recovery(get_session()) is False


def test_a_get_page_shows_what_the_standby_has_replayed(app, pair):
    client = app.test_client()
    pair.standby_sql("SELECT pg_wal_replay_pause()")
    _insert_probe(pair)  # on the primary only, while the standby does not replay
    page = client.get("/open311/v2/services.json")
    assert page.status_code == 200 and "Replikaprov" not in page.text
    assert "est_primary" not in page.headers.get("Set-Cookie", "")
    client.set_cookie(PRIMARY_COOKIE, "1")  # a browser that just wrote reads the primary
    assert "Replikaprov" in client.get("/open311/v2/services.json").text
    client.delete_cookie(PRIMARY_COOKIE)
    pair.standby_sql("SELECT pg_wal_replay_resume()")
    pair.wait_replayed()
    database_router = app.extensions["est_db"].replica
    database_router.check_interval = 0
    assert "Replikaprov" in client.get("/open311/v2/services.json").text


def test_read_heavy_pages_read_only_from_the_standby(app, pair):
    """Public home page and GeoJSON, Open311 and API reads, the staff report list and its
    search, the lägesbild and the review page: every statement of these GETs runs on the
    standby engine, none on the primary."""
    from sqlalchemy import event

    db = app.extensions["est_db"]
    seen = {"primary": [], "replica": []}
    for name, engine in (("primary", db.engine), ("replica", db.replica.engine)):
        event.listen(engine, "before_cursor_execute",
                     lambda *a, _n=name, **k: seen[_n].append(a[2]))
    client = app.test_client()
    response = client.post("/logga-in", data={"email": "samordnare@hallsberg.example",
                                              "password": "demo-hallsberg-1861"})
    assert response.status_code == 302 and PRIMARY_COOKIE in response.headers["Set-Cookie"]
    client.delete_cookie(PRIMARY_COOKIE)  # as after EST_REPLICA_MAX_LAG_SECONDS
    week = client.get("/granskning")
    assert week.status_code == 302
    # The first view of a week stores its hot spot run: a write, so that request (and the
    # browser, by the cookie) reads from the primary. Later views only read.
    for path in (week.headers["Location"], "/lagesbild"):
        assert client.get(path).status_code == 200, path
    client.delete_cookie(PRIMARY_COOKIE)
    pair.wait_replayed()
    # admin.setup re-reads the stored settings from the primary every 30 s; not in this loop
    app.config["EST_SETTINGS_READ_AT"] = time.monotonic()
    seen["primary"].clear()
    seen["replica"].clear()
    for path in ("/", "/rutor.geojson", "/open311/v2/services.json",
                 "/open311/v2/requests.json", "/api/v1/cells.geojson", "/personal/rapporter",
                 "/personal/rapporter?q=klotter", "/lagesbild", week.headers["Location"]):
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        assert seen["replica"], path
        assert not seen["primary"], (path, [sql[:60] for sql in seen["primary"]])
        seen["replica"].clear()
    assert "Hallsberg" in page.text  # the review page of the demo municipality


def test_a_lagging_standby_is_bypassed(app, pair):
    router = app.extensions["est_db"].replica
    router.check_interval = 0
    router.max_lag_seconds = 1
    client = app.test_client()
    with pair.primary_engine.begin() as conn:
        conn.execute(text("UPDATE category SET sort_order = sort_order WHERE id = "
                          "(SELECT min(id) FROM category)"))
    pair.wait_replayed()
    pair.standby_sql("SELECT pg_wal_replay_pause()")
    _insert_probe(pair)
    time.sleep(1.3)  # the last replayed commit is now more than 1 s old
    assert "Replikaprov" in client.get("/open311/v2/services.json").text
    assert router.last_lag is not None and router.last_lag > 1
    with app.test_request_context("/", method="GET"):
        assert _in_recovery(get_session()) is False


def test_a_stopped_standby_falls_back_to_the_primary(app, pair):
    router = app.extensions["est_db"].replica
    router.check_interval = 0
    client = app.test_client()
    assert client.get("/open311/v2/services.json").status_code == 200
    pair.stop_standby()
    try:
        page = client.get("/open311/v2/services.json")
        assert page.status_code == 200 and len(page.json) > 0  # read from the primary
        with app.test_request_context("/", method="GET"):
            assert _in_recovery(get_session()) is False
        assert router.last_lag is None
    finally:
        pair.start_standby()


def test_config_refuses_a_bad_replica_setting():
    from est.config import ConfigError

    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URL"):
        load_settings({"DATABASE_REPLICA_URL": "mysql://x/y"})
    with pytest.raises(ConfigError, match="EST_REPLICA_MAX_LAG_SECONDS"):
        load_settings({"EST_REPLICA_MAX_LAG_SECONDS": "-1"})
    settings = load_settings({"DATABASE_REPLICA_URL": "postgresql://r/est"})
    assert settings.database_replica_url == "postgresql+psycopg://r/est"
    assert settings.replica_max_lag_seconds == 30


# -- a worker on another machine: only REDIS_URL and DATABASE_URL --------------------------------


def database_facts() -> dict:
    """A job: where the worker's database session points, and one row from it."""
    with jobs.session() as session:
        return {
            "port": session.execute(text("SELECT current_setting('port')")).scalar_one(),
            "categories": session.execute(text("SELECT count(*) FROM category")).scalar_one(),
        }


def test_a_remote_worker_needs_only_redis_and_database_urls(pair, tmp_path):
    with private_redis(tmp_path) as redis_url:
        jobs.configure(redis_url)
        try:
            ref = jobs.enqueue(database_facts)
            assert ref.status == "queued"
            env = {"PATH": os.environ["PATH"], "REDIS_URL": redis_url,
                   "DATABASE_URL": pair.primary.url()}
            proc = subprocess.run(
                [sys.executable, "-c", "from web.cli import main; main()", "worker", "--burst"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            done = jobs.get(ref.id)
            assert done is not None and done.status == "finished", proc.stdout + proc.stderr
            assert done.result["port"] == str(pair.primary.port)
            assert done.result["categories"] > 0
        finally:
            jobs.configure(None)


def test_only_plain_reads_may_go_to_the_replica():
    from sqlalchemy import literal, select

    from est.replica import is_plain_read

    reads = ["SELECT 1", "  with a as (select 1) select * from a", "SELECT updated_at FROM t",
             "SET LOCAL jit = off", "SHOW server_version"]
    writes = ["UPDATE t SET a = 1", "WITH x AS (DELETE FROM t RETURNING *) SELECT 1",
              "SELECT * FROM t FOR UPDATE", "SELECT * FROM t FOR NO KEY UPDATE",
              "SELECT 1 INTO x", "SELECT nextval('s')", "SET TRANSACTION READ WRITE",
              "CREATE TABLE t (a int)", ""]
    assert all(is_plain_read(text(q)) for q in reads)
    assert not any(is_plain_read(text(q)) for q in writes)
    assert is_plain_read(select(literal(1)))
    assert not is_plain_read(select(literal(1)).with_for_update())
    assert not is_plain_read(None)  # session.connection(): the primary
