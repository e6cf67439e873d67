"""Time ``est reports import`` on a generated CSV (prints figures, asserts nothing).

Run: ``.venv/bin/python benchmarks/imports.py [--rows 100000]``.

Works in a throwaway database ``est_bench_<pid>`` of the embedded cluster (migrated, with
the demo outline of Hallsberg as municipality 1861) that is dropped afterwards; the command
runs as a user would run it, in a subprocess with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from est import migrate
from est.config import load_settings
from est.db import embedded_cluster, make_engine
from est.demo import demo_outline
from est.models import Area
from est.services.categories import seed_categories

CODES = ("klotter", "Skadegörelse", "nedskrapning", "Ordningsstörning", "belysning", "stold")


def write_csv(path: Path, n: int, seed: int = 0) -> None:
    """Write ``n`` reports inside the demo outline over 2024 (``;`` and decimal commas)."""
    rng = np.random.default_rng(seed)
    outline = demo_outline()
    minx, miny, maxx, maxy = outline.bounds
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        inside = shapely.contains_xy(outline, x, y)
        lon, lat = np.concatenate([lon, x[inside]]), np.concatenate([lat, y[inside]])
    start = np.datetime64("2024-01-01T00:00")
    minutes = rng.integers(0, 366 * 24 * 60, n)
    cats = rng.integers(0, len(CODES), n)
    date_only = rng.random(n) < 0.05
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Longitud;Latitud;Datum;Kategori\n")
        for i in range(n):
            when = str(start + np.timedelta64(int(minutes[i]), "m")).replace("T", " ")
            when = when[:10] if date_only[i] else when
            fh.write(f"{lon[i]:.6f};{lat[i]:.6f};{when};{CODES[cats[i]]}\n".replace(".", ",", 2))


def main() -> None:
    """Generate a file, import it twice (new rows, then all present) and print timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    cluster = embedded_cluster(load_settings({**os.environ, "DATABASE_URL": ""}))
    cluster.start(log=lambda _m: None)
    name = f"est_bench_{os.getpid()}"
    cluster.ensure_database(name, log=lambda _m: None)
    try:
        url = cluster.url(name)
        engine = make_engine(url)
        migrate.upgrade(engine, "heads")
        with Session(engine) as session:
            seed_categories(session)
            session.add(Area(kind="municipality", code="1861", name="Hallsberg",
                             geom=from_shape(demo_outline(), srid=4326)))
            session.commit()
        engine.dispose()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "reports.csv"
            write_csv(path, args.rows)
            est = str(Path(sys.executable).with_name("est"))
            env = {**os.environ, "DATABASE_URL": url}
            for label in ("first import", "re-import", "dry run"):
                cmd = [est, "reports", "import", str(path), "--area", "1861"]
                cmd += ["--dry-run"] if label == "dry run" else []
                t0 = time.perf_counter()
                out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                wall = time.perf_counter() - t0
                print(f"{args.rows:,} rows, {label:12} {wall:6.1f} s wall (whole command, "
                      f"{args.rows / wall:,.0f} rows/s): {out.stdout.splitlines()[0]}")
    finally:
        cluster.drop_database(name)


if __name__ == "__main__":
    main()
