"""Time reading ~1M points from a CSV and ``est hotspots detect --csv`` (prints, asserts nothing).

Run: ``.venv/bin/python benchmarks/csv_read.py [--rows 957617] [--repeat 3] [--no-cli]``.

The file is generated in a temporary directory from the Chicago assaults in
``/work/shared/data/`` (148,636 rows, tiled with a small jitter of the coordinates and a shift of
whole weeks per copy, so the times stay real and the places stay where they were); nothing is
written into the repository. Figures: ``pandas.read_csv`` merely reading the same file (all
columns as text, and with floats parsed), ``est.pointsio.read_points_csv`` (the checked reader),
the same reader forced onto its row-by-row fallback (the speed of a quoted or odd file), and
the whole ``est hotspots detect --csv`` process (median wall time).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("EST_SHARED_DATA", "/work/shared/data"))
CHICAGO = DATA / "chicago_aggravated_assaults.csv.gz"


def write_csv(path: Path, n: int, seed: int = 0) -> None:
    """Write ``n`` rows tiled from the Chicago file (``date,loc_cat,longitude,latitude``)."""
    import pandas as pd

    with gzip.open(CHICAGO, "rt", encoding="utf-8") as fh:
        src = pd.read_csv(fh, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    reps = -(-n // len(src))
    idx = np.tile(np.arange(len(src)), reps)[:n]
    copy = np.repeat(np.arange(reps), len(src))[:n]
    lon = src["longitude"].astype(float).to_numpy()[idx]
    lat = src["latitude"].astype(float).to_numpy()[idx]
    jitter = copy > 0
    lon[jitter] += rng.uniform(-2e-4, 2e-4, int(jitter.sum()))
    lat[jitter] += rng.uniform(-2e-4, 2e-4, int(jitter.sum()))
    when = pd.to_datetime(src["date"].to_numpy()[idx], format="%Y-%m-%d %H:%M")
    when = when + pd.to_timedelta(copy * 7, unit="D")
    out = pd.DataFrame({
        "date": when.strftime("%Y-%m-%d %H:%M"),
        "loc_cat": src["loc_cat"].to_numpy()[idx],
        "longitude": np.round(lon, 5),
        "latitude": np.round(lat, 5),
        "district": src["district"].to_numpy()[idx],
    })
    out.to_csv(path, index=False)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    """Generate the file, time the readers and the whole command, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=957_617)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="Skip the whole-command timing.")
    parser.add_argument("--no-fallback", action="store_true",
                        help="Skip the row-by-row fallback timing (slow).")
    args = parser.parse_args()

    import pandas as pd

    from est import pointsio

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.csv"
        t0 = time.perf_counter()
        write_csv(path, args.rows)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) "
              f"in {time.perf_counter() - t0:.1f} s")
        pd_text = _best(lambda: pd.read_csv(path, dtype=str, keep_default_na=False),
                        args.repeat)
        pd_plain = _best(lambda: pd.read_csv(path), args.repeat)
        ours = _best(lambda: pointsio.read_points_csv(path, tz="America/Chicago"), args.repeat)
        print(f"pandas.read_csv (text columns)     {pd_text:6.2f} s")
        print(f"pandas.read_csv (default dtypes)   {pd_plain:6.2f} s")
        print(f"read_points_csv (checked)          {ours:6.2f} s  = {ours / pd_plain:.2f} × "
              f"pandas default, {ours / pd_text:.2f} × pandas text")
        if not args.no_fallback:
            t0 = time.perf_counter()
            pointsio.read_points_csv(path, tz="America/Chicago", _fast=False)
            slow = time.perf_counter() - t0
            print(f"read_points_csv (row fallback)     {slow:6.2f} s  "
                  f"(fast path {slow / ours:.1f} × quicker)")
        if not args.no_cli:
            est = str(Path(sys.executable).with_name("est"))
            cmd = [est, "hotspots", "detect", "--csv", str(path), "--crs", "26916",
                   "--tz", "America/Chicago"]
            env = {**os.environ, "DATABASE_URL": os.environ.get(
                "DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")}
            walls = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                out = subprocess.run(cmd, env=env, capture_output=True, text=True)
                walls.append(time.perf_counter() - t0)
                if out.returncode != 0:
                    print(out.stdout, out.stderr, file=sys.stderr)
                    raise SystemExit(out.returncode)
            print(f"est hotspots detect --csv          {statistics.median(walls):6.2f} s wall "
                  f"(median of {args.repeat}; {out.stdout.splitlines()[0][:90]})")


if __name__ == "__main__":
    main()
