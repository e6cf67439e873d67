"""Monthly backtest on Chicago's aggravated assaults at 1 %, 2 %, 5 % and the significance point.

Run: ``.venv/bin/python benchmarks/backtest.py [--test-months 12] [--train-months 12]``.

Reads ``../shared/data/chicago_aggravated_assaults.csv.gz`` in place (see that folder's
README), projects to UTM 16N (EPSG:26916) and replays the last ``--test-months`` whole months
of the data (2019), each flagged from the ``--train-months`` months before it
(:func:`geo.evaluation.rolling.rolling_backtest`). The default method (flagged 25 m cells
ranked by the smoothed score with hysteresis, :func:`geo.hotspots.coverage.coverage`; at the
significance point the area of the scan's significant places is filled the same way, and the
places' own outlines are a row too) is compared at equal area, month by month, with 25 m and 150 m
prior-counts grids and a 200 m Gaussian KDE. Prints a Markdown table for the README. Bounded
to the last two years of data, so it runs in a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

DATA = (Path(__file__).resolve().parents[2] / "shared" / "data"
        / "chicago_aggravated_assaults.csv.gz")
CRS = 26916
TZ = "America/Chicago"


def main() -> None:
    """Run the backtest at each operating point and print the table."""
    import numpy as np

    from est.pointsio import read_points_csv
    from geo.evaluation.rolling import grid_flagger, rolling_backtest, significant_places_flagger
    from geo.projection import to_projected

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--test-months", type=int, default=12)
    ap.add_argument("--train-months", type=int, default=12)
    ap.add_argument("--shares", default="0.01,0.02,0.05,sig")
    ap.add_argument("--end", default=None,
                    help="YYYY-MM: first month not tested (dev period, e.g. 2019-01 tests "
                         "2018); default: after the last report")
    args = ap.parse_args()
    if not Path(args.data).exists():
        print(f"skipped: {args.data} not found")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    table = read_points_csv(args.data, None, tz=TZ)
    t = np.asarray(table.t, dtype="datetime64[s]")
    end = None
    last_month = t.max().astype("datetime64[M]")
    if args.end:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        yy, mm = (int(v) for v in args.end.split("-"))
        end = np.datetime64(int(datetime(yy, mm, 1, tzinfo=ZoneInfo(TZ)).timestamp()), "s")
        last_month = np.datetime64(args.end, "M") - 1
        t_keep = t < end
    else:
        t_keep = np.ones(t.size, dtype=bool)
    # Only the months the replay reads (bounded run time): training + test months.
    first = last_month - (args.test_months + args.train_months)
    keep = t_keep & (t >= first.astype("datetime64[s]") - np.timedelta64(2, "D"))
    x, y = to_projected(table.lon[keep], table.lat[keep], CRS)
    t = t[keep]
    print(f"Chicago aggravated assaults: {t.size:,} reports read of {len(table):,} "
          f"({time.perf_counter() - t0:.1f} s); EPSG:{CRS}, months in {TZ}")
    out = []
    for s in (v.strip() for v in args.shares.split(",") if v.strip()):
        share = None if s == "sig" else float(s)
        t1 = time.perf_counter()
        res = rolling_backtest(x, y, t, share=share, months=args.test_months,
                               train_months=args.train_months, tz=TZ, end=end)
        secs = time.perf_counter() - t1
        if share is None:
            # The significant places' own outlines (the rule before), at their own area.
            g = rolling_backtest(x, y, t, share=None, months=args.test_months,
                                 train_months=args.train_months, tz=TZ, comparators=(),
                                 end=end, flag=significant_places_flagger())
            res["rows"].append(dict(g["rows"][0], method="significant places' outlines"))
        elif res["rows"][0]["area_share"] < 0.99 * share:
            # The grids at the nominal share too, for when the default does not fill it.
            for cell in (25.0, 150.0):
                g = rolling_backtest(x, y, t, share=share, months=args.test_months,
                                     train_months=args.train_months, tz=TZ, comparators=(),
                                     end=end,
                                     flag=grid_flagger(cell, share * res["study_area_m2"]))
                row = dict(g["rows"][0], method=f"grid {cell:g} m at the full share")
                res["rows"].append(row)
        out.append((s, res, secs))
        print(f"  {s}: {secs:.1f} s", flush=True)
    res0 = out[0][1]
    print(f"\nTest months {res0['months'][0]['month']} – {res0['months'][-1]['month']}, each "
          f"flagged from the {args.train_months} months before; study area "
          f"{res0['study_area_m2'] / 1e6:.1f} km² (150 m cells with a report); "
          f"{res0['rows'][0]['test_reports']:,} test reports.\n")
    print("| operating point | method | area % | hit rate | PAI | PEI | Jaccard month to month "
          "| s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for s, res, secs in out:
        label = "significance" if s == "sig" else f"coverage {100 * float(s):g} %"
        for i, r in enumerate(res["rows"]):
            bold = "**" if i == 0 else ""
            print(f"| {label if i == 0 else ''} | {bold}{r['method']}{bold} | "
                  f"{100 * r['area_share']:.3f} | {r['hit_rate']:.3f} | {_f(r['pai'], 1)} | "
                  f"{_f(r['pei'], 2)} | {_f(r['jaccard'], 2)} | "
                  f"{f'{secs:.0f}' if i == 0 else ''} |")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU "
          f"(load average at the end {os.getloadavg()[0]:.1f})")


def _f(v: float, d: int) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.{d}f}"


if __name__ == "__main__":
    main()
