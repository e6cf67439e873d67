"""``est backup FILE`` and ``est restore FILE``: the whole database as one pg_dump archive."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from est import backup as backups
from est.db import resolve_database_url
from web.cli.base import EstCommand


def _database_url() -> str:
    settings = current_app.config["EST_SETTINGS"]
    return resolve_database_url(settings, log=lambda _m: None)


@click.command("backup", cls=EstCommand)
@click.argument("file", type=click.Path(path_type=Path))
@with_appcontext
def backup(file: Path) -> None:
    """Write a consistent backup of the whole database to FILE (pg_dump custom format)."""
    result = backups.backup(_database_url(), file)
    click.echo(f"Backed up {len(result.tables)} tables (PostgreSQL {result.server_version}) "
               f"to {result.path} ({result.size / 1024:.0f} kB).")
    click.echo(f"Restore with: est restore {result.path}")


@click.command("restore", cls=EstCommand)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace the contents of a database that already holds tables.")
@with_appcontext
def restore(file: Path, force: bool) -> None:
    """Restore FILE (made by `est backup`) in one transaction: all of it or nothing."""
    result = backups.restore(_database_url(), file, force=force)
    click.echo(f"Restored {len(result.row_counts)} tables from {file}:")
    width = max((len(t) for t in result.row_counts), default=0)
    for table, count in result.row_counts.items():
        click.echo(f"  {table:<{width}}  {count:>10} rows")
    click.echo(f"Schema revision: {result.revision or 'unknown'} "
               f"(run `est db upgrade` if this code is newer).")
