"""``est places``: load a municipality's named places (and gazetteer streets/addresses)."""

from __future__ import annotations

import click
from flask import current_app

from est.errors import ValidationError
from est.places import import_places, read_places_file
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("places", help="Named places that name hot spots and otrygga platser.")


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--municipality", "code", help="Kommunkod (default: EST_MUNICIPALITY).")
def import_cmd(file: str, code: str | None) -> None:
    """Import places from a GeoJSON or CSV FILE (name, kind, point or polygon; WGS84).

    Every row is checked first; on any error nothing is written and each bad row is listed
    with its line (CSV) or feature number (GeoJSON).
    """
    code = code or current_app.config["EST_SETTINGS"].municipality
    try:
        rows = read_places_file(file)
        result = import_places(get_session(), code, rows)
    except ValidationError as exc:
        for where, message in exc.errors.items():
            click.echo(f"{where}: {message}", err=True)
        raise click.ClickException(f"{len(exc.errors)} error(s); nothing was imported.") \
            from None
    click.echo(f"Imported {result.created + result.updated} places ({result.created} new, "
               f"{result.updated} updated, {result.gazetteer} streets/addresses).")
