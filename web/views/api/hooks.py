"""Webhook administration under /api/v1/webhooks (signed-in admins; see :mod:`est.webhooks`)."""

from __future__ import annotations

from flask import jsonify, request
from spectree import Response as Spec

from est import access, webhooks
from est.services.api import cursor
from web.db import get_session
from web.views.api import authenticated, bp, caller, next_link, spectree_before
from web.views.api.schemas import (
    Deleted,
    Problem,
    WebhookIn,
    WebhookList,
    WebhookListQuery,
    WebhookOut,
)
from web.views.openapi import spec

AUTH = [{"session": []}, {"bearer": []}]
ERRORS = {"HTTP_400": Problem, "HTTP_401": Problem, "HTTP_403": Problem}
PAGE = 100


def _admin():
    user = caller()
    access.require(user, "users.manage")
    return user


def _out(row, secret: str | None = None) -> dict:
    return WebhookOut(id=row.id, organisation=row.organisation, url=row.url,
                      created_at=row.created_at.isoformat(), active=row.active,
                      secret=secret).model_dump(exclude_none=True)


@bp.get("/webhooks")
@authenticated()
@spec.validate(query=WebhookListQuery, resp=Spec(HTTP_200=WebhookList, **ERRORS),
               security=AUTH, operation_id="listWebhooks", before=spectree_before)
def list_webhooks():
    """Registered webhooks, oldest first, in pages (admins; secrets are never listed)."""
    _admin()
    limit = int(request.args.get("limit") or PAGE)
    text = (request.args.get("cursor") or "").strip()
    [after] = cursor.decode_ints(text, "w1", 1) if text else [0]
    rows = webhooks.list_webhooks(get_session(), after_id=after, limit=limit + 1)
    body: dict = {"webhooks": [_out(r) for r in rows[:limit]]}
    headers: dict[str, str] = {}
    next_link(cursor.encode("w1", rows[limit - 1].id) if len(rows) > limit else None, body,
              headers, "application/json")
    response = jsonify(body)
    response.headers.update(headers)
    return response


@bp.post("/webhooks")
@authenticated()
@spec.validate(json=WebhookIn, resp=Spec(HTTP_201=WebhookOut, HTTP_404=Problem,
                                         HTTP_415=Problem, **ERRORS),
               security=AUTH, operation_id="createWebhook", before=spectree_before)
def create_webhook():
    """Register a URL for an organisation; the answer shows the signing secret once.

    Deliveries: `POST <url>` with JSON `{event, occurred_at, report|action, delivery,
    attempt}` and `X-EST-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
    """
    _admin()
    data = request.get_json()
    hook, secret = webhooks.add_webhook(get_session(), data["organisation"], data["url"])
    row = next(r for r in webhooks.list_webhooks(get_session(), after_id=hook.id - 1, limit=1))
    return jsonify(_out(row, secret)), 201


@bp.delete("/webhooks/<int:hook_id>")
@authenticated()
@spec.validate(resp=Spec(HTTP_200=Deleted, HTTP_404=Problem, **ERRORS), security=AUTH,
               operation_id="deleteWebhook", before=spectree_before,
               path_parameter_descriptions={"hook_id": "The webhook's id"})
def delete_webhook(hook_id: int):
    """Stop delivering to a webhook (its delivery log is kept)."""
    _admin()
    hook = webhooks.remove_webhook(get_session(), hook_id)
    return jsonify({"id": hook.id, "active": False})
