"""Load test: locust (headless) against gunicorn in production mode on loopback (prints figures).

Run: ``.venv/bin/python benchmarks/load.py [--users 20] [--seconds 30]``. Everything is private
and torn down afterwards: a throwaway database ``est_bench_load`` in the embedded cluster with
the demo municipality (a year of reports up to yesterday), a coordinator account and an API
key; a private ``redis-server`` on a free loopback port for the shared rate-limit storage;
``gunicorn -w 2`` with ``EST_ENV=production`` on 127.0.0.1. The rate limits are raised for the
run (every simulated visitor comes from 127.0.0.1). Locust's users are in
``benchmarks/locust/locustfile.py``: public home, report POST, review page, Open311 POST.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from est.config import load_settings
from est.db import embedded_cluster, make_engine
from est.demo import load_demo
from est.migrate import upgrade
from est.services.apikeys import create_key
from est.services.users import create_user

BENCH_DB = "est_bench_load"
HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "locust" / "locustfile.py"
VENV_BIN = Path(sys.executable).parent
HIGH_LIMIT = "100000 per minute"
# Every simulated visitor comes from 127.0.0.1: the per-IP limits are raised for the run.
LIMITS = {"EST_REPORT_RATE_LIMIT": HIGH_LIMIT, "EST_LOGIN_RATE_LIMIT": HIGH_LIMIT,
          "EST_API_RATE_LIMIT": HIGH_LIMIT}
# ``--only NAME``: run one kind of visitor of the locustfile (e.g. the public home page).
ONLY = {"home": "PublicVisitor", "report": "Reporter", "review": "Coordinator",
        "open311": "Open311Client"}
COLUMNS = ("Name", "Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%")


def main() -> None:
    """Start the stack, run locust headless, print throughput and latency per endpoint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--seconds", type=int, default=30, help="run time (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--only", choices=sorted(ONLY),
                        help="run one kind of visitor only (home: the public home page)")
    args = parser.parse_args()
    if not 1 <= args.users <= 200 or not 5 <= args.seconds <= 300:
        parser.error("--users must be 1-200 and --seconds 5-300")
    for tool in ("gunicorn", "locust"):
        if not (VENV_BIN / tool).exists():
            sys.exit(f"{tool} is missing from {VENV_BIN}: run `make bootstrap` "
                     f"(pip install -e '.[dev]')")
    t0 = time.perf_counter()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="est-load-")))
        url, secrets_env = stack.enter_context(bench_database())
        print(f"Database ready in {time.perf_counter() - t0:.1f} s")
        redis_url = stack.enter_context(private_redis(work))
        port = free_port()
        server = stack.enter_context(gunicorn(url, redis_url, port, args.workers, work))
        warm_up(port, args.workers)
        print(f"gunicorn -w {args.workers} (production) on http://127.0.0.1:{port}/ "
              f"after {time.perf_counter() - t0:.1f} s; locust {args.users} users for "
              f"{args.seconds} s …")
        cpu0 = workers_cpu(server)
        rows = run_locust(port, args.users, args.seconds, work, secrets_env,
                          [ONLY[args.only]] if args.only else [])
        cpu = workers_cpu(server) - cpu0
        print_table(rows, args)
        total = next((int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated"), 0)
        if total:
            per = 1000 * cpu / total
            print(f"gunicorn workers' CPU (user+sys): {cpu:.1f} s for {total} requests = "
                  f"{per:.2f} ms per request, i.e. ≤ {1000 * (os.cpu_count() or 1) / per:,.0f}"
                  f" req/s on {os.cpu_count()} otherwise idle CPUs (PostgreSQL's share not "
                  f"counted)")
    print(f"Total {time.perf_counter() - t0:.0f} s; stack stopped, database dropped.")


@contextmanager
def bench_database():
    """Yield the URL of a migrated demo database with a coordinator and an API key."""
    cluster = embedded_cluster(load_settings({}))
    cluster.start(log=lambda _m: None)
    cluster.drop_database(BENCH_DB)
    cluster.ensure_database(BENCH_DB, log=lambda _m: None)
    engine = make_engine(cluster.url(BENCH_DB))
    try:
        upgrade(engine, "heads")
        password = secrets.token_urlsafe(18)
        with Session(engine) as session:
            result = load_demo(session, today=date.today())
            print(f"Demo: {result.reports} reports {result.start} – {result.end}")
            user = create_user(session, email="bench-coordinator@example.se",
                               name="Lasttest", role="coordinator",
                               organisation="Hallsbergs kommun", password=password)
            _, token = create_key(session, organisation="Hallsbergs kommun",
                                  label="Lasttest")
            session.commit()
            env = {"EST_BENCH_EMAIL": user.email, "EST_BENCH_PASSWORD": password,
                   "EST_BENCH_API_KEY": token}
        engine.dispose()
        yield cluster.url(BENCH_DB), env
    finally:
        engine.dispose()
        cluster.drop_database(BENCH_DB)


@contextmanager
def private_redis(work: Path):
    """Start a redis-server on a free loopback port without persistence; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is missing: run `make bootstrap` (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, proc, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


@contextmanager
def gunicorn(url: str, redis_url: str, port: int, workers: int, work: Path):
    """Run the app under gunicorn in production mode on 127.0.0.1:``port``."""
    env = {**os.environ, "EST_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": url, "REDIS_URL": redis_url, **LIMITS}
    log = (work / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "web:create_app()"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=HERE.parent)
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/healthz", proc, work / "gunicorn.log")
        yield proc
    finally:
        _stop(proc)
        log.close()


def warm_up(port: int, workers: int) -> None:
    """Load templates and caches in every worker, so start-up is not measured."""
    for _ in range(2 * workers):
        for path in ("/", "/rapportera", "/open311/v2/services.json"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as resp:
                resp.read()


def run_locust(port: int, users: int, seconds: int, work: Path,
               secrets_env: dict[str, str], only: list[str] | None = None
               ) -> list[dict[str, str]]:
    """Run locust headless against the server; return the rows of its stats CSV."""
    prefix = work / "load"
    cmd = [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "-u", str(users),
           "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
           "--csv", str(prefix), "--only-summary", "--stop-timeout", "5",
           "--loglevel", "WARNING", "--exit-code-on-error", "0"] + (only or [])
    result = subprocess.run(cmd, env={**os.environ, **secrets_env}, capture_output=True,
                            text=True, timeout=seconds + 90, cwd=work)
    stats = prefix.with_name("load_stats.csv")
    if result.returncode != 0 or not stats.exists():
        sys.exit(f"locust failed ({result.returncode}):\n{result.stderr[-2000:]}")
    failures = prefix.with_name("load_failures.csv")
    if failures.exists():
        with failures.open() as fh:
            for row in csv.DictReader(fh):
                print(f"  failure: {row['Method']} {row['Name']}: {row['Error'][:160]} "
                      f"(×{row['Occurrences']})")
    with stats.open() as fh:
        return list(csv.DictReader(fh))


def print_table(rows: list[dict[str, str]], args: argparse.Namespace) -> None:
    """Print requests, failures, throughput and p50/p95/p99 (ms) per endpoint."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{args.users} users, {args.seconds} s, gunicorn -w {args.workers}, "
          f"{os.cpu_count()} CPUs shared by server, database and locust "
          f"(load average {load})")
    header = ("Endpoint", "Requests", "Failures", "Req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"{header[0]:<34} " + " ".join(f"{h:>9}" for h in header[1:]))
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "All"
        values = [row[c] for c in COLUMNS[1:]]
        values[2] = f"{float(values[2]):.1f}"
        print(f"{name:<34} " + " ".join(f"{v:>9}" for v in values))


# -- helpers ---------------------------------------------------------------------------------

def workers_cpu(server: subprocess.Popen) -> float:
    """Return the user+system CPU seconds used so far by gunicorn's worker processes.

    The figure that does not depend on what else runs on the machine: requests per CPU.
    """
    import psutil  # installed with locust

    total = 0.0
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def database_cpu(database: str = BENCH_DB) -> dict[int, float]:
    """Return user+system CPU seconds per PostgreSQL backend serving ``database``.

    Backends are pooled by the workers, so the difference of two readings (see
    :func:`cpu_spent`) is the database's share of a run.
    """
    import psutil

    spent: dict[int, float] = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {database} " in f"{title} ":
                times = proc.cpu_times()
                spent[proc.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return spent


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """Return the CPU seconds spent between two :func:`database_cpu` readings."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"{what} did not listen on port {port} within {timeout:.0f} s")


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    # Each worker imports the app on boot (Folium, matplotlib, scikit-learn …): on a busy
    # machine the first answer takes a while.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
