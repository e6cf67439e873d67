"""Benchmark a region in one deployment: 40 municipalities, N reports a year, weekly precompute.

Run: ``.venv/bin/python benchmarks/region.py [--reports 200000] [--municipalities 40]
[--requests 30] [--code 1861] [--keep]``; the issue's region is ``--reports 2000000`` (about
20 minutes on a busy 2-core machine: COPY of 2M rows with the report indexes ≈ 6.5 min, the
precompute of 40 municipalities the rest); the default 200,000 keeps a run near 5 minutes.

A fresh database ``est_bench_region`` in the embedded cluster gets the real outlines of the
``--municipalities`` Swedish municipalities nearest to Hallsberg (``../shared/data/
swedish_municipalities.geojson``; synthetic 20 km squares if the file is missing) and
``--reports`` reports over the last 365 days, loaded with COPY: each municipality's share is
drawn from a skewed (Zipf-like) distribution, 30 % in four to eight compact hot spots, the
rest around the municipality's centre, every point inside its own outline. Then:

- ``route``: :func:`est.tenancy.municipality_for_point` (what every API/Open311 POST does) on
  2,000 random points, per call;
- ``precompute``: :func:`est.review.precompute.precompute_all` for every municipality (inline,
  one after the other, as without Redis; with ``REDIS_URL`` and workers they run in parallel):
  hot spot run, review cache for coordinators and viewers, and the default lägesbild, each;
- the review page of the last complete week for ``--code`` as a regional coordinator (an
  account without an organisation area, switched with ``?kommun=``) through the Flask test
  client (server time, no network): ``first`` (the run stored by the precompute, this
  process's cache empty), ``uncached`` (p50/p95 of ten views with the cache emptied before
  each) and ``cached`` (p50/p95 of ``--requests`` views).

Everything is printed; nothing is asserted. The database is dropped unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

BENCH_DB = "est_bench_region"
TZ = ZoneInfo("Europe/Stockholm")
OUTLINES = Path(__file__).resolve().parents[2] / "shared" / "data" / \
    "swedish_municipalities.geojson"
HALLSBERG = (15.11, 59.07)
# Hours of the day, weighted like the demo's evening profile.
HOURS = np.array([2, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 5, 5, 5, 5, 6, 7, 8, 9, 9, 8, 6, 4, 3], float)


def _outlines(count: int):
    """Return [(code, name, MultiPolygon)] of the ``count`` municipalities nearest Hallsberg."""
    from shapely.geometry import MultiPolygon, Polygon, box, shape

    if not OUTLINES.exists():
        print(f"({OUTLINES} missing: synthetic 20 km squares)")
        side = 0.35
        return [(f"9{i:03d}", f"Testkommun {i}", MultiPolygon([box(
            14.0 + (i % 8) * side, 58.5 + (i // 8) * side * 0.55,
            14.0 + (i % 8 + 1) * side, 58.5 + (i // 8 + 1) * side * 0.55)])) for i in range(count)]
    features = json.loads(OUTLINES.read_text(encoding="utf-8"))["features"]
    found = []
    for f in features:
        geom = shape(f["geometry"])
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        c = geom.representative_point()
        found.append(((c.x - HALLSBERG[0]) ** 2 * 0.26 + (c.y - HALLSBERG[1]) ** 2,
                      f["properties"]["id"], f["properties"]["kom_namn"], geom))
    found.sort(key=lambda t: t[0])
    return [(code, name, geom) for _, code, name, geom in found[:count]]


def _points_in(geom, n: int, rng, centre, sigma_deg: float):
    """Return ``n`` lon/lat points inside ``geom``, normal around ``centre`` (rejection)."""
    import shapely

    xs: list[np.ndarray] = [np.empty(0)]
    ys: list[np.ndarray] = [np.empty(0)]
    have = 0
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(60):
        if have >= n:
            break
        k = max(2 * (n - have), 64)
        x = rng.normal(centre[0], sigma_deg / 0.51, k)  # degrees of lon are ~0.51 of lat here
        y = rng.normal(centre[1], sigma_deg, k)
        inside = shapely.contains_xy(geom, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        have += int(inside.sum())
    x, y = np.concatenate(xs), np.concatenate(ys)
    if len(x) < n:  # a thin outline: fill uniformly over it
        extra = n - len(x)
        ux = rng.uniform(minx, maxx, extra * 50)
        uy = rng.uniform(miny, maxy, extra * 50)
        keep = shapely.contains_xy(geom, ux, uy)
        x, y = np.concatenate([x, ux[keep]]), np.concatenate([y, uy[keep]])
    return x[:n], y[:n]


def _load(session: Session, outlines, total: int, today: date, seed: int = 13) -> dict:
    """Insert the areas and COPY ``total`` reports; return per-code report counts."""
    from geoalchemy2.shape import from_shape

    from est.models import Area, Category, Organisation
    from est.services.categories import seed_categories

    seed_categories(session)
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(outlines) + 1) ** 0.8
    rng.shuffle(weights)
    counts = np.floor(weights / weights.sum() * total).astype(int)
    counts[0] += total - counts.sum()
    cats = [(c.id, c.kind) for c in session.scalars(select(Category).where(Category.active))]
    start = datetime.combine(today - timedelta(days=365), datetime.min.time(), TZ)
    t_start = int(start.timestamp())
    sizes: dict[str, int] = {}
    areas = []
    for code, name, geom in outlines:
        area = Area(kind="municipality", code=code, name=name, geom=from_shape(geom, srid=4326))
        session.add(area)
        areas.append(area)
    session.flush()
    for area in areas:
        session.add(Organisation(name=f"{area.name} kommun", kind="kommun", area_id=area.id))
    area_ids = [area.id for area in areas]  # read before COPY: nothing may load during it
    session.commit()
    cur = session.connection().connection.cursor()
    columns = "id, kind, category_id, geom, area_id, occurred_at, source, status"
    with cur.copy(f"COPY report ({columns}) FROM STDIN") as copy:
        for (code, _name, geom), area_id, n in zip(outlines, area_ids, counts, strict=True):
            sizes[code] = int(n)
            centre = geom.representative_point()
            n_hot = int(n * 0.3)
            spots = int(rng.integers(4, 9))
            hx, hy = _points_in(geom, spots, rng, (centre.x, centre.y), 0.03)
            parts = [_points_in(geom, n - n_hot, rng, (centre.x, centre.y), 0.02)]
            for i, share in enumerate(rng.dirichlet(np.ones(spots)) * n_hot):
                parts.append(_points_in(geom, int(share), rng, (hx[i], hy[i]), 0.0009))
            lon = np.concatenate([p[0] for p in parts])
            lat = np.concatenate([p[1] for p in parts])
            m = len(lon)
            seconds = (t_start + rng.integers(0, 365, m) * 86400
                       + rng.choice(24, m, p=HOURS / HOURS.sum()) * 3600
                       + rng.integers(0, 3600, m))
            when = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s",
                                         timezone="UTC")
            cat = rng.integers(0, len(cats), m)
            ids = rng.bytes(16 * m).hex()
            copy.write("".join(
                f"{ids[32 * i:32 * i + 32]}\t{cats[cat[i]][1]}\t{cats[cat[i]][0]}\t"
                f"SRID=4326;POINT({lon[i]:.6f} {lat[i]:.6f})\t{area_id}\t{when[i]}\t"
                "organisation\treviewed\n" for i in range(m)))
    session.commit()
    session.execute(text("ANALYZE report"))
    session.commit()
    return sizes


def _regional_client(app, session: Session):
    """Return a test client signed in as a regional coordinator (organisation without area)."""
    from est.models import Organisation, User
    from est.services.users import hash_password, start_session

    org = Organisation(name="Polisregion Bergslagen (bänk)", kind="polis", area_id=None)
    session.add(org)
    session.flush()
    user = User(email="region-bench@example.se", name="Region", role="coordinator",
                organisation_id=org.id, password_hash=hash_password("benchmark pw 1"))
    session.add(user)
    session.flush()
    token = start_session(session, user.id)
    session.commit()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_est_sid"] = token
        sess["_fresh"] = True
    return client


def _ms(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"{samples[0]:.0f}"
    q = statistics.quantiles(samples, n=20, method="inclusive")
    return f"p50 {statistics.median(samples):.0f} / p95 {q[18]:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200_000,
                        help="reports a year, all municipalities (the issue's region: 2000000)")
    parser.add_argument("--municipalities", type=int, default=40)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--code", default="1861", help="municipality whose review is timed")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-precompute", action="store_true",
                        help="skip precompute_all (the first page view then detects hot spots)")
    args = parser.parse_args()
    if not 1 <= args.municipalities <= 290 or not 1_000 <= args.reports <= 20_000_000:
        parser.error("--municipalities 1..290, --reports 1000..20000000")

    from est import tenancy
    from est.config import load_settings
    from est.db import embedded_cluster, make_engine
    from est.migrate import upgrade
    from est.review import Week
    from est.review.precompute import precompute_all
    from web import create_app

    cluster = embedded_cluster(load_settings({}))
    cluster.start(log=lambda _m: None)
    today = datetime.now(TZ).date()
    week = Week.containing(today - timedelta(days=7), "Europe/Stockholm")
    cluster.drop_database(BENCH_DB)
    cluster.ensure_database(BENCH_DB, log=lambda _m: None)
    url = cluster.url(BENCH_DB)
    scratch = tempfile.TemporaryDirectory(prefix="est-bench-region-")
    try:
        engine = make_engine(url)
        upgrade(engine, "heads")
        outlines = _outlines(args.municipalities)
        codes = [c for c, _n, _g in outlines]
        code = args.code if args.code in codes else codes[0]
        print(f"Region benchmark: {len(outlines)} municipalities, {args.reports:,} reports a "
              f"year, week {week.slug}, review timed for {code}")
        t0 = time.perf_counter()
        with Session(engine) as session:
            sizes = _load(session, outlines, args.reports, today)
        print(f"load (COPY + ANALYZE): {time.perf_counter() - t0:.1f} s; reports per "
              f"municipality min {min(sizes.values()):,}, median "
              f"{int(statistics.median(sizes.values())):,}, max {max(sizes.values()):,}; "
              f"{code}: {sizes[code]:,}")

        rng = np.random.default_rng(5)
        with Session(engine) as session:
            minx, miny, maxx, maxy = session.execute(text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(geom)::geometry AS e FROM area) s")).one()
            pts = list(zip(rng.uniform(minx, maxx, 2000), rng.uniform(miny, maxy, 2000),
                           strict=True))
            t0 = time.perf_counter()
            hits = sum(tenancy.municipality_for_point(session, float(x), float(y)) is not None
                       for x, y in pts)
            per = (time.perf_counter() - t0) / len(pts) * 1000
        print(f"route by point: {per:.2f} ms a call ({hits} of {len(pts)} random points in "
              "a served municipality)")

        os.environ.update({"DATABASE_URL": url, "EST_VAR_DIR": scratch.name})
        os.environ.pop("REDIS_URL", None)
        t0 = time.perf_counter()
        refs = [] if args.no_precompute else precompute_all(week.slug, today.isoformat())
        total_s = time.perf_counter() - t0
        failed = [r for r in refs if r.status != "finished"]
        review_s = [r.result["review_s"] for r in refs if isinstance(r.result, dict)
                    and "review_s" in r.result]
        lb_s = [r.result["lagesbild"].get("seconds") for r in refs if isinstance(r.result, dict)
                and isinstance(r.result.get("lagesbild"), dict)]
        lb_s = [s for s in lb_s if s is not None]
        print("precompute_all: skipped" if args.no_precompute else
              f"precompute_all: {total_s:.1f} s for {len(refs)} municipalities "
              f"({total_s / max(len(refs), 1):.1f} s each; review part median "
              f"{statistics.median(review_s or [0]):.2f} s, max {max(review_s or [0]):.2f} s; "
              f"lägesbild median {statistics.median(lb_s or [0]):.2f} s); failed: "
              f"{len(failed)}{' ' + failed[0].error if failed else ''}")

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "EST_VAR_DIR": scratch.name})
        with Session(engine) as session:
            client = _regional_client(app, session)
        path = f"/granskning/{week.slug}"
        t0 = time.perf_counter()
        first = client.get(f"{path}?kommun={code}")
        first_ms = (time.perf_counter() - t0) * 1000
        assert first.status_code == 200, first.status_code
        uncached = []
        for _ in range(10):
            app.extensions["est_review_cache"].clear()
            t0 = time.perf_counter()
            client.get(path)
            uncached.append((time.perf_counter() - t0) * 1000)
        cached = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            res = client.get(path)
            cached.append((time.perf_counter() - t0) * 1000)
        html = res.get_data(as_text=True)
        count = html.split("<strong>", 1)[1].split("</strong>", 1)[0] if "<strong>" in html \
            else "?"
        print(f"review page {code} (regional coordinator): first {first_ms:.0f} ms; uncached "
              f"{_ms(uncached)} ms; cached {_ms(cached)} ms; HTML {len(res.data) / 1024:.0f} kB; "
              f"reports that week {count}")
        app.extensions["est_db"].dispose()
        engine.dispose()
    finally:
        scratch.cleanup()
        if not args.keep:
            cluster.drop_database(BENCH_DB)
    print(f"finished {datetime.now(UTC):%H:%M:%S} UTC")


if __name__ == "__main__":
    main()
