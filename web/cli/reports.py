"""``est reports``: maintenance of stored reports."""

from __future__ import annotations

import click
from flask import current_app

from est.services.retention import purge
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("reports", help="Maintenance of stored reports.")


@group.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention period in days (default: EST_RETENTION_DAYS, 180).")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased.")
def purge_cmd(days: int | None, dry_run: bool) -> None:
    """Erase contact details and redact descriptions of reports older than the period."""
    period = days or current_app.config["EST_SETTINGS"].retention_days
    result = purge(get_session(), days=period, dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} contact details of {result.contacts_erased} and redacted the "
               f"description of {result.descriptions_redacted} reports reported before "
               f"{result.cutoff:%Y-%m-%d %H:%M} UTC ({period} days).")
