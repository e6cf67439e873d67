"""Benchmark the weekly review page: server time (p50/p95) and HTML size.

Run: ``.venv/bin/python benchmarks/review.py [--sizes 10000,100000,1000000] [--requests 20]``.

For each size a fresh database ``est_bench_review`` in the embedded cluster gets the demo
municipality (Hallsberg) and N reports a year spread like the demo (town-centre background,
compact hot spots, weekday/hour patterns), loaded with COPY. A coordinator then requests the
review page of the last complete week through the Flask test client (server time only, no
network): the first request includes the hot spot detection for the week and fills the review
cache (``est.review.cache``, a per-process LRU here as in a gunicorn worker without Redis);
the next ``--requests`` are cached views (p50/p95); ``uncached`` is the median of five views
with the cache emptied before each (the stored run is reused: what a view costs right after a
report of that week changed). ``--keep`` leaves the database, ``--reuse`` times first views
again on a kept one (its hot spot runs deleted).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

BENCH_DB = "est_bench_review"
TZ = ZoneInfo("Europe/Stockholm")


def _reports(n: int, today: date, seed: int = 7):
    """Yield COPY rows: demo-like places scaled to ``n`` reports over 365 days."""
    from est.demo import GROUPS, PROFILES

    rng = np.random.default_rng(seed)
    base_total = sum(g.n for g in GROUPS if g.sigma_m > 0)
    start = datetime.combine(today - timedelta(days=365), datetime.min.time(), TZ)
    for g in GROUPS:
        if g.sigma_m == 0:
            continue
        k = int(round(n * g.n / base_total))
        span = g.last_days or 365
        lat = g.lat + rng.normal(0, g.sigma_m, k) / 110_574.0
        lon = g.lon + rng.normal(0, g.sigma_m, k) / (111_320.0 * np.cos(np.radians(g.lat)))
        hours_w = np.array(PROFILES[g.profile][1], dtype=float)
        days = rng.integers(365 - span, 365, k)
        hours = rng.choice(24, k, p=hours_w / hours_w.sum())
        minutes = rng.integers(0, 60, k)
        codes = list(g.categories)
        p = np.array(list(g.categories.values()))
        cats = rng.choice(len(codes), k, p=p / p.sum())
        for i in range(k):
            at = start + timedelta(days=int(days[i]), hours=int(hours[i]), minutes=int(minutes[i]))
            yield (g.kind, codes[cats[i]], float(lon[i]), float(lat[i]), at)


def _load(session: Session, n: int, today: date) -> None:
    from est.demo import load_demo
    from est.models import Area, Category

    load_demo(session, today=today)
    session.execute(text("DELETE FROM report"))
    area_id = session.scalar(select(Area.id).where(Area.kind == "municipality",
                                                   Area.code == "1861"))
    cats = {c.code: c.id for c in session.scalars(select(Category))}
    cur = session.connection().connection.cursor()
    with cur.copy("COPY report (id, kind, category_id, geom, area_id, occurred_at, source, "
                  "status) FROM STDIN") as copy:
        for kind, code, lon, lat, at in _reports(n, today):
            copy.write_row((uuid.uuid4(), kind, cats[code], f"SRID=4326;POINT({lon} {lat})",
                            area_id, at, "organisation", "reviewed"))
    session.commit()
    session.execute(text("ANALYZE report"))
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a kept database of the same size (first views again)")
    args = parser.parse_args()

    from est.config import load_settings
    from est.db import embedded_cluster, make_engine
    from est.migrate import upgrade
    from est.models import Organisation, User
    from est.review import Week
    from est.services.users import hash_password, start_session
    from web import create_app

    cluster = embedded_cluster(load_settings({}))
    cluster.start(log=lambda _m: None)
    today = datetime.now(TZ).date()
    week = Week.containing(today - timedelta(days=7), "Europe/Stockholm")
    print(f"Review page benchmark, week {week.slug}, {args.requests} timed requests per size")
    print(f"{'reports/year':>12} {'load s':>8} {'first ms':>9} {'uncached':>9} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'HTML kB':>8} {'week reports':>12} {'hot spots':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        name = f"{BENCH_DB}_{n}"
        if not args.reuse:
            cluster.drop_database(name)
        cluster.ensure_database(name, log=lambda _m: None)
        url = cluster.url(name)
        engine = make_engine(url)
        upgrade(engine, "heads")
        t0 = time.perf_counter()
        with Session(engine) as session:
            if args.reuse:
                session.execute(text("DELETE FROM hotspot_run"))
                session.execute(text("DELETE FROM user_account WHERE email = 'bench@example.se'"))
            else:
                _load(session, n, today)
            org = session.scalar(select(Organisation).limit(1))
            user = User(email="bench@example.se", name="Bench", role="coordinator",
                        organisation_id=org.id, password_hash=hash_password("benchmark pw 1"))
            session.add(user)
            session.flush()
            token = start_session(session, user.id)
            session.commit()
            user_id = user.id
        load_s = time.perf_counter() - t0
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False})
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user_id)
            sess["_est_sid"] = token
            sess["_fresh"] = True
        path = f"/granskning/{week.slug}"
        t0 = time.perf_counter()
        first = client.get(path)
        first_ms = (time.perf_counter() - t0) * 1000
        assert first.status_code == 200, first.status_code
        uncached = []
        for _ in range(5):
            app.extensions["est_review_cache"].clear()
            t0 = time.perf_counter()
            client.get(path)
            uncached.append((time.perf_counter() - t0) * 1000)
        times = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            res = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
        html = res.get_data(as_text=True)
        q = statistics.quantiles(times, n=20)
        count = html.split("<strong>", 1)[1].split("</strong>", 1)[0]
        n_hotspots = len(re.findall(r'class="hotspot( urgent)?"', html))
        print(f"{n:>12,} {load_s:>8.1f} {first_ms:>9.0f} {statistics.median(uncached):>9.0f} "
              f"{statistics.median(times):>8.0f} {q[18]:>8.0f} {len(res.data) / 1024:>8.0f} "
              f"{count:>12} {n_hotspots:>9}")
        app.extensions["est_db"].dispose()
        engine.dispose()
        if not args.keep:
            cluster.drop_database(name)


if __name__ == "__main__":
    main()
