"""Webhooks: an organisation registers a URL; status changes of its reports are POSTed to it.

Events: ``report.published``, ``report.rejected``, ``report.closed`` (moderation; a report
marked as a duplicate is rejected too) and ``action.done`` (an action whose responsible
organisation has hooks was marked done). :func:`notify` is called inside the use case's
transaction; the deliveries are queued only after that transaction commits (nothing is sent
for a change that was rolled back), one job per hook through :func:`est.jobs.enqueue` with
``retry=RETRIES`` (RQ waits ``est.jobs.BACKOFF_S`` between tries: 10 s, 60 s, 5 min, 15 min,
1 h; inline without ``REDIS_URL``).

A delivery is ``POST <url>`` with a JSON body and ``X-EST-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256 of "<t>.<body>" under the hook's secret>``, ``X-EST-Event`` and
``X-EST-Delivery`` (the event id, the same on every retry). Any 2xx is delivered; anything
else, or no answer within :data:`TIMEOUT_S`, is a failed attempt (retried). Every attempt is
a ``webhook_delivery`` row.

URLs must be http(s). Link-local and cloud metadata addresses are always refused; loopback,
private and other non-global addresses too unless ``EST_WEBHOOK_ALLOW_PRIVATE=1`` (tests, a
closed network). The host is resolved and checked when the hook is added and again before
every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import jobs
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.models import Organisation, Report
from est.models.webhooks import Webhook, WebhookDelivery
from est.services.users import find_organisation

log = logging.getLogger(__name__)

EVENTS = ("report.published", "report.rejected", "report.closed", "action.done")
RETRIES = 5
TIMEOUT_S = 5
MAX_URL = 2000
SIGNATURE_HEADER = "X-EST-Signature"
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
METADATA_IPS = frozenset({ipaddress.ip_address("169.254.169.254"),
                          ipaddress.ip_address("fd00:ec2::254"),
                          ipaddress.ip_address("100.100.100.200")})
_PENDING = "est_webhook_pending"
_threads: list[threading.Thread] = []
_threads_lock = threading.Lock()


@dataclass(frozen=True)
class HookRow:
    """A registered hook as listed (never its secret)."""

    id: int
    organisation: str
    url: str
    created_at: datetime
    active: bool


def allow_private() -> bool:
    """Return True when loopback/private targets are allowed (``EST_WEBHOOK_ALLOW_PRIVATE``)."""
    return os.environ.get("EST_WEBHOOK_ALLOW_PRIVATE", "").strip().lower() in ("1", "true",
                                                                                "yes")


def check_url(url: str) -> str:
    """Return ``url`` if a hook may POST to it; else ValidationError naming ``url``.

    http(s) only, no credentials in it; every address the host resolves to must be global
    (never link-local or a metadata address; loopback/private only with
    :func:`allow_private`).
    """
    url = (url or "").strip()
    if not url or len(url) > MAX_URL or "\x00" in url or any(c.isspace() for c in url):
        raise ValidationError(f"give an http(s) URL of at most {MAX_URL} characters",
                              field="url")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise ValidationError("the URL cannot be read", field="url") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise ValidationError("the URL must start with http:// or https:// and name a host",
                              field="url")
    if parts.username or parts.password:
        raise ValidationError("the URL may not hold a user name or password", field="url")
    host = hostname.lower().rstrip(".")
    if host in METADATA_HOSTS:
        raise ValidationError("cloud metadata addresses are refused", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise ValidationError(f"the host {host[:100]} cannot be resolved", field="url") \
            from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address in METADATA_IPS or address.is_link_local:
            raise ValidationError("link-local and cloud metadata addresses are refused",
                                  field="url")
        if not address.is_global and not allow_private():
            raise ValidationError("the host resolves to a loopback, private or reserved "
                                  "address; only public addresses are allowed", field="url")
    return url


def add_webhook(session: Session, organisation: str | int, url: str) -> tuple[Webhook, str]:
    """Register ``url`` for an organisation (name or id); return the hook and its secret.

    The secret is returned only here (the API and the CLI show it once).
    """
    url = check_url(url)
    with transaction(session):
        org = find_organisation(session, organisation)
        if org is None:
            raise NotFound(f"no organisation {str(organisation)[:100]!r}; see `est users orgs`")
        secret = "whsec_" + secrets.token_urlsafe(32)
        hook = Webhook(organisation_id=org.id, url=url, secret=secret)
        session.add(hook)
        session.flush()
    return hook, secret


def list_webhooks(session: Session, *, after_id: int = 0, limit: int = 500,
                  organisation_id: int | None = None) -> list[HookRow]:
    """Return hooks ordered by id (those after ``after_id``), with their organisation."""
    stmt = (select(Webhook, Organisation.name)
            .join(Organisation, Organisation.id == Webhook.organisation_id)
            .where(Webhook.id > after_id).order_by(Webhook.id).limit(limit))
    if organisation_id is not None:
        stmt = stmt.where(Webhook.organisation_id == organisation_id)
    return [HookRow(h.id, name, h.url, h.created_at, h.disabled_at is None)
            for h, name in session.execute(stmt)]


def remove_webhook(session: Session, hook_id: int) -> Webhook:
    """Disable a hook (its delivery log stays); NotFound if there is none."""
    with transaction(session):
        hook = session.get(Webhook, hook_id)
        if hook is None:
            raise NotFound(f"no webhook {hook_id}")
        if hook.disabled_at is None:
            hook.disabled_at = datetime.now(UTC)
    return hook


def deliveries(session: Session, hook_id: int, limit: int = 50) -> list[WebhookDelivery]:
    """Return the latest delivery attempts of a hook, newest first."""
    return list(session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == hook_id).order_by(WebhookDelivery.id.desc())
        .limit(limit)))


# -- events -----------------------------------------------------------------------------------

def notify(session: Session, report: Report, event: str) -> None:
    """Queue ``event`` about ``report`` for its organisation's hooks, after the commit.

    Called inside the use case's transaction. The payload carries what the organisation
    already knows of its own report: id, reference, status, category, times; never the
    reporter's contact or the staff note.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if report.organisation_id is None:
        return
    from est.services.reports import reference

    category = report.category.code if report.category is not None else None
    payload = {"report": {
        "id": str(report.id), "reference": reference(report.receipt_ref),
        "status": report.status, "kind": report.kind, "category": category,
        "occurred_at": report.occurred_at.isoformat() if report.occurred_at else None,
        "reject_reason": report.reject_reason,
    }}
    _queue(session, report.organisation_id, event, payload)


def notify_action(session: Session, action: Any) -> None:
    """Queue ``action.done`` for the hooks of the action's responsible organisation."""
    org = getattr(action, "organisation_id", None)
    if org is None:
        return
    payload = {"action": {"id": action.id, "title": action.title, "status": action.status,
                          "place_name": getattr(action, "place_name", None)}}
    _queue(session, org, "action.done", payload)


def _queue(session: Session, organisation_id: int, event: str, payload: dict) -> None:
    hooks = session.scalars(select(Webhook.id).where(
        Webhook.organisation_id == organisation_id, Webhook.disabled_at.is_(None))).all()
    if not hooks:
        return
    at = datetime.now(UTC).isoformat()
    pending = session.info.setdefault(_PENDING, [])
    for hook_id in hooks:
        pending.append((hook_id, str(uuid.uuid4()), event,
                        {"event": event, "occurred_at": at, **payload}))
    if not sa_event.contains(session, "after_commit", _after_commit):
        sa_event.listen(session, "after_commit", _after_commit)
        sa_event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    if jobs.redis_url():
        _enqueue(pending)
        return
    # Inline jobs (no REDIS_URL) would hold the moderator's request for every attempt to a
    # slow receiver: run them on a thread of their own (drain() waits for them).
    thread = threading.Thread(target=_enqueue, args=(pending,), daemon=True,
                              name="est-webhooks")
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()] + [thread]
    thread.start()


def _enqueue(pending: list[tuple[int, str, str, dict]]) -> None:
    for hook_id, event_id, event, payload in pending:
        try:
            jobs.enqueue("est.webhooks:deliver", hook_id, event_id, event, payload,
                         key=f"webhook:{event_id}", retry=RETRIES)
        except Exception:  # the change is committed; a lost delivery is logged, not raised
            log.exception("webhook %s: could not queue event %s", hook_id, event_id)


def drain(timeout: float = 60.0) -> None:
    """Wait for the inline deliveries started in this process (tests, shutdown)."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


# -- delivery (a job) -------------------------------------------------------------------------

def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Return the ``X-EST-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, tolerance_s: int = 300,
           now: float | None = None) -> bool:
    """Return True if ``header`` signs ``body`` under ``secret`` within ``tolerance_s``
    (what a receiver does; used by the tests)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), f"t={timestamp},v1="
                               f"{fields.get('v1', '')}")


def deliver(hook_id: int, event_id: str, event: str, payload: dict) -> int:
    """Send one event to one hook and log the attempt; raise on failure (the queue retries).

    Returns the receiver's status code. A hook removed meanwhile is skipped (returns 0).
    """
    with jobs.session() as session:
        hook = session.get(Webhook, hook_id)
        if hook is None or hook.disabled_at is not None:
            return 0
        attempt = 1 + (session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.event_id == uuid.UUID(event_id))) or 0)
        body = json.dumps({**payload, "delivery": event_id, "attempt": attempt},
                          ensure_ascii=False, sort_keys=True).encode()
        row = WebhookDelivery(webhook_id=hook.id, event_id=uuid.UUID(event_id), event=event,
                              attempt=attempt, payload=payload)
        started = time.monotonic()
        try:
            check_url(hook.url)
            response = requests.post(hook.url, data=body, timeout=TIMEOUT_S,
                                     allow_redirects=False, headers={
                                         "Content-Type": "application/json",
                                         "User-Agent": "EST-lagesbild-webhooks/1",
                                         "X-EST-Event": event,
                                         "X-EST-Delivery": event_id,
                                         SIGNATURE_HEADER: sign(hook.secret, body,
                                                                int(time.time()))})
            row.status_code = response.status_code
            if not 200 <= response.status_code < 300:
                row.error = f"HTTP {response.status_code}"
        except (requests.RequestException, ValidationError) as exc:
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
        row.duration_ms = int((time.monotonic() - started) * 1000)
        with transaction(session):
            session.add(row)
        if row.error:
            raise RuntimeError(f"webhook {hook_id} attempt {attempt}: {row.error}")
        return row.status_code or 0
