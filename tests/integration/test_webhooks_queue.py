"""Webhooks through the real queue: a private redis-server and a real ``est worker --burst``.

A status change enqueues one RQ job per hook (nothing is sent by the web process); the
worker, another process, delivers it signed to a receiver on 127.0.0.1; a failing receiver is
retried by RQ (``Retry``) and every attempt is a ``webhook_delivery`` row. The worker cannot
see the usual rolled-back test transaction, so this module commits to a throwaway database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from est import jobs, webhooks
from est.access import actor_for
from est.models import Area, Category, Organisation, Report, User
from est.models.webhooks import Webhook, WebhookDelivery
from est.services import moderation
from tests.conftest import HALLSBERG_BOX, migrated_engine, throwaway_database
from tests.servers import private_redis
from tests.web.test_webhooks import NOW, receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def committed():
    """A migrated database with Hallsberg, Hallbo AB and its coordinator."""
    with throwaway_database(f"est_test_webhooks_{os.getpid()}") as url, \
            migrated_engine(url) as engine:
        with Session(engine) as s:
            area = Area(kind="municipality", code="1861", name="Hallsberg",
                        geom=from_shape(MultiPolygon([box(*HALLSBERG_BOX)]), srid=4326))
            s.add(area)
            s.flush()
            org = Organisation(name="Hallbo AB", kind="bostadsbolag", area_id=area.id)
            s.add(org)
            s.flush()
            s.add(User(email="samordnare@hooks.example", name="Samordnare",
                       role="coordinator", organisation_id=org.id, password_hash="!unusable"))
            s.commit()
        yield url, engine


@pytest.fixture
def queue(committed, tmp_path, monkeypatch):
    """Jobs go to a private redis-server; retries are requeued at once (burst workers)."""
    _url, engine = committed
    with Session(engine) as s:
        s.execute(delete(WebhookDelivery))
        s.execute(delete(Webhook))
        s.commit()
    monkeypatch.setenv("EST_WEBHOOK_ALLOW_PRIVATE", "1")
    monkeypatch.setattr(jobs, "BACKOFF_S", (0,))
    with private_redis(tmp_path) as redis_url:
        jobs.configure(redis_url)
        yield redis_url
    jobs.configure(None)


def new_report(s: Session) -> Report:
    org = s.scalars(select(Organisation).where(Organisation.name == "Hallbo AB")).one()
    cat = s.scalars(select(Category).where(Category.code == "klotter")).one()
    report = Report(kind=cat.kind, category_id=cat.id, area_id=org.area_id,
                    geom=from_shape(Point(15.1122, 59.0651), srid=4326), occurred_at=NOW,
                    status="pending", source="public", organisation_id=org.id,
                    contact="hemlig@example.se")
    s.add(report)
    s.commit()
    return report


def coordinator(s: Session):
    return actor_for(s, s.scalars(select(User).where(
        User.email == "samordnare@hooks.example")).one())


def run_worker(db_url: str, redis_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
           "EST_WEBHOOK_ALLOW_PRIVATE": "1"}
    proc = subprocess.run([sys.executable, "-c", "from web.cli import main; main()",
                           "worker", "--burst"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def logged(engine) -> list[tuple[int, int | None, str | None, str]]:
    with Session(engine) as s:
        return [(d.attempt, d.status_code, d.error, d.event) for d in s.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_a_status_change_is_queued_and_the_worker_delivers_it_signed(committed, queue):
    db_url, engine = committed
    with receiver([]) as (url, seen), Session(engine) as s:
        _hook, secret = webhooks.add_webhook(s, "Hallbo AB", url)
        report_id = new_report(s).id
        moderation.publish(s, report_id, coordinator(s))
        counts = jobs.queue_counts()
        assert counts["queued"] == 1, counts  # queued, not sent by this process
        assert seen == [] and logged(engine) == []
        run_worker(db_url, queue)
        [delivery] = seen
    body = json.loads(delivery["body"])
    assert (body["event"], body["attempt"]) == ("report.published", 1)
    assert body["report"]["id"] == str(report_id)
    assert "hemlig" not in delivery["body"].decode()
    headers = {k.lower(): v for k, v in delivery["headers"].items()}
    assert headers["x-est-delivery"] == body["delivery"]
    assert webhooks.verify(secret, delivery["body"], headers["x-est-signature"])
    assert logged(engine) == [(1, 200, None, "report.published")]
    [job] = jobs.recent(state="finished")
    assert job.func == "est.webhooks:deliver" and job.result == 200


def test_a_failing_receiver_is_retried_by_rq_and_every_attempt_logged(committed, queue):
    db_url, engine = committed
    with receiver([500, 503]) as (url, seen), Session(engine) as s:
        webhooks.add_webhook(s, "Hallbo AB", url)
        report = new_report(s)
        moderation.reject(s, report.id, coordinator(s), "spam")
        run_worker(db_url, queue)
        assert len(seen) == 3
    bodies = [json.loads(d["body"]) for d in seen]
    assert [b["attempt"] for b in bodies] == [1, 2, 3]
    assert len({b["delivery"] for b in bodies}) == 1  # one event, retried
    assert logged(engine) == [(1, 500, "HTTP 500", "report.rejected"),
                              (2, 503, "HTTP 503", "report.rejected"),
                              (3, 200, None, "report.rejected")]


def test_a_receiver_that_never_answers_2xx_fails_the_job_after_the_retries(committed, queue):
    db_url, engine = committed
    with receiver([500] * (webhooks.RETRIES + 1)) as (url, seen), Session(engine) as s:
        webhooks.add_webhook(s, "Hallbo AB", url)
        report = new_report(s)
        moderation.publish(s, report.id, coordinator(s))
        run_worker(db_url, queue)
        assert len(seen) == webhooks.RETRIES + 1
    assert [a for a, *_ in logged(engine)] == list(range(1, webhooks.RETRIES + 2))
    [job] = jobs.recent(state="failed")
    assert job.func == "est.webhooks:deliver" and "HTTP 500" in (job.error or "")
