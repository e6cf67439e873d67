"""A private PostgreSQL + PostGIS cluster under ``var/``, started by the service itself."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DB_NAME = "est"
PG_SEARCH_DIRS = ("/usr/lib/postgresql", "/usr/local/pgsql", "/opt/homebrew/opt")


class EmbeddedDatabaseError(RuntimeError):
    """The embedded cluster could not be created, started or reached."""


def find_pg_bin() -> Path:
    """Return the directory holding initdb and pg_ctl, newest PostgreSQL first."""
    explicit = os.environ.get("EST_PG_BIN")
    candidates = [Path(explicit)] if explicit else []
    for base in PG_SEARCH_DIRS:
        root = Path(base)
        if root.is_dir():
            versions = sorted(
                (p for p in root.iterdir() if (p / "bin" / "initdb").exists()),
                key=lambda p: _version_key(p.name),
                reverse=True,
            )
            candidates.extend(v / "bin" for v in versions)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for path in candidates:
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "psql")):
            return path
    raise EmbeddedDatabaseError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Run `make bootstrap` "
        "(Debian: apt-get install postgresql-15-postgis-3) or set EST_PG_BIN."
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".") if p.isdigit()) or (0,)


@dataclass(frozen=True)
class EmbeddedCluster:
    """A PostgreSQL cluster in ``var_dir/pgdata`` reachable only over a socket in ``var_dir``."""

    var_dir: Path
    port: int = 54329

    @property
    def data_dir(self) -> Path:
        return self.var_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.var_dir / "pgsock"

    @property
    def log_file(self) -> Path:
        return self.var_dir / "postgresql.log"

    def url(self, dbname: str = DB_NAME) -> str:
        """Return the SQLAlchemy URL for a database in this cluster."""
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql+psycopg://postgres@/{dbname}?host={host}&port={self.port}&user=postgres"

    # -- lifecycle ---------------------------------------------------------------------------

    def is_initialised(self) -> bool:
        """Return True when ``initdb`` has run in the data directory."""
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        """Return True when the cluster's postmaster is alive and answers pg_ctl status."""
        if not self.is_initialised():
            return False
        result = self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False)
        return result.returncode == 0

    def status(self) -> str:
        """Return a one-line human description of the cluster state."""
        if not self.is_initialised():
            return f"not initialised ({self.data_dir})"
        if self.is_running():
            return f"running (data {self.data_dir}, socket {self.socket_dir}, port {self.port})"
        return f"stopped (data {self.data_dir})"

    def start(self, log=print) -> bool:
        """Initialise if needed and start the cluster; return False if it was already running."""
        if not self.is_initialised():
            self._initdb(log)
        if self.is_running():
            self.ensure_database(DB_NAME, log)
            return False
        self._remove_stale_pid(log)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._own(self.socket_dir, mode=0o755)
        log(f"Starting embedded PostgreSQL in {self.data_dir} …")
        opts = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            f"-p {self.port} -c fsync=off -c full_page_writes=off"
        )
        result = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
            "-o", opts, "start", check=False,
        )
        if result.returncode != 0:
            tail = self._log_tail()
            raise EmbeddedDatabaseError(
                f"pg_ctl start failed: {result.stderr.strip() or result.stdout.strip()}\n{tail}"
            )
        self.ensure_database(DB_NAME, log)
        return True

    def stop(self, log=print) -> bool:
        """Stop the cluster (fast shutdown); return False if it was not running."""
        if not self.is_running():
            self._remove_stale_pid(log)
            return False
        log(f"Stopping embedded PostgreSQL in {self.data_dir} …")
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        return True

    def ensure_database(self, dbname: str, log=print) -> None:
        """Create ``dbname`` with PostGIS if it does not exist yet."""
        exists = self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'")
        if exists.strip() != "1":
            log(f"Creating database {dbname} with PostGIS …")
            self.psql("postgres", f'CREATE DATABASE "{dbname}"')
        self.psql(dbname, "CREATE EXTENSION IF NOT EXISTS postgis")

    def drop_database(self, dbname: str) -> None:
        """Drop ``dbname`` if it exists (used by the test suite for its throwaway database)."""
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')

    def psql(self, dbname: str, sql: str) -> str:
        """Run one SQL statement with psql over the socket and return its unaligned output."""
        result = self._run(
            "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
            "-p", str(self.port), "-U", "postgres", "-d", dbname, "-c", sql, check=False,
        )
        if result.returncode != 0:
            raise EmbeddedDatabaseError(f"psql failed: {result.stderr.strip()}")
        return result.stdout

    # -- helpers -----------------------------------------------------------------------------

    def _initdb(self, log) -> None:
        log(f"Initialising embedded PostgreSQL cluster in {self.data_dir} …")
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._own(self.var_dir, mode=0o755)
        self._own(self.data_dir, mode=0o700)
        result = self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", check=False,
        )
        if result.returncode != 0:
            hint = ""
            if os.geteuid() == 0:
                hint = (f" (as root the cluster runs as user {_server_user()}, who must be able "
                        f"to enter every parent directory of {self.var_dir})")
            raise EmbeddedDatabaseError(f"initdb failed: {result.stderr.strip()}{hint}")

    def _remove_stale_pid(self, log) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (ValueError, IndexError):
            pid = 0
        if pid > 0 and _is_postmaster(pid):
            return
        log(f"Removing stale pid file {pid_file} (process {pid} is gone)")
        pid_file.unlink(missing_ok=True)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-10:])
        except OSError:
            return ""

    def _own(self, path: Path, mode: int) -> None:
        """As root, hand the path to the postgres user (initdb refuses to run as root)."""
        if os.geteuid() == 0:
            pw = pwd.getpwnam(_server_user())
            os.chown(path, pw.pw_uid, pw.pw_gid)
        path.chmod(mode)

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(find_pg_bin() / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", _server_user(), "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise EmbeddedDatabaseError(f"{tool} failed: {result.stderr.strip()}")
        return result


def _server_user() -> str:
    return os.environ.get("EST_PG_USER", "postgres")


def _is_postmaster(pid: int) -> bool:
    """Return True if ``pid`` is a live postgres process (a reused pid is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    comm = Path(f"/proc/{pid}/comm")
    if comm.exists():
        return comm.read_text().strip().startswith("postgres")
    return True
