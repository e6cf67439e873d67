"""The ``est`` command line, built on Flask's CLI; each command is a thin call into ``est``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from web import create_app
from web.cli.base import HANDLED


def register_commands(app: Flask) -> None:
    """Attach every ``est`` command and group to ``app.cli``."""
    from web.cli import (
        apikeys,
        areas,
        backup,
        categories,
        db,
        demo,
        hotspots,
        lagesbild,
        places,
        reports,
        serve,
        users,
    )

    for command in (db.group, areas.group, categories.group, demo.demo, serve.serve, users.group,
                    reports.group, hotspots.group, lagesbild.lagesbild, lagesbild.group,
                    apikeys.group, backup.backup, backup.restore, places.group):
        app.cli.add_command(command)


class _Cli(FlaskGroup):
    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except HANDLED as exc:  # e.g. production start without SECRET_KEY
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Cli, create_app=lambda: create_app(), add_default_commands=False,
             help="EST lägesbild: incident mapping, hot spots and lägesbild exports.")
def cli() -> None:
    """Run EST lägesbild commands."""


def main() -> None:
    """Entry point of the ``est`` console script."""
    cli(prog_name="est")
