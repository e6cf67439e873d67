"""Export time of a lägesbild for a year and a quarter of demo data (prints figures).

Uses ``DATABASE_URL`` (or the embedded cluster): loads the demo into it when it is missing.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.config import load_settings
from est.db import make_engine, resolve_database_url
from est.demo import load_demo
from est.lagesbild import build_lagesbild, render
from est.models import Area
from est.promises.draft import draft_promise


def main() -> None:
    """Build and render the demo lägesbild for a quarter and a year; print timings."""
    settings = load_settings()
    engine = make_engine(resolve_database_url(settings, log=lambda _m: None))
    today = date(2025, 6, 1)
    with Session(engine) as session:
        if session.scalar(select(Area).where(Area.code == "1861")) is None:
            load_demo(session, today=today)
        for days in (91, 365):
            start, end = today - timedelta(days=days), today - timedelta(days=1)
            t0 = time.perf_counter()
            lb = build_lagesbild(session, area_code="1861", start=start, end=end, today=today)
            line = [f"{days:>3} days: build {time.perf_counter() - t0:5.2f} s"]
            for fmt in ("html", "pdf", "docx", "md", "csv", "geojson"):
                t1 = time.perf_counter()
                body = render(lb, fmt)
                line.append(f"{fmt} {time.perf_counter() - t1:.2f} s/{len(body) // 1024} kB")
            t2 = time.perf_counter()
            render(draft_promise(lb, period_start=today, period_end=today + timedelta(days=364)),
                   "docx")
            line.append(f"promise docx {time.perf_counter() - t2:.2f} s")
            print(", ".join(line))
        session.rollback()


if __name__ == "__main__":
    main()
