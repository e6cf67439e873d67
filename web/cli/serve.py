"""``est serve``: run the web service."""

from __future__ import annotations

import socket

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from web.cli.base import EstCommand
from web.db import database


@click.command("serve", cls=EstCommand)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False, help="Reload on code changes.")
@with_appcontext
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the app with Flask's development server (use gunicorn in production)."""
    database().engine.connect().close()  # start the embedded cluster before the first request
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex((host, port)) == 0:
            raise click.ClickException(
                f"Port {port} on {host} is already in use. Stop the other server or choose "
                f"another port: `est serve --port {port + 1}` (or `make demo PORT={port + 1}`)."
            )
    click.echo(f"EST lägesbild on http://{host}:{port}/  (Ctrl+C to stop)")
    app = current_app._get_current_object()
    app.debug = debug
    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)

