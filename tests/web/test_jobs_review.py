"""The review page with REDIS_URL: hot spots computed by a real ``est worker`` process.

A worker is another process, so this module commits its data to a throwaway database of its
own (the usual fixtures roll back a transaction no other process can see).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from est import jobs
from est.models import Area, Category, Organisation, Report, User
from est.models.hotspots import HotspotRun
from est.weeks import Week
from tests.conftest import HALLSBERG_BOX, migrated_engine, throwaway_database
from tests.servers import private_redis

ROOT = Path(__file__).resolve().parents[2]
TZ = "Europe/Stockholm"
W = Week.parse("2026-W10", TZ)


def at(day, hour=22):
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


@pytest.fixture(scope="module")
def committed():
    """A migrated database with Hallsberg, a coordinator and a busy station in week W."""
    with throwaway_database(f"est_test_jobs_{os.getpid()}") as url, \
            migrated_engine(url) as engine:
        with Session(engine) as s:
            area = Area(kind="municipality", code="1861", name="Hallsberg",
                        geom=from_shape(MultiPolygon([box(*HALLSBERG_BOX)]), srid=4326))
            s.add(area)
            s.flush()
            org = Organisation(name="Hallsbergs kommun", kind="kommun", area_id=area.id)
            s.add(org)
            s.flush()
            s.add(User(email="samordnare@jobs.example", name="Samordnare", role="coordinator",
                       organisation_id=org.id, password_hash="!unusable"))
            cats = {c.code: c for c in s.scalars(select(Category))}
            rng = np.random.default_rng(46)
            rows = [(15.1122 + rng.normal(0, 0.0002), 59.0651 + rng.normal(0, 0.0001),
                     "klotter", at(W.monday + timedelta(days=i % 7))) for i in range(25)]
            rows += [(float(rng.uniform(15.06, 15.16)), float(rng.uniform(59.035, 59.095)),
                      "nedskrapning", at(W.monday - timedelta(days=int(rng.integers(-6, 84))),
                                         14)) for _ in range(240)]
            for lon, lat, code, when in rows:
                s.add(Report(kind=cats[code].kind, category_id=cats[code].id,
                             geom=from_shape(Point(lon, lat), srid=4326), area_id=area.id,
                             occurred_at=when, status="reviewed", source="organisation"))
            s.commit()
        yield url, engine


@pytest.fixture
def redis_url(tmp_path):
    with private_redis(tmp_path) as url:
        yield url


@pytest.fixture
def app(committed, redis_url):
    from web import create_app

    url, engine = committed
    with Session(engine) as s:  # every test starts without a stored run
        s.execute(delete(HotspotRun))
        s.commit()
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                      "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["est_db"].dispose()
    jobs.configure(None)


def signed_in(app, engine):
    from est.services.users import start_session

    client = app.test_client()
    with Session(engine) as s:
        user_id = s.scalar(select(User.id).where(User.email == "samordnare@jobs.example"))
        token = start_session(s, user_id)
        s.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
        sess["_est_sid"] = token
        sess["_fresh"] = True
    return client


def run_worker(url: str, redis_url: str, *extra: str, var_dir: Path | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url}
    if var_dir is not None:
        env["EST_VAR_DIR"] = str(var_dir)
    proc = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_first_visit_queues_one_job_and_the_page_shows_the_result_when_ready(
        app, committed, redis_url):
    url, engine = committed
    first, second = signed_in(app, engine), signed_in(app, engine)
    html = first.get(f"/granskning/{W.slug}").get_data(as_text=True)
    assert "Beräknar hot spots för vecka 10 … sidan uppdateras automatiskt" in html
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in html
    job_url = re.search(r'data-job-url="(/jobb/[^"]+)"', html).group(1)
    assert re.search(r'<script nonce="[^"]+">\s*\(function \(\) \{\s*var note', html)
    # the rest of the week is there while the hot spots are computed
    assert re.search(r"<strong>\d+</strong> rapporter\s+denna vecka", html)
    # a second coordinator opening the same week joins the same job
    other = second.get(f"/granskning/{W.slug}").get_data(as_text=True)
    assert f'data-job-url="{job_url}"' in other
    assert jobs.queue_counts()["queued"] == 1
    state = first.get(job_url)
    assert state.status_code == 200 and state.get_json()["status"] == "queued"
    assert state.headers["Cache-Control"] == "no-store"
    assert "result" not in state.get_json()

    run_worker(url, redis_url, "worker", "--burst")
    assert first.get(job_url).get_json() == {**first.get(job_url).get_json(),
                                             "status": "finished", "done": True,
                                             "error": False}
    html = first.get(f"/granskning/{W.slug}").get_data(as_text=True)
    assert "Beräknar hot spots" not in html and 'class="hotspot' in html
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(HotspotRun)) == 1


def test_job_status_needs_a_signed_in_staff_user(app, committed):
    anonymous = app.test_client()
    assert anonymous.get("/jobb/kabc").status_code == 302
    client = signed_in(app, committed[1])
    assert client.get("/jobb/kabc").get_json()["status"] == "unknown"
    assert client.get("/jobb/" + "x" * 65).status_code == 404
    assert client.get("/jobb/a.b").status_code == 404


def test_without_redis_the_page_detects_inline(committed):
    from web import create_app

    url, engine = committed
    with Session(engine) as s:
        s.execute(delete(HotspotRun))
        s.commit()
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    try:
        html = signed_in(app, engine).get(f"/granskning/{W.slug}").get_data(as_text=True)
        assert "Beräknar" not in html and 'class="hotspot' in html
    finally:
        app.extensions["est_db"].dispose()
        jobs.configure(None)


def test_precompute_week_makes_the_next_view_a_cache_hit(app, committed, redis_url, tmp_path):
    from sqlalchemy import event

    url, engine = committed
    out = run_worker(url, redis_url, "jobs", "precompute-week", "--all", "--week", W.slug,
                     var_dir=tmp_path)
    assert "queued (körs av `est worker`)" in out
    again = run_worker(url, redis_url, "jobs", "precompute-week", "--week", W.slug,
                       var_dir=tmp_path)
    assert jobs.queue_counts()["queued"] == 1, again  # same kommun and week: the same job
    run_worker(url, redis_url, "worker", "--burst", var_dir=tmp_path)
    [ref] = jobs.recent(state="finished")
    assert ref.result["area"] == "1861" and ref.result["week"] == W.slug
    assert ref.result["coordinator"]["hotspots"] >= 1 and "seconds" in ref.result["lagesbild"]
    assert list((tmp_path / "cache" / "lagesbild").iterdir())  # the lägesbild is on disk

    statements: list[str] = []
    event.listen(app.extensions["est_db"].engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: statements.append(sql))
    html = signed_in(app, engine).get(f"/granskning/{W.slug}").get_data(as_text=True)
    assert "Beräknar" not in html and 'class="hotspot' in html
    assert not any("FILTER (WHERE" in sql for sql in statements)  # totals from the cache
    assert not any("hashtextextended" in sql and "concat_ws" in sql for sql in statements)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(HotspotRun)) == 1


def test_scheduler_keeps_one_monday_precompute(redis_url):
    from est.jobs import schedule

    jobs.configure(redis_url)
    try:
        sunday = datetime(2026, 3, 8, 23, 0, tzinfo=ZoneInfo(TZ))
        assert schedule.next_run(sunday) == datetime(2026, 3, 9, 5, 0, tzinfo=ZoneInfo(TZ))
        assert schedule.next_run(datetime(2026, 3, 9, 5, 0, tzinfo=ZoneInfo(TZ))) == \
            datetime(2026, 3, 16, 5, 0, tzinfo=ZoneInfo(TZ))
        # summer time: still 05:00 in Stockholm (03:00 UTC)
        assert schedule.next_run(datetime(2026, 6, 1, 6, 0, tzinfo=ZoneInfo(TZ))).hour == 3
        first = schedule.schedule_next_precompute(sunday)
        second = schedule.schedule_next_precompute(sunday)
        assert first.id == second.id and first.status == "queued"
        counts = jobs.queue_counts()
        assert counts["scheduled"] == 1 and counts["queued"] == 0
    finally:
        jobs.configure(None)
