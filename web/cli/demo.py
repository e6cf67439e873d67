"""``est demo``: load the demo municipality and a year of reports."""

from __future__ import annotations

import time
from datetime import date

import click
from flask.cli import with_appcontext

from est.demo import DEMO_NAME, load_demo
from web.cli.base import EstCommand
from web.db import get_session

DEMO_STEPS = []  # callables(session) -> str, added by features with demo content


@click.command("demo", cls=EstCommand)
@click.option("--seed", default=1861, show_default=True, help="Random seed (reproducible data).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (default: today).")
@with_appcontext
def demo(seed: int, today) -> None:
    """Load Hallsberg (1861) with districts, organisations and a year of synthetic reports."""
    started = time.perf_counter()
    click.echo(f"Loading demo municipality {DEMO_NAME} and a year of reports …")
    day: date | None = today.date() if today else None
    result = load_demo(get_session(), today=day, seed=seed)
    click.echo(f"{result.reports} reports {result.start}–{result.end} "
               f"({result.otrygghet} otrygghet, {result.pending} pending moderation) "
               f"in {time.perf_counter() - started:.1f} s.")
    for step in DEMO_STEPS:
        click.echo(step(get_session()))

