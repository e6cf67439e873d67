"""Export time of a lägesbild for a quarter and a year of demo data (prints figures).

Run: ``.venv/bin/python benchmarks/lagesbild.py``. A throwaway database
``est_bench_lagesbild`` in the embedded cluster gets the demo municipality (a year of reports
ending the day before ``--today``); the lägesbild of the last 91 and 365 days is built (the
first build includes the period's hot spot detection) and rendered in every format. Then the
same through the on-disk cache (a temporary directory): the first build, a repeat view (the
page's build plus its HTML), a second format (cached build, only the render) and a repeat
download of that format.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy.orm import Session

from est.config import load_settings
from est.db import embedded_cluster, make_engine
from est.demo import load_demo
from est.lagesbild import build_lagesbild, render
from est.lagesbild.cache import LagesbildCache
from est.lagesbild.render import html_fragment
from est.migrate import upgrade
from est.promises.draft import draft_promise

BENCH_DB = "est_bench_lagesbild"


def main() -> None:
    """Build and render the demo lägesbild for a quarter and a year; print timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 6, 1))
    today = parser.parse_args().today
    cluster = embedded_cluster(load_settings({}))
    cluster.start(log=lambda _m: None)
    cluster.drop_database(BENCH_DB)
    cluster.ensure_database(BENCH_DB, log=lambda _m: None)
    engine = make_engine(cluster.url(BENCH_DB))
    try:
        upgrade(engine, "heads")
        with Session(engine) as session:
            result = load_demo(session, today=today)
            print(f"Demo: {result.reports} reports {result.start} – {result.end}")
            for days in (91, 365):
                start, end = today - timedelta(days=days), today - timedelta(days=1)
                t0 = time.perf_counter()
                lb = build_lagesbild(session, area_code="1861", start=start, end=end,
                                     today=today)
                line = [f"{days:>3} days: build {time.perf_counter() - t0:5.2f} s"]
                for fmt in ("html", "pdf", "docx", "md", "csv", "geojson"):
                    t1 = time.perf_counter()
                    body = render(lb, fmt)
                    line.append(f"{fmt} {time.perf_counter() - t1:.2f} s/"
                                f"{len(body) / 1024:.0f} kB")
                features = json.loads(render(lb, "geojson"))["features"]
                t2 = time.perf_counter()
                render(draft_promise(lb, period_start=today,
                                     period_end=today + timedelta(days=364)), "docx")
                line.append(f"promise docx {time.perf_counter() - t2:.2f} s")
                print(", ".join(line) + f" ({len(features)} GeoJSON features)")
            for days in (91, 365):
                print(_cached(session, today, days))
    finally:
        engine.dispose()
        cluster.drop_database(BENCH_DB)


def _cached(session: Session, today: date, days: int) -> str:
    """Time the cache: first build, repeat view, second format, repeat download."""
    def ms(t: float) -> str:
        return f"{1000 * (time.perf_counter() - t):.0f} ms"

    args = {"area_code": "1861", "start": today - timedelta(days=days),
            "end": today - timedelta(days=1), "today": today, "audience": "internal"}
    with tempfile.TemporaryDirectory() as tmp:
        cache = LagesbildCache(tmp)
        t = time.perf_counter()
        cache.build(session, **args)
        line = [f"{days:>3} days cached: first build {ms(t)}"]
        t = time.perf_counter()
        html_fragment(cache.build(session, **args))
        line.append(f"repeat view {ms(t)}")
        t = time.perf_counter()
        cache.key(session, **args)
        line.append(f"(fingerprint {ms(t)})")
        for fmt in ("pdf", "docx", "xlsx", "csv"):
            t = time.perf_counter()
            cache.render(session, fmt, render, **args)
            first = ms(t)
            t = time.perf_counter()
            cache.render(session, fmt, render, **args)
            line.append(f"{fmt} first {first}/repeat {ms(t)}")
    return ", ".join(line)


if __name__ == "__main__":
    main()
