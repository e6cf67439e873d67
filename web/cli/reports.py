"""``est reports``: maintenance of stored reports."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app

from est.services.imports import import_reports
from est.services.retention import purge
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("reports", help="Import and maintenance of stored reports.")
BAR_WIDTH = 30
LINE_WIDTH = 72


@group.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention period in days (default: the administration page's setting, "
              "else EST_RETENTION_DAYS, 180).")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased.")
def purge_cmd(days: int | None, dry_run: bool) -> None:
    """Erase contact details, internal notes and descriptions of reports past the period."""
    from est.services.admin.settings import effective

    session = get_session()
    period = days or effective(session, current_app.config["EST_SETTINGS"]).retention_days
    result = purge(session, days=period, dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} contact details of {result.contacts_erased} and redacted the "
               f"description of {result.descriptions_redacted} reports reported before "
               f"{result.cutoff:%Y-%m-%d %H:%M} UTC ({period} days); "
               f"internal notes of {result.notes_cleared} reports and "
               f"{result.audit_notes_cleared} audit notes cleared.")


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--area", "area_code", help="Kommunkod of the municipality the reports lie in "
              "(default: EST_MUNICIPALITY).")
@click.option("--columns", help="Map columns, e.g. lon=X,lat=Y,time=T,category=C,kind=K,org=O.")
@click.option("--tz", help="Time zone of times without an offset (default: EST_TIMEZONE).")
@click.option("--organisation", help="Organisation (name or id) of rows without an org value.")
@click.option("--dry-run", is_flag=True, help="Check the file and print the summary only.")
def import_cmd(file: str, area_code: str | None, columns: str | None, tz: str | None,
               organisation: str | None, dry_run: bool) -> None:
    """Import reports from a CSV or GeoJSON FILE; nothing is written if any row is bad."""
    settings = current_app.config["EST_SETTINGS"]
    started = time.perf_counter()
    say, advance, done = _progress()
    try:
        result = import_reports(
            get_session(), file, area_code=area_code or settings.municipality, columns=columns,
            tz=tz or settings.timezone, organisation=organisation, dry_run=dry_run,
            progress=say, advance=advance,
        )
    finally:
        done()
    seconds = time.perf_counter() - started
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb} {result.new:,} new reports into {result.area_name} ({result.area_code}) "
               f"from {result.rows:,} rows; {result.present:,} already present"
               f"{' (dry run, nothing written)' if dry_run else ''} in {seconds:.1f} s.")
    if result.first and result.last:
        click.echo(f"Period {result.first:%Y-%m-%d} – {result.last:%Y-%m-%d}; "
                   f"{result.date_only:,} rows with a date only (time precision unknown).")
    if result.by_category:
        click.echo("New by category: " + ", ".join(f"{code} {n:,}" for code, n
                                                   in result.by_category.items()))


def _is_terminal() -> bool:
    return sys.stderr.isatty()


def _progress():
    """Return (message, stored count, finish) callbacks: a bar on a terminal, else lines."""
    if not _is_terminal():
        return (lambda message: click.echo(message, err=True)), None, lambda: None
    shown = []

    def say(message: str) -> None:
        shown.append(message)
        click.echo(f"\r{message:<{LINE_WIDTH}}", err=True, nl=False)  # overwrites the line

    def advance(stored: int, total: int) -> None:
        filled = round(BAR_WIDTH * stored / max(total, 1))
        say(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {stored:,} / {total:,} reports "
            "stored")

    def done() -> None:
        if shown:
            click.echo("", err=True)

    return say, advance, done
