"""Click classes shared by every ``est`` command: domain errors become a clear exit 1."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from est.config import ConfigError
from est.embedded import EmbeddedDatabaseError
from est.errors import DomainError

HANDLED = (DomainError, ConfigError, EmbeddedDatabaseError)


class EstCommand(click.Command):
    """A command whose domain errors are printed as ``Error: …`` with exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HANDLED as exc:
            raise click.ClickException(str(exc)) from None


class EstGroup(AppGroup):
    """A command group whose commands are :class:`EstCommand`."""

    command_class = EstCommand
