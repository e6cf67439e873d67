"""Benchmark the review page with 1M month-dated reports: week page and month page.

Run: ``.venv/bin/python benchmarks/review_month_dated.py [--month-dated 1000000]
[--timed 20000] [--requests 5]``.

A fresh database ``est_bench_review_month`` in the embedded cluster gets the demo
municipality (Hallsberg), ``--timed`` reports with exact times over the last year (spread like
the demo) and ``--month-dated`` reports dated only to a month (stored on the 1st at local
midnight, ``time_precision = 'month'``, as an export with ``YYYY-MM`` dates gives them) spread
over the last 12 months at the same places, all loaded with COPY. A coordinator then requests,
through the Flask test client (server time, no network): the week that holds the 1st of the
last complete month (where month-dated reports used to pile up), the last complete week, the
last complete month and the month in progress; first view (hot spot detection included) and
the median of ``--requests`` repeat views. It prints what each page said about the
month-dated reports.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from review import _reports  # noqa: E402  (the demo-like generator of benchmarks/review.py)

BENCH_DB = "est_bench_review_month"
TZ = ZoneInfo("Europe/Stockholm")


def _load(session: Session, n_month: int, n_timed: int, today) -> None:
    from est.demo import load_demo
    from est.models import Area, Category

    load_demo(session, today=today)
    session.execute(text("DELETE FROM report"))
    area_id = session.scalar(select(Area.id).where(Area.kind == "municipality",
                                                   Area.code == "1861"))
    cats = {c.code: c.id for c in session.scalars(select(Category))}
    first = today.replace(day=1)
    cur = session.connection().connection.cursor()
    with cur.copy("COPY report (id, kind, category_id, geom, area_id, occurred_at, "
                  "time_precision, source, status) FROM STDIN") as copy:
        for kind, code, lon, lat, at in _reports(n_timed, today, seed=3):
            copy.write_row((uuid.uuid4(), kind, cats[code], f"SRID=4326;POINT({lon} {lat})",
                            area_id, at, "exact", "organisation", "reviewed"))
        for i, (kind, code, lon, lat, _at) in enumerate(_reports(n_month, today, seed=11)):
            back = i % 12 + 1  # the last 12 whole months, evenly
            y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
            at = datetime(y, m + 1, 1, tzinfo=TZ)
            copy.write_row((uuid.uuid4(), kind, cats[code], f"SRID=4326;POINT({lon} {lat})",
                            area_id, at, "month", "organisation", "reviewed"))
    session.commit()
    # Autovacuum does this after a bulk import; the month-dated counts then come from the
    # index alone (ix_report_month_dated, migration 0009).
    bind = session.get_bind()
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE report"))


def _said(html: str) -> str:
    notes = re.findall(r'<p class="notice month-only">(.*?)</p>', html, re.S)
    plain = re.sub(r"<[^>]+>", "", " / ".join(notes))
    return re.sub(r"\s+", " ", plain).strip() or "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month-dated", type=int, default=1_000_000)
    parser.add_argument("--timed", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--keep", action="store_true",
                        help="keep the benchmark database afterwards (for profiling)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a kept database (no load; first views hit stored runs "
                        "unless they are deleted, which this does)")
    args = parser.parse_args()

    from est.config import load_settings
    from est.db import embedded_cluster, make_engine
    from est.migrate import upgrade
    from est.models import Organisation, User
    from est.review import Month, Week
    from est.services.users import start_session
    from web import create_app

    cluster = embedded_cluster(load_settings({}))
    cluster.start(log=lambda _m: None)
    today = datetime.now(TZ).date()
    last_month = Month.containing(today, "Europe/Stockholm").shift(-1)
    pages = [
        ("week of the 1st", Week.containing(last_month.first_day, "Europe/Stockholm").slug),
        ("last whole week", Week.containing(today - timedelta(days=7), "Europe/Stockholm").slug),
        ("last month", last_month.slug),
        ("month in progress", last_month.shift(1).slug),
    ]
    if not args.reuse:
        cluster.drop_database(BENCH_DB)
    cluster.ensure_database(BENCH_DB, log=lambda _m: None)
    url = cluster.url(BENCH_DB)
    engine = make_engine(url)
    try:
        upgrade(engine, "heads")
        t0 = time.perf_counter()
        with Session(engine) as session:
            if args.reuse:
                # First views again: no stored runs, no earlier benchmark user.
                session.execute(text("DELETE FROM hotspot_run"))
                session.execute(delete(User).where(User.email == "bench@example.se"))
            else:
                _load(session, args.month_dated, args.timed, today)
            org = session.scalar(select(Organisation).limit(1))
            user = User(email="bench@example.se", name="Bench", role="coordinator",
                        organisation_id=org.id, password_hash="!unusable")
            session.add(user)
            session.flush()
            token = start_session(session, user.id)
            session.commit()
            user_id = user.id
        load_s = time.perf_counter() - t0
        print(f"Review page with {args.month_dated:,} month-dated and {args.timed:,} timed "
              f"reports (loaded with COPY in {load_s:.0f} s); {args.requests} repeat views")
        print(f"{'page':<18} {'slug':<9} {'first ms':>9} {'repeat ms':>10} {'HTML kB':>8}  "
              "what it said about month-dated reports")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user_id)
            sess["_est_sid"] = token
            sess["_fresh"] = True
        for name, slug in pages:
            t0 = time.perf_counter()
            first = client.get(f"/granskning/{slug}")
            first_ms = (time.perf_counter() - t0) * 1000
            assert first.status_code == 200, (slug, first.status_code)
            times = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                res = client.get(f"/granskning/{slug}")
                times.append((time.perf_counter() - t0) * 1000)
            html = res.get_data(as_text=True)
            print(f"{name:<18} {slug:<9} {first_ms:>9.0f} {statistics.median(times):>10.0f} "
                  f"{len(res.data) / 1024:>8.0f}  {_said(html)}")
        app.extensions["est_db"].dispose()
    finally:
        engine.dispose()
        if not args.keep:
            cluster.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
