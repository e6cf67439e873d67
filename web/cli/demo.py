"""``est demo``: load the demo municipality and a year of reports."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from est.demo import DEMO_NAME, load_demo
from web.cli.base import EstCommand
from web.db import get_session

# Demo content of other features, as "module:function" (function(session) -> a line to print).
# Named here rather than registered by importing the feature's module: commands are imported
# only when they run, so a registration by import would silently never happen.
DEMO_STEPS: tuple[str, ...] = ("web.cli.users:demo_reporting",
                               "est.demo_inputs:demo_inputs",
                               "web.cli.demo_lagesbild:decided_lagesbild")


def demo_steps() -> list[Callable[[Session], str]]:
    """Return the demo steps of :data:`DEMO_STEPS`, importing their modules."""
    steps = []
    for spec in DEMO_STEPS:
        module, name = spec.split(":")
        steps.append(getattr(importlib.import_module(module), name))
    return steps


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
    for step in demo_steps():
        click.echo(step(get_session()))

