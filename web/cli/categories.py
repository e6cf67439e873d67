"""``est categories``: the taxonomy."""

from __future__ import annotations

import click

from est.services.categories import list_categories, seed_categories
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("categories", help="Incident categories and otrygghet reasons.")


@group.command("seed")
def seed() -> None:
    """Add the default Swedish EST categories that are missing (edits are kept)."""
    added = seed_categories(get_session())
    click.echo(f"{added} categories added.")


@group.command("list")
def list_cmd() -> None:
    """List active categories."""
    for c in list_categories(get_session()):
        click.echo(f"{c.kind:10} {c.code:22} {c.label_sv}")

