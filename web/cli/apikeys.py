"""``est apikeys``: API keys of organisations for the Open311 and GeoJSON APIs."""

from __future__ import annotations

import click

from est.services import apikeys
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("apikeys", help="API keys for organisations' systems (Open311, GeoJSON).")


@group.command("create")
@click.option("--org", "organisation", required=True,
              help="Organisation name or id (see `est users orgs`).")
@click.option("--label", required=True, help="What the key is for, e.g. 'Hallbo felanmälan'.")
def create(organisation: str, label: str) -> None:
    """Create a key and print its token once (only a hash is stored)."""
    key, token = apikeys.create_key(get_session(), organisation=organisation, label=label)
    click.echo(f"Created API key {key.id} ({key.label}). Token, shown only now:")
    click.echo(token)


@group.command("list")
def list_() -> None:
    """List keys: id, organisation, label, created and revoked (no tokens)."""
    rows = apikeys.list_keys(get_session())
    if not rows:
        click.echo("No API keys.")
    for row in rows:
        revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        click.echo(f"{row.id:4}  {row.organisation:30.30}  {row.label:30.30}  "
                   f"created {row.created_at:%Y-%m-%d %H:%M}  {revoked}")


@group.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Revoke a key: requests with its token are refused from now on."""
    key = apikeys.revoke_key(get_session(), key_id)
    click.echo(f"Revoked API key {key.id} ({key.label}).")
