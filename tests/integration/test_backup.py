"""Restore drill: `est backup` and `est restore` reproduce every table and geometry exactly.

The data must be committed for pg_dump to see it, so this module uses its own throwaway
databases (source, target) instead of the rolled-back test transaction.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from est.backup import _libpq
from est.demo import load_demo
from est.models import Category, Organisation, Report
from est.services.hotspots import get_or_detect
from tests.conftest import migrated_engine, throwaway_database
from web import create_app

TODAY = date(2026, 11, 22)
PID = os.getpid()


@pytest.fixture(scope="module")
def source() -> Iterator[tuple[str, Engine]]:
    """A committed database with the demo municipality, a year of reports and a hot spot run."""
    with throwaway_database(f"est_test_bk_src_{PID}") as url, migrated_engine(url) as eng:
        with Session(eng) as session:
            load_demo(session, today=TODAY)
            end = datetime(2026, 11, 16, tzinfo=UTC)
            get_or_detect(session, area_code="1861", start=end - timedelta(days=7), end=end)
        yield url, eng


@pytest.fixture
def target() -> Iterator[tuple[str, Engine]]:
    """An empty database (PostGIS only), as after `est db start` on a new server."""
    with throwaway_database(f"est_test_bk_dst_{PID}") as url:
        from est.db import make_engine

        eng = make_engine(url)
        try:
            yield url, eng
        finally:
            eng.dispose()


def est(url: str, *args: str):
    """Run an ``est`` command against the database at ``url``; return the click result."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True})
    try:
        return app.test_cli_runner().invoke(args=list(args))
    finally:
        app.extensions["est_db"].dispose()


def fingerprint(engine: Engine) -> dict[str, tuple]:
    """Per user table: row count, md5 of all rows in key order, md5 of every geometry column."""
    with engine.connect() as conn:
        tables = conn.execute(text("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'spatial_ref_sys'
            ORDER BY 1""")).scalars().all()
        geoms = conn.execute(text(
            "SELECT f_table_name, f_geometry_column FROM geometry_columns "
            "WHERE f_table_schema = 'public'")).all()
        result: dict[str, tuple] = {}
        for table in tables:
            keys = conn.execute(text("""
                SELECT a.attname FROM pg_index i
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary ORDER BY a.attnum"""),
                {"t": table}).scalars().all()
            order = ", ".join(f't."{k}"' for k in keys) or "t::text"
            count, rows_md5 = conn.execute(text(
                f'SELECT count(*), md5(string_agg(t::text, \',\' ORDER BY {order})) '
                f'FROM "{table}" t')).one()
            geo = tuple(conn.execute(text(
                f"SELECT md5(string_agg(ST_AsEWKB(t.\"{col}\")::text, ',' ORDER BY {order})) "
                f'FROM "{table}" t')).scalar_one() for name, col in geoms if name == table)
            result[table] = (count, rows_md5, geo)
    return result


def test_restore_drill_reproduces_every_table_and_geometry(source, target, tmp_path):
    src_url, src_engine = source
    dst_url, dst_engine = target
    dump = tmp_path / "est.dump"
    expected = fingerprint(src_engine)
    assert expected["report"][0] > 1000 and expected["hotspot"][0] > 0
    assert all(expected[t][2] for t in ("report", "area", "hotspot"))  # geometries hashed

    made = est(src_url, "backup", str(dump))
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output and str(dump) in made.output
    assert dump.stat().st_mode & 0o077 == 0  # reporters' contacts: owner-only file
    assert list(tmp_path.iterdir()) == [dump]  # no temporary file left behind

    restored = est(dst_url, "restore", str(dump))
    assert restored.exit_code == 0, restored.output
    assert fingerprint(dst_engine) == expected
    report_line = next(ln for ln in restored.output.splitlines() if "public.report " in ln)
    assert report_line.split()[-2] == str(expected["report"][0])
    with dst_engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert f"Schema revision: {revision}" in restored.output


def test_restore_refuses_a_non_empty_database_unless_forced(source, target, tmp_path):
    src_url, src_engine = source
    dst_url, dst_engine = target
    dump = tmp_path / "est.dump"
    assert est(src_url, "backup", str(dump)).exit_code == 0
    assert est(dst_url, "restore", str(dump)).exit_code == 0
    with dst_engine.begin() as conn:  # work done after the backup, to be replaced
        conn.execute(text("DELETE FROM report WHERE id IN (SELECT id FROM report LIMIT 10)"))
        conn.execute(text("CREATE TABLE scratch (x int)"))
    changed = fingerprint(dst_engine)

    refused = est(dst_url, "restore", str(dump))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert fingerprint(dst_engine) == changed

    forced = est(dst_url, "restore", "--force", str(dump))
    assert forced.exit_code == 0, forced.output
    restored = fingerprint(dst_engine)
    assert restored.pop("scratch") == (0, None, ())  # tables not in the dump are left alone
    assert restored == fingerprint(src_engine)


@pytest.mark.parametrize("where", ["missing-dir", "unwritable", "directory"])
def test_backup_to_an_unwritable_path_fails_clearly(source, tmp_path, where):
    src_url, _ = source
    path = {"missing-dir": tmp_path / "no" / "such" / "est.dump",
            # /sys refuses new files even to root (tests may run as root in containers)
            "unwritable": Path("/sys/est-backup-test.dump"),
            "directory": tmp_path}[where]
    result = est(src_url, "backup", str(path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert str(path) in result.output
    assert list(tmp_path.iterdir()) == []


def test_failed_backup_leaves_the_previous_file_untouched(source, tmp_path):
    """pg_dump fails halfway (a role that may not read every table): the old dump stays."""
    src_url, src_engine = source
    dump = tmp_path / "est.dump"
    dump.write_bytes(b"yesterday's good backup")
    role = f"est_bk_reader_{PID}"
    with src_engine.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT SELECT ON area, category TO {role}"))
    try:
        limited = src_url.replace("user=postgres", f"user={role}").replace(
            "postgres@", f"{role}@")
        result = est(limited, "backup", str(dump))
        assert result.exit_code == 1
        assert "backup failed" in result.output and "permission denied" in result.output
        assert dump.read_bytes() == b"yesterday's good backup"
        assert list(tmp_path.iterdir()) == [dump]
    finally:
        with src_engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def test_restore_of_a_bad_file_fails_and_changes_nothing(source, target, tmp_path):
    src_url, _ = source
    dst_url, dst_engine = target
    dump = tmp_path / "est.dump"
    assert est(src_url, "backup", str(dump)).exit_code == 0
    assert est(dst_url, "restore", str(dump)).exit_code == 0
    before = fingerprint(dst_engine)

    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(os.urandom(4096))
    result = est(dst_url, "restore", "--force", str(garbage))
    assert result.exit_code == 1
    assert "is not a backup made by `est backup`" in result.output
    assert fingerprint(dst_engine) == before

    # A truncated archive passes the header check and breaks in the middle of the data: the
    # single transaction rolls the whole restore back, even the tables already dropped.
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    result = est(dst_url, "restore", "--force", str(truncated))
    assert result.exit_code == 1
    assert "rolled back" in result.output and "unchanged" in result.output
    assert fingerprint(dst_engine) == before

    missing = est(dst_url, "restore", str(tmp_path / "nope.dump"))
    assert missing.exit_code == 1 and "no such backup file" in missing.output


def test_backup_is_one_snapshot_while_writers_continue(source, target, tmp_path):
    """Writers add a report and an organisation in one transaction each; pg_dump copies the
    tables one after the other, yet the dump holds as many of one as of the other."""
    src_url, src_engine = source
    dst_url, dst_engine = target
    marker = f"bk-{uuid.uuid4().hex[:8]}"
    stop = threading.Event()
    written = 0

    def write() -> None:
        nonlocal written
        with Session(src_engine) as session:
            cat = session.scalars(select(Category).where(Category.code == "klotter")).one()
            session.rollback()  # end the read's transaction; each pair gets its own below
            while not stop.is_set():
                with session.begin():
                    session.add(Organisation(name=f"{marker}-{written}", kind="kommun"))
                    session.add(Report(
                        kind=cat.kind, category_id=cat.id, status="reviewed",
                        source="organisation", occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
                        geom=from_shape(Point(15.11, 59.06), srid=4326),
                        idempotency_key=f"{marker}:{written}"))
                written += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written < 20 and writer.is_alive():
            stop.wait(0.02)
        before = written
        made = est(src_url, "backup", str(tmp_path / "est.dump"))
        after = written
    finally:
        stop.set()
        writer.join()
    try:
        assert made.exit_code == 0, made.output
        assert after > before >= 20  # the writer kept going while pg_dump ran
        assert est(dst_url, "restore", str(tmp_path / "est.dump")).exit_code == 0
        with dst_engine.connect() as conn:
            reports = conn.execute(text("SELECT count(*) FROM report WHERE idempotency_key "
                                        "LIKE :m"), {"m": f"{marker}:%"}).scalar_one()
            orgs = conn.execute(text("SELECT count(*) FROM organisation WHERE name LIKE :m"),
                                {"m": f"{marker}-%"}).scalar_one()
        assert reports == orgs >= 20
    finally:
        with src_engine.begin() as conn:
            conn.execute(text("DELETE FROM report WHERE idempotency_key LIKE :m"),
                         {"m": f"{marker}:%"})
            conn.execute(text("DELETE FROM organisation WHERE name LIKE :m"),
                         {"m": f"{marker}-%"})


def test_the_est_script_reports_a_bad_file_on_stderr_with_exit_1(target, tmp_path):
    dst_url, _ = target
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"PGDMP but not really" + os.urandom(64))
    est_script = Path(sys.executable).with_name("est")
    done = subprocess.run([str(est_script), "restore", str(garbage)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "DATABASE_URL": dst_url})
    assert done.returncode == 1
    assert done.stderr.startswith("Error: ") and "is not a backup made by" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_password_goes_through_the_environment_not_the_command_line():
    conninfo, env = _libpq("postgresql+psycopg://est:s3cr%40t@db.example:5432/est?sslmode=require")
    assert env["PGPASSWORD"] == "s3cr@t"
    assert "s3cr" not in conninfo
    assert conninfo == "postgresql://est@db.example:5432/est?sslmode=require"
