"""The ``est`` command line, built on Flask's CLI; each command is a thin call into ``est``.

Starting is quick: ``est --help`` imports no command module and builds no app (the short
help of every command is listed here, checked against the commands by a unit test); a
command imports its own module when it runs, and the app it runs in has no web pages unless
it serves them (``est serve``), so no view, map or chart library is imported for it.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from web.cli.base import HANDLED

# name: (module in web.cli, attribute, short help as the command states it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "apikeys": ("apikeys", "group", "API keys for organisations' systems (Open311, GeoJSON)."),
    "areas": ("areas", "group", "Municipality and district boundaries."),
    "backup": ("backup", "backup",
               "Write a consistent backup of the whole database to FILE (pg_dump custom format)."),
    "categories": ("categories", "group", "Incident categories and otrygghet reasons."),
    "db": ("db", "group", "Manage the database: embedded cluster and migrations."),
    "demo": ("demo", "demo", "Load Hallsberg (1861) with districts, organisations and a year of "
             "synthetic reports."),
    "hotspots": ("hotspots", "group", "Hot spot detection, evaluation and backtests."),
    "jobs": ("jobs", "group", "Background jobs: queue status, job status, weekly precompute."),
    "inputs": ("inputs", "group",
               "Lägesbild inputs: surveys and official statistics from files."),
    "lagesbild": ("lagesbild", "lagesbild",
                  "Export the lägesbild of an area for a period, or a saved version "
                  "(aggregates only)."),
    "notify": ("notify", "group",
               "Staff notifications by e-mail (moderation, actions, agenda)."),
    "places": ("places", "group", "Named places that name hot spots and otrygga platser."),
    "plans": ("plans", "group", "Åtgärdsplan: export, promise drafts, yearly follow-up."),
    "promises": ("lagesbild", "group", "Medborgarlöften: drafts from the lägesbild."),
    "reports": ("reports", "group", "Import and maintenance of stored reports."),
    "restore": ("backup", "restore",
                "Restore FILE (made by `est backup`) in one transaction: all of it or nothing."),
    "serve": ("serve", "serve",
              "Serve the app with Flask's development server (use gunicorn in production)."),
    "users": ("users", "group", "Staff accounts, roles and organisations."),
    "webhooks": ("webhooks", "group", "Webhooks: signed status changes of an organisation's "
                 "reports."),
    "worker": ("jobs", "worker", "Run an RQ worker on the queue \"est\" (jobs stay in Redis "
               "across restarts)."),
}
PAGE_COMMANDS = frozenset({"serve", "notify"})  # commands whose app needs the web pages


def load_command(name: str) -> click.Command:
    """Import and return the command ``name`` of :data:`COMMANDS`."""
    module, attribute, _help = COMMANDS[name]
    return getattr(importlib.import_module(f"web.cli.{module}"), attribute)


class _Lazy(click.Group):
    """A group whose :data:`COMMANDS` are imported when first looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name), cmd_name)
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in sorted(COMMANDS)]
        rows += [(name, cmd.get_short_help_str(1000)) for name, cmd in
                 sorted(self.commands.items()) if name not in COMMANDS and not cmd.hidden]
        width = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, click.Command(name, help=text).get_short_help_str(width))
                                for name, text in rows])


class _AppCommands(_Lazy, AppGroup):
    """``app.cli`` with the ``est`` commands imported when first used."""


def register_commands(app: Flask) -> None:
    """Attach every ``est`` command and group to ``app.cli`` (imported when first used)."""
    commands = _AppCommands(app.cli.name)
    commands.commands.update(app.cli.commands)  # e.g. from blueprints
    app.cli = commands


class _Cli(_Lazy, FlaskGroup):
    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except HANDLED as exc:  # e.g. production start without SECRET_KEY
            raise click.ClickException(str(exc)) from None


def _cli_app() -> Flask:
    """Create the app a command runs in: without web pages unless it serves them."""
    from web import create_app

    ctx = click.get_current_context(silent=True)
    name = ctx.find_root().invoked_subcommand if ctx is not None else None
    return create_app(pages=name in PAGE_COMMANDS)


@click.group(cls=_Cli, create_app=_cli_app, add_default_commands=False,
             help="EST lägesbild: incident mapping, hot spots and lägesbild exports.")
def cli() -> None:
    """Run EST lägesbild commands."""


def main() -> None:
    """Entry point of the ``est`` console script."""
    cli(prog_name="est")
