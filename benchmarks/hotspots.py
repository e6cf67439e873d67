"""Benchmark hot spot detection: the default method vs. bare scikit-learn DBSCAN vs. PostGIS.

Run: ``.venv/bin/python benchmarks/hotspots.py [--sizes 10000,100000,1000000]``.

Each case runs in its own subprocess pinned to at most two CPU cores, so wall time and peak
memory (the child's maximum resident set size) are measured on their own. The data are the
planted evaluation data (town centres, thin background, compact spots) placed in SWEREF 99 TM.

- ``default``: the whole ``geo.hotspots.detect`` pipeline from WGS84 lon/lat: projection,
  local Poisson scan, polygons and per hot spot statistics.
- ``sklearn DBSCAN``: ``DBSCAN(eps=50, min_samples=10).fit(xy)`` on the projected array only.
- ``PostGIS ST_ClusterDBSCAN``: the same eps/minpoints on a temporary table of the same
  points in the embedded cluster (time of the clustering query; server memory not measured).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

MEMORY_LIMIT_GB = 8
TIMEOUT_S = 900
CPUS = 2


def _data(n: int):
    import numpy as np

    from geo.evaluation import planted
    from geo.projection import to_wgs84

    d = planted(n, seed=0)
    x = d.x + 450_000.0
    y = d.y + 6_550_000.0
    lon, lat = to_wgs84(x, y, 3006)
    return x, y, lon, lat, d.t, d.category, d.kind, np


def _child(case: str, n: int) -> dict:
    x, y, lon, lat, t, cat, kind, np = _data(n)
    out: dict = {"case": case, "n": int(x.size)}
    if case == "default":
        from geo.hotspots import PointSet, detect

        t0 = time.perf_counter()
        points = PointSet.from_lonlat(lon, lat, crs=3006, t=t, category=cat, kind=kind)
        res = detect(points)
        out["seconds"] = time.perf_counter() - t0
        out["clusters"] = len(res.hotspots)
    elif case == "sklearn":
        from sklearn.cluster import DBSCAN

        xy = np.column_stack([x, y])
        t0 = time.perf_counter()
        labels = DBSCAN(eps=50.0, min_samples=10).fit(xy).labels_
        out["seconds"] = time.perf_counter() - t0
        out["clusters"] = int(labels.max()) + 1
    elif case == "postgis":
        out.update(_postgis(x, y))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _postgis(x, y) -> dict:
    from sqlalchemy import text

    from est.config import load_settings
    from est.db import make_engine, resolve_database_url

    engine = make_engine(resolve_database_url(load_settings(), log=lambda _m: None))
    with engine.connect() as conn:
        conn.execute(text(f"SET statement_timeout = '{TIMEOUT_S}s'"))
        conn.execute(text("CREATE TEMP TABLE bench_pts (geom geometry(Point, 3006))"))
        raw = conn.connection.dbapi_connection
        t0 = time.perf_counter()
        with raw.cursor() as cur, cur.copy("COPY bench_pts (geom) FROM STDIN") as copy:
            for a, b in zip(x.tolist(), y.tolist(), strict=True):
                copy.write_row((f"SRID=3006;POINT({a} {b})",))
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        n_clusters = conn.execute(text(
            "SELECT count(DISTINCT cid) FROM (SELECT ST_ClusterDBSCAN(geom, eps => 50, "
            "minpoints => 10) OVER () AS cid FROM bench_pts) s WHERE cid IS NOT NULL"
        )).scalar_one()
        seconds = time.perf_counter() - t0
        conn.rollback()
    engine.dispose()
    return {"seconds": seconds, "copy_seconds": load, "clusters": int(n_clusters)}


def _run(case: str, n: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(CPUS), "OPENBLAS_NUM_THREADS": str(CPUS),
           "MKL_NUM_THREADS": str(CPUS)}

    def limits():
        cpus = sorted(os.sched_getaffinity(0))[:CPUS]
        os.sched_setaffinity(0, cpus)
        cap = MEMORY_LIMIT_GB * 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", case, str(n)], capture_output=True,
            text=True, env=env, timeout=TIMEOUT_S, preexec_fn=limits,
        )
    except subprocess.TimeoutExpired:
        return {"case": case, "n": n, "error": f"timeout > {TIMEOUT_S} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        if "MemoryError" in proc.stderr or "Cannot allocate" in proc.stderr:
            last = f"out of memory (> {MEMORY_LIMIT_GB} GB limit)"
        return {"case": case, "n": n, "error": last[:120]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


LABELS = {"default": "default (scan, full pipeline)", "sklearn": "sklearn DBSCAN (bare)",
          "postgis": "PostGIS ST_ClusterDBSCAN"}


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--cases", default="default,sklearn,postgis")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return
    print(f"CPUs used: {CPUS}; memory limit per case {MEMORY_LIMIT_GB} GB; "
          "eps 50 m / min_samples 10 for both DBSCANs")
    print("| points | method | wall s | peak RSS MB | hot spots/clusters | note |")
    print("|---:|---|---:|---:|---:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        for case in args.cases.split(","):
            r = _run(case, n)
            if "error" in r:
                print(f"| {n:,} | {LABELS[case]} | — | — | — | {r['error']} |", flush=True)
                continue
            note = f"COPY {r['copy_seconds']:.1f} s not included" if case == "postgis" else ""
            rss = f"{r['peak_rss_mb']:.0f}" if case != "postgis" else "(server)"
            print(f"| {r['n']:,} | {LABELS[case]} | {r['seconds']:.2f} | {rss} | "
                  f"{r['clusters']} | {note} |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
