"""API POST benchmark: single GeoJSON POSTs (rate, p50/p95) and batch POSTs (reports/s).

Run: ``.venv/bin/python benchmarks/api_post.py [--seconds 20] [--clients 8] [--batches 10]``.
The stack is the one of ``benchmarks/load.py`` (a throwaway demo database, a private
redis-server, ``gunicorn -w 2`` in production mode on 127.0.0.1), torn down afterwards.
``--clients`` threads POST one Feature each in a loop for ``--seconds``; then
``--batches`` FeatureCollections of ``--size`` (1,000) Points are posted two at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    bench_database,
    cpu_spent,
    database_cpu,
    free_port,
    gunicorn,
    private_redis,
    warm_up,
    workers_cpu,
)

TOWN = (15.095, 59.058, 15.125, 59.072)  # a box inside Hallsberg town (WGS84)
CATEGORIES = ("klotter", "skadegorelse", "nedskrapning", "ordningsstorning")


def feature() -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [
        round(random.uniform(TOWN[0], TOWN[2]), 6), round(random.uniform(TOWN[1], TOWN[3]), 6)]},
        "properties": {"category": random.choice(CATEGORIES), "description": "Lasttest"}}


def post(port: int, token: str, body: dict) -> tuple[int, float]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/reports", data=data, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            return response.status, time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        print(f"  {exc.code}: {exc.read()[:300]!r}", file=sys.stderr)
        return exc.code, time.perf_counter() - t0


def singles(port: int, token: str, clients: int, seconds: float) -> int:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def loop() -> None:
        while time.perf_counter() < stop:
            try:
                status, took = post(port, token, feature())
            except Exception:  # a refused or failed POST counts as a failure
                status, took = 0, 0.0
            with lock:
                if status == 201:
                    latencies.append(took)
                else:
                    failures[0] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    p = lambda q: 1000 * latencies[min(n - 1, int(q * n))] if n else float("nan")  # noqa: E731
    print(f"Single POST, {clients} clients, {wall:.0f} s: {n} reports ({failures[0]} failed), "
          f"{n / wall:.0f} reports/s, p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, "
          f"p99 {p(0.99):.0f} ms")
    return n


def batches(port: int, token: str, count: int, size: int) -> int:
    bodies = [{"type": "FeatureCollection", "features": [feature() for _ in range(size)]}
              for _ in range(count)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda b: post(port, token, b), bodies))
    wall = time.perf_counter() - t0
    ok = sum(1 for status, _ in results if status == 201)
    each = sorted(took for _, took in results)
    print(f"Batch POST, {count} × {size} Points, 2 at a time: {ok} stored, {wall:.1f} s, "
          f"{ok * size / wall:,.0f} reports/s (one batch {1000 * each[len(each) // 2]:.0f} ms "
          f"median)")
    return ok * size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    if not (5 <= args.seconds <= 120 and 1 <= args.clients <= 64 and 1 <= args.batches <= 100
            and 1 <= args.size <= 1000):
        parser.error("--seconds 5-120, --clients 1-64, --batches 1-100, --size 1-1000")
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="est-post-")))
        url, secrets_env = stack.enter_context(bench_database())
        redis_url = stack.enter_context(private_redis(work))
        port = free_port()
        server = stack.enter_context(gunicorn(url, redis_url, port, 2, work))
        warm_up(port, 2)
        token = secrets_env["EST_BENCH_API_KEY"]
        for _ in range(4):
            post(port, token, feature())
        for run in (lambda: singles(port, token, args.clients, args.seconds),
                    lambda: batches(port, token, args.batches, args.size)):
            app0, db0 = workers_cpu(server), database_cpu()
            stored = run()
            app_s, db_s = workers_cpu(server) - app0, cpu_spent(db0, database_cpu())
            if stored:
                per = 1000 * (app_s + db_s) / stored
                print(f"  CPU per report: gunicorn {1000 * app_s / stored:.2f} ms + PostgreSQL "
                      f"{1000 * db_s / stored:.2f} ms = {per:.2f} ms, i.e. ≤ "
                      f"{1000 * (os.cpu_count() or 1) / per:,.0f} reports/s on "
                      f"{os.cpu_count()} otherwise idle CPUs")
        log = (work / "gunicorn.log").read_text()
        if "Traceback" in log:
            print(log[log.index("Traceback"):][:3000], file=sys.stderr)


if __name__ == "__main__":
    main()
