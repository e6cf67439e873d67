"""Backup and restore of the whole database with pg_dump/pg_restore in custom format.

Works for the embedded cluster under ``var/`` (a unix socket, user ``postgres``) and for
``DATABASE_URL`` alike: both are SQLAlchemy URLs that libpq understands once the ``+psycopg``
driver part is gone. A backup is written beside its target and renamed into place only when
pg_dump succeeded; a restore runs in one transaction, so a failed restore changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from est.db import make_engine
from est.embedded import PG_SEARCH_DIRS
from est.errors import DomainError

# A TOC line of `pg_restore --list`: "<id>; <oid> <oid> TABLE <schema> <name> <owner>".
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(?P<schema>\S+) (?P<name>\S+) ")
_TIMEOUT_S = 6 * 3600  # a dump of a national database may take long; never hang forever
# A migration holding a table, or a running service's open transaction during a forced
# restore, must not make the command wait forever: give up (and roll back) after a minute.
LOCK_TIMEOUT = "60s"


class BackupError(DomainError):
    """A backup or restore failed or was refused; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: the file, its size in bytes and the tables it holds."""

    path: Path
    size: int
    tables: list[str]
    server_version: str


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore: exact row counts per restored table and the schema revision."""

    row_counts: dict[str, int]
    revision: str | None


def backup(database_url: str, path: Path | str) -> BackupResult:
    """Write a pg_dump custom-format archive of the database at ``database_url`` to ``path``.

    pg_dump reads one consistent snapshot, so writers may keep working meanwhile. The archive
    is written to a temporary file in the same directory and renamed onto ``path`` only when
    pg_dump succeeded: a failed backup never leaves a half-written file behind.
    """
    target = Path(path).expanduser().absolute()
    _check_writable(target)
    conninfo, env = _libpq(database_url)
    version, major = _server_version(database_url)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                        dir=target.parent)
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {target}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.chmod(0o600)  # the dump holds reporters' contact details
        _run(pg_tool("pg_dump", major), "--format=custom", "--compress=6",
             f"--lock-wait-timeout={LOCK_TIMEOUT}", f"--file={tmp}", f"--dbname={conninfo}",
             env=env, what="pg_dump",
             failed=f"the backup failed; {target} was left as it was")
        tables = archive_tables(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {target}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, tables, version)


def restore(database_url: str, path: Path | str, *, force: bool = False) -> RestoreResult:
    """Restore the archive at ``path`` into the database at ``database_url``.

    The archive is checked first; a database that already holds tables is only overwritten
    with ``force``. pg_restore runs ``--clean --if-exists --single-transaction
    --exit-on-error``: either the whole archive is restored or nothing changes.
    """
    source = Path(path).expanduser().absolute()
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if not os.access(source, os.R_OK):
        raise BackupError(f"{source}: the backup file is not readable")
    tables = archive_tables(source)
    existing = _existing_tables(database_url)
    if existing and not force:
        sample = ", ".join(existing[:5]) + (" …" if len(existing) > 5 else "")
        raise BackupError(
            f"the database is not empty ({len(existing)} tables: {sample}). Nothing was "
            f"changed. Restore with --force to replace its contents, or restore into an "
            f"empty database."
        )
    conninfo, env = _libpq(database_url)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}".strip()
    _, major = _server_version(database_url)
    _run(pg_tool("pg_restore", major), "--clean", "--if-exists", "--single-transaction",
         "--exit-on-error", "--no-owner", "--no-privileges", f"--dbname={conninfo}",
         str(source), env=env, what="pg_restore",
         failed="the restore failed and was rolled back; the database is unchanged")
    return RestoreResult(*_row_counts(database_url, tables))


def archive_tables(path: Path | str) -> list[str]:
    """Return ``schema.table`` for every table in a custom-format archive (checks the file)."""
    source = Path(path)
    result = subprocess.run([str(pg_tool("pg_restore")), "--list", str(source)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        detail = result.stderr.strip().removeprefix("pg_restore: error: ")
        raise BackupError(f"{source} is not a backup made by `est backup` "
                          f"(a pg_dump custom-format archive): {detail}")
    return sorted(f"{m['schema']}.{m['name']}" for line in result.stdout.splitlines()
                  if (m := _TOC_TABLE.match(line)))


def pg_tool(name: str, server_major: int | None = None) -> Path:
    """Return the path of PostgreSQL client tool ``name`` that can talk to ``server_major``.

    pg_dump refuses a server newer than itself, so the tool of the server's own major version
    is preferred, then the newest installed one.
    """
    dirs: list[Path] = []
    explicit = os.environ.get("EST_PG_BIN")
    if explicit:
        dirs.append(Path(explicit))
    versions: list[tuple[int, Path]] = []
    for base in PG_SEARCH_DIRS:
        root = Path(base)
        if root.is_dir():
            versions.extend((int(p.name), p / "bin") for p in root.iterdir()
                            if p.name.isdigit() and (p / "bin" / name).exists())
    versions.sort(reverse=True)
    dirs.extend(d for v, d in versions if v == server_major)
    dirs.extend(d for v, d in versions if server_major is None or v > server_major)
    on_path = shutil.which(name)
    if on_path:
        dirs.append(Path(on_path).parent)
    for directory in dirs:
        if (directory / name).exists():
            return directory / name
    wanted = f" {server_major} or newer" if server_major else ""
    raise BackupError(f"{name}{wanted} was not found. Install the PostgreSQL client "
                      f"(Debian: apt-get install postgresql-client-{server_major or 15}) or "
                      f"set EST_PG_BIN to its bin directory.")


# -- helpers ---------------------------------------------------------------------------------

def _check_writable(target: Path) -> None:
    if target.is_dir():
        raise BackupError(f"{target} is a directory: give a file name, e.g. {target}/est.dump")
    parent = target.parent
    if not parent.is_dir():
        raise BackupError(f"cannot write the backup to {target}: directory {parent} does not "
                          f"exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BackupError(f"cannot write the backup to {target}: directory {parent} is not "
                          f"writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise BackupError(f"cannot write the backup to {target}: the file is not writable")


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and the environment carrying it.

    The password goes through PGPASSWORD so it never shows in the process list.
    """
    url = make_url(database_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False), env


def _server_version(database_url: str) -> tuple[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    except Exception as exc:  # noqa: BLE001 - any connection failure is reported the same way
        raise BackupError(f"cannot connect to the database: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    return version.split()[0], number // 10000


def _existing_tables(database_url: str) -> list[str]:
    """Return the user tables in the database (tables owned by extensions such as PostGIS's
    ``spatial_ref_sys`` do not count)."""
    sql = text("""
        SELECT n.nspname || '.' || c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1""")
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sql).scalars())
    finally:
        engine.dispose()


def _row_counts(database_url: str, tables: list[str]) -> tuple[dict[str, int], str | None]:
    engine = make_engine(database_url)
    counts: dict[str, int] = {}
    revision = None
    try:
        with engine.connect() as conn:
            for qualified in tables:
                schema, name = qualified.split(".", 1)
                ident = f'"{schema.replace(chr(34), chr(34) * 2)}".' \
                        f'"{name.replace(chr(34), chr(34) * 2)}"'
                counts[qualified] = int(conn.execute(
                    text(f"SELECT count(*) FROM {ident}")).scalar_one())
            if "public.alembic_version" in counts:
                revision = ", ".join(sorted(conn.execute(
                    text("SELECT version_num FROM alembic_version")).scalars())) or None
    finally:
        engine.dispose()
    return counts, revision


def _run(tool: Path, *args: str, env: dict[str, str], what: str, failed: str = "") -> None:
    try:
        result = subprocess.run([str(tool), *args], capture_output=True, text=True, env=env,
                                timeout=_TIMEOUT_S, cwd="/")
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} did not finish within {_TIMEOUT_S // 3600} hours") from None
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
        detail = " / ".join(lines[-3:]) or f"exit code {result.returncode}"
        prefix = f"{failed}: " if failed else f"{what} failed: "
        raise BackupError(prefix + detail)


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
