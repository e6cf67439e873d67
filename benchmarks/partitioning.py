"""Measure whether the ``report`` table should be partitioned by month (issue 13).

Run: ``.venv/bin/python benchmarks/partitioning.py [--sizes 1000000,10000000] [--months 36]``.

For each size a throwaway database ``est_bench_part_<n>`` in the embedded cluster gets two
copies of the same generated rows, shaped like ``report`` where it matters (uuid key,
``area_id``, ``occurred_at`` spread evenly over ``--months`` months, ``status``, a unique
``idempotency_key``, a PostGIS point in the Hallsberg box with a GiST index, the
``(area_id, occurred_at)`` index):

* ``report_plain``: one table, as the live schema is today;
* ``report_part``: ``PARTITION BY RANGE (occurred_at)``, one partition per month, primary key
  ``(id, occurred_at)`` and unique ``(idempotency_key, occurred_at)`` (a unique constraint on
  a partitioned table must contain the partition key), the same indexes on every partition
  (created after the copy, as a migration would: ``INSERT … SELECT`` then ``CREATE INDEX``).

Timed (median of ``--repeat`` warm runs, ``EXPLAIN (ANALYZE)`` execution time in ms):
``week``, the review query (one area, one week, status not rejected, count per status);
``bbox``, points of one week inside a 1 km box (GiST); ``year``, the month counts of one
area over a year; and the retention step ``drop_month``, removing the oldest month
(``DELETE`` on the plain table, ``DETACH`` + ``DROP`` of a partition). Load and index times
are printed too. The live schema is never touched. ``--keep`` leaves the databases.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from sqlalchemy import text

START = date(2023, 1, 1)
BOX = (15.05, 59.03, 15.17, 59.10)

COLUMNS = """
    id uuid NOT NULL,
    area_id integer NOT NULL,
    category_id integer NOT NULL,
    occurred_at timestamptz NOT NULL,
    status varchar(16) NOT NULL,
    idempotency_key varchar(128),
    description text,
    geom geometry(Point, 4326) NOT NULL
"""

QUERIES = {
    "week": """SELECT status, count(*) FROM {t}
               WHERE area_id = 3 AND occurred_at >= '{w0}' AND occurred_at < '{w1}'
                 AND status <> 'rejected' GROUP BY status""",
    "bbox": """SELECT count(*) FROM {t}
               WHERE geom && ST_MakeEnvelope(15.10, 59.05, 15.117, 59.059, 4326)
                 AND occurred_at >= '{w0}' AND occurred_at < '{w1}'""",
    "year": """SELECT date_trunc('month', occurred_at), count(*) FROM {t}
               WHERE area_id = 3 AND occurred_at >= '{y0}' AND occurred_at < '{w1}'
               GROUP BY 1""",
}


def _month(i: int) -> date:
    y, m = divmod(START.month - 1 + i, 12)
    return date(START.year + y, m + 1, 1)


def _timed(conn, sql: str) -> float:
    t0 = time.perf_counter()
    conn.execute(text(sql))
    return time.perf_counter() - t0


def _explain_ms(conn, sql: str) -> float:
    plan = conn.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).scalar_one()
    return float(plan[0]["Execution Time"])


def _load(conn, n: int, months: int) -> dict[str, float]:
    span_days = (_month(months) - START).days
    out = {}
    conn.execute(text(f"CREATE TABLE report_plain ({COLUMNS}, PRIMARY KEY (id), "
                      "UNIQUE (idempotency_key))"))
    out["load_plain_s"] = _timed(conn, f"""
        INSERT INTO report_plain
        SELECT gen_random_uuid(), 1 + (i % 12), 1 + (i % 9),
               timestamptz '{START}' + random() * interval '{span_days} days',
               (ARRAY['new','new','confirmed','confirmed','confirmed','rejected'])[1 + (i % 6)],
               CASE WHEN i % 4 = 0 THEN 'k' || i END, NULL,
               ST_SetSRID(ST_MakePoint({BOX[0]} + random() * {BOX[2] - BOX[0]},
                                       {BOX[1]} + random() * {BOX[3] - BOX[1]}), 4326)
        FROM generate_series(1, {n}) AS i""")
    t0 = time.perf_counter()
    conn.execute(text("CREATE INDEX ON report_plain (area_id, occurred_at)"))
    conn.execute(text("CREATE INDEX ON report_plain (occurred_at)"))
    conn.execute(text("CREATE INDEX ON report_plain USING gist (geom)"))
    out["index_plain_s"] = time.perf_counter() - t0
    conn.execute(text(f"CREATE TABLE report_part ({COLUMNS}, PRIMARY KEY (id, occurred_at), "
                      "UNIQUE (idempotency_key, occurred_at)) PARTITION BY RANGE (occurred_at)"))
    for i in range(months):
        a, b = _month(i), _month(i + 1)
        conn.execute(text(f"CREATE TABLE report_part_{a:%Y_%m} PARTITION OF report_part "
                          f"FOR VALUES FROM ('{a}') TO ('{b}')"))
    out["load_part_s"] = _timed(conn, "INSERT INTO report_part SELECT * FROM report_plain")
    t0 = time.perf_counter()
    conn.execute(text("CREATE INDEX ON report_part (area_id, occurred_at)"))
    conn.execute(text("CREATE INDEX ON report_part (occurred_at)"))
    conn.execute(text("CREATE INDEX ON report_part USING gist (geom)"))
    out["index_part_s"] = time.perf_counter() - t0
    conn.execute(text("VACUUM ANALYZE report_plain"))
    conn.execute(text("VACUUM ANALYZE report_part"))
    out["size_plain_mb"] = conn.execute(text(
        "SELECT pg_total_relation_size('report_plain') / 1e6")).scalar_one()
    return out


def _measure(conn, months: int, repeat: int) -> dict[str, float]:
    last = _month(months - 1)
    w0 = date(last.year, last.month, 8)
    w1 = date(last.year, last.month, 15)
    y0 = _month(months - 12)
    out: dict[str, float] = {}
    for name, sql in QUERIES.items():
        for table in ("plain", "part"):
            q = sql.format(t=f"report_{table}", w0=w0, w1=w1, y0=y0)
            _explain_ms(conn, q)  # warm the cache
            out[f"{name}_{table}_ms"] = statistics.median(
                _explain_ms(conn, q) for _ in range(repeat))
    first, second = _month(0), _month(1)
    out["drop_month_plain_ms"] = 1000 * _timed(
        conn, f"DELETE FROM report_plain WHERE occurred_at < '{second}'")
    t0 = time.perf_counter()
    conn.execute(text(f"ALTER TABLE report_part DETACH PARTITION report_part_{first:%Y_%m}"))
    conn.execute(text(f"DROP TABLE report_part_{first:%Y_%m}"))
    out["drop_month_part_ms"] = 1000 * (time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or any(not 1000 <= n <= 50_000_000 for n in sizes):
        parser.error("--sizes must be row counts from 1000 to 50000000, comma separated")
    if not 2 <= args.months <= 240:
        parser.error("--months must be from 2 to 240")

    from est.config import load_settings
    from est.db import embedded_cluster, make_engine

    cluster = embedded_cluster(load_settings({}))
    cluster.start(log=lambda _m: None)
    for n in sizes:
        name = f"est_bench_part_{n}"
        cluster.drop_database(name)
        cluster.ensure_database(name, log=lambda _m: None)
        engine = make_engine(cluster.url(name), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("SET maintenance_work_mem = '256MB'"))
                figures = _load(conn, n, args.months)
                figures.update(_measure(conn, args.months, args.repeat))
        finally:
            engine.dispose()
            if not args.keep:
                cluster.drop_database(name)
        print(f"rows={n} months={args.months} "
              + " ".join(f"{k}={v:.2f}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
