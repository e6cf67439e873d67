"""``est db``: the embedded cluster and migrations."""

from __future__ import annotations

import click

from est import migrate
from est.config import load_settings
from est.db import embedded_cluster
from est.services.categories import seed_categories
from web.cli.base import EstGroup
from web.db import database, get_session

group = EstGroup("db", help="Manage the database: embedded cluster and migrations.")


@group.command("start", with_appcontext=False)
def start() -> None:
    """Initialise (first time) and start the embedded PostgreSQL + PostGIS cluster."""
    settings = load_settings()
    if settings.database_url:
        click.echo("DATABASE_URL is set: the embedded cluster is not used.")
        return
    cluster = embedded_cluster(settings)
    started = cluster.start(log=click.echo)
    click.echo(("Started: " if started else "Already running: ") + cluster.status())


@group.command("stop", with_appcontext=False)
def stop() -> None:
    """Stop the embedded cluster."""
    cluster = embedded_cluster(load_settings())
    stopped = cluster.stop(log=click.echo)
    click.echo("Stopped." if stopped else "Not running.")


@group.command("status", with_appcontext=False)
def status() -> None:
    """Show whether the embedded cluster runs (exit 1 if it does not)."""
    settings = load_settings()
    if settings.database_url:
        click.echo("Using DATABASE_URL (external database); embedded cluster not used.")
        return
    cluster = embedded_cluster(settings)
    click.echo(cluster.status())
    if not cluster.is_running():
        raise SystemExit(1)


@group.command("upgrade")
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Migrate the schema to REVISION (default: latest) and seed default categories."""
    click.echo(f"Migrating database to {revision} …")
    migrate.upgrade(database().engine, revision)
    added = seed_categories(get_session())
    click.echo(f"Database at {', '.join(sorted(migrate.current(database().engine)))}; "
               f"{added} default categories added.")


@group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (``base`` drops every table)."""
    click.echo(f"Downgrading database to {revision} …")
    migrate.downgrade(database().engine, revision)
    click.echo(f"Database at {', '.join(sorted(migrate.current(database().engine))) or 'base'}.")

