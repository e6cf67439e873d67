"""Webhooks: registered by CLI and API, signed deliveries to a receiver on loopback, retries
of a failing receiver through the job queue, every attempt logged, SSRF refusals."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from est import jobs, webhooks
from est.errors import ValidationError
from est.models.webhooks import Webhook, WebhookDelivery
from est.services import moderation

NOW = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


@contextmanager
def receiver(statuses: list[int], delay: float = 0.0) -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1 answering POSTs with ``statuses`` in turn (then 200),
    each after ``delay`` seconds."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(delay)
            seen.append({"body": body, "headers": dict(self.headers), "path": self.path})
            status = statuses.pop(0) if statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", seen
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(autouse=True)
def inline_jobs(monkeypatch, session_factory):
    """Jobs run inline on the test transaction's sessions; loopback receivers are allowed."""
    monkeypatch.setattr(jobs._runtime, "redis_url", None)
    monkeypatch.setattr(jobs._runtime, "configured", True)
    monkeypatch.setattr(jobs._runtime, "session_factory", session_factory)
    monkeypatch.setenv("EST_WEBHOOK_ALLOW_PRIVATE", "1")
    jobs.forget_inline()
    yield
    jobs.forget_inline()


@pytest.fixture
def hallbo(make_area, make_organisation):
    area = make_area()
    return area, make_organisation("Hallbo AB", "bostadsbolag", area=area)


def attempts(db_session) -> list[WebhookDelivery]:
    db_session.expire_all()
    return list(db_session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_cli_hook_gets_signed_status_changes(runner, db_session, hallbo, make_report,
                                             make_actor):
    area, org = hallbo
    with receiver([]) as (url, seen):
        result = runner.invoke(args=["webhooks", "add", "Hallbo AB", url])
        assert result.exit_code == 0, result.output
        secret = result.output.strip().splitlines()[-1]
        assert secret.startswith("whsec_")
        listed = runner.invoke(args=["webhooks", "list"])
        assert url in listed.output and secret not in listed.output
        report = make_report(area=area, source="public", status="pending", occurred_at=NOW,
                             organisation_id=org.id, contact="hemlig@example.se")
        db_session.commit()
        moderation.publish(db_session, report.id, make_actor("coordinator", area=area))
        webhooks.drain()
        [delivery] = seen
    body = json.loads(delivery["body"])
    assert body["event"] == "report.published" and body["attempt"] == 1
    assert body["report"]["id"] == str(report.id) and body["report"]["status"] == "published"
    assert "hemlig" not in delivery["body"].decode()  # never the reporter's contact
    headers = {k.lower(): v for k, v in delivery["headers"].items()}
    assert headers["x-est-event"] == "report.published"
    assert headers["x-est-delivery"] == body["delivery"]
    assert webhooks.verify(secret, delivery["body"], headers["x-est-signature"])
    assert not webhooks.verify("whsec_other", delivery["body"], headers["x-est-signature"])
    assert not webhooks.verify(secret, delivery["body"] + b" ", headers["x-est-signature"])
    [logged] = attempts(db_session)
    assert (logged.event, logged.attempt, logged.status_code, logged.error) == \
        ("report.published", 1, 200, None)
    shown = runner.invoke(args=["webhooks", "log", str(logged.webhook_id)])
    assert "report.published" in shown.output and "HTTP 200" in shown.output


def test_a_failing_receiver_is_retried_and_every_attempt_logged(db_session, hallbo,
                                                                make_report, make_actor):
    """Retried at once here (inline jobs); on RQ after est.jobs.BACKOFF_S (10 s, 60 s …)."""
    area, org = hallbo
    with receiver([500, 503]) as (url, seen):
        webhooks.add_webhook(db_session, "Hallbo AB", url)
        report = make_report(area=area, source="public", status="pending", occurred_at=NOW,
                             organisation_id=org.id)
        db_session.commit()
        moderation.reject(db_session, report.id, make_actor("coordinator", area=area), "spam")
        webhooks.drain()
        assert len(seen) == 3
    bodies = [json.loads(s["body"]) for s in seen]
    assert [b["attempt"] for b in bodies] == [1, 2, 3]
    assert len({b["delivery"] for b in bodies}) == 1  # one event, retried
    assert bodies[0]["event"] == "report.rejected"
    logged = attempts(db_session)
    assert [(d.attempt, d.status_code, d.error) for d in logged] == [
        (1, 500, "HTTP 500"), (2, 503, "HTTP 503"), (3, 200, None)]


def test_nothing_is_sent_for_a_rolled_back_change_or_another_organisation(
        db_session, hallbo, make_report, make_organisation):
    area, org = hallbo
    other = make_organisation("Polisen", "polis", area=area)
    with receiver([]) as (url, seen):
        webhooks.add_webhook(db_session, "Hallbo AB", url)
        theirs = make_report(area=area, source="public", status="pending", occurred_at=NOW,
                             organisation_id=other.id)
        ours = make_report(area=area, source="public", status="pending", occurred_at=NOW,
                           organisation_id=org.id)
        db_session.commit()
        webhooks.notify(db_session, theirs, "report.published")  # Polisen has no hooks
        db_session.commit()
        webhooks.notify(db_session, ours, "report.published")
        db_session.rollback()  # the change did not happen: nothing is sent
        db_session.commit()
        webhooks.drain()
        assert seen == []
    assert attempts(db_session) == []


def test_removed_hooks_get_nothing(runner, db_session, hallbo, make_report, make_actor):
    area, org = hallbo
    with receiver([]) as (url, seen):
        hook, _secret = webhooks.add_webhook(db_session, org.id, url)
        result = runner.invoke(args=["webhooks", "remove", str(hook.id)])
        assert result.exit_code == 0, result.output
        report = make_report(area=area, source="public", status="pending", occurred_at=NOW,
                             organisation_id=org.id)
        db_session.commit()
        moderation.publish(db_session, report.id, make_actor("coordinator", area=area))
        webhooks.drain()
        assert seen == []
    assert "removed" in runner.invoke(args=["webhooks", "list"]).output


@pytest.mark.parametrize("url", [
    "ftp://example.se/hook", "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/", "http://[fe80::1]/hook", "http://user:pw@example.se/",
    "javascript:alert(1)", "http://", "http://exa mple.se/", "http://[", "http://[::1",
    "http://example.se:99999/"])
def test_ssrf_targets_are_refused(db_session, hallbo, url):
    with pytest.raises(ValidationError) as refused:
        webhooks.add_webhook(db_session, "Hallbo AB", url)
    assert "url" in refused.value.errors
    assert db_session.scalar(select(Webhook.id)) is None


def test_loopback_is_refused_in_production(monkeypatch, runner, hallbo):
    monkeypatch.delenv("EST_WEBHOOK_ALLOW_PRIVATE")
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.5/",
                "http://[::1]/"):
        result = runner.invoke(args=["webhooks", "add", "Hallbo AB", url])
        assert result.exit_code == 1 and "Error" in result.output, (url, result.output)


def test_admins_manage_hooks_through_the_api(client, sign_in, db_session, hallbo):
    _area, org = hallbo
    with receiver([]) as (url, _seen):
        sign_in("coordinator", org)
        refused = client.post("/api/v1/webhooks", json={"organisation": "Hallbo AB",
                                                        "url": url})
        assert refused.status_code == 403
        assert refused.mimetype == "application/problem+json"
        sign_in("admin", org)
        created = client.post("/api/v1/webhooks", json={"organisation": "Hallbo AB",
                                                        "url": url})
        assert created.status_code == 201, created.get_data(as_text=True)
        hook = created.get_json()
        assert hook["secret"].startswith("whsec_") and hook["active"] is True
        bad = client.post("/api/v1/webhooks", json={"organisation": "Hallbo AB",
                                                    "url": "http://169.254.169.254/"})
        assert bad.status_code == 400 and bad.get_json()["errors"][0]["field"] == "url"
        for _ in range(2):
            client.post("/api/v1/webhooks", json={"organisation": org.id, "url": url + "2"})
        page = client.get("/api/v1/webhooks?limit=2").get_json()
        assert [h["id"] for h in page["webhooks"]][0] == hook["id"]
        assert all("secret" not in h for h in page["webhooks"])
        rest = client.get(page["links"][0]["href"]).get_json()
        assert len(rest["webhooks"]) == 1 and "links" not in rest
        deleted = client.delete(f"/api/v1/webhooks/{hook['id']}")
        assert deleted.get_json() == {"id": hook["id"], "active": False}
        assert client.delete("/api/v1/webhooks/999999").status_code == 404


def test_an_action_marked_done_is_delivered_to_its_organisation(db_session, hallbo,
                                                                make_actor, category):
    from est.services import actions

    area, org = hallbo
    coordinator = make_actor("coordinator", org=org)
    with receiver([]) as (url, seen):
        webhooks.add_webhook(db_session, org.id, url)
        action = actions.create_action(db_session, coordinator, area_id=area.id, data={
            "category_id": str(category("klotter").id), "title": "Sanering vid stationen",
            "organisation_id": str(org.id), "starts_on": "2026-11-02"})
        actions.update_action(db_session, coordinator, action.id, {"status": "in_progress"})
        webhooks.drain()
        assert seen == []  # only done is an event
        actions.update_action(db_session, coordinator, action.id, {"status": "done"})
        webhooks.drain()
        actions.update_action(db_session, coordinator, action.id, {"outcome_note": "Klart"})
        webhooks.drain()
        [delivery] = seen  # done once, not again on a later edit
    body = json.loads(delivery["body"])
    assert body["event"] == "action.done"
    assert body["action"] == {"id": action.id, "title": "Sanering vid stationen",
                              "status": "done", "place_name": None}


def test_a_slow_receiver_does_not_hold_the_moderator(db_session, hallbo, make_report,
                                                     make_actor):
    area, org = hallbo
    with receiver([], delay=1.5) as (url, seen):
        webhooks.add_webhook(db_session, "Hallbo AB", url)
        report = make_report(area=area, source="public", status="pending", occurred_at=NOW,
                             organisation_id=org.id)
        db_session.commit()
        started = time.monotonic()
        moderation.publish(db_session, report.id, make_actor("coordinator", area=area))
        assert time.monotonic() - started < 1.0
        webhooks.drain()
        assert len(seen) == 1
