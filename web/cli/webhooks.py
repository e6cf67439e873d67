"""``est webhooks``: URLs that receive signed status changes of an organisation's reports."""

from __future__ import annotations

import click

from est import webhooks
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("webhooks", help="Webhooks: signed status changes of an organisation's "
                                  "reports.")


@group.command("add")
@click.argument("organisation")
@click.argument("url")
def add(organisation: str, url: str) -> None:
    """Register URL for ORGANISATION (name or id) and print its signing secret once."""
    hook, secret = webhooks.add_webhook(get_session(), organisation, url)
    click.echo(f"Added webhook {hook.id} -> {hook.url}. Signing secret, shown only now:")
    click.echo(secret)


@group.command("list")
def list_() -> None:
    """List hooks: id, organisation, URL, created, active (no secrets)."""
    rows = webhooks.list_webhooks(get_session())
    if not rows:
        click.echo("No webhooks.")
    for row in rows:
        state = "active" if row.active else "removed"
        click.echo(f"{row.id:4}  {row.organisation:30.30}  {row.url}  "
                   f"created {row.created_at:%Y-%m-%d %H:%M}  {state}")


@group.command("remove")
@click.argument("hook_id", type=int)
def remove(hook_id: int) -> None:
    """Stop delivering to a hook (its delivery log is kept)."""
    hook = webhooks.remove_webhook(get_session(), hook_id)
    click.echo(f"Removed webhook {hook.id} ({hook.url}).")


@group.command("log")
@click.argument("hook_id", type=int)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def log(hook_id: int, limit: int) -> None:
    """Show the latest delivery attempts of a hook, newest first."""
    rows = webhooks.deliveries(get_session(), hook_id, limit)
    if not rows:
        click.echo("No deliveries.")
    for row in rows:
        result = row.error or f"HTTP {row.status_code}"
        click.echo(f"{row.attempted_at:%Y-%m-%d %H:%M:%S}  {row.event:18}  attempt "
                   f"{row.attempt}  {result}  {row.duration_ms} ms  {row.event_id}")
