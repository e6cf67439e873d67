"""``est areas``: import boundaries."""

from __future__ import annotations

import click

from est.services.areas import AREA_KINDS, import_areas, load_geojson
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("areas", help="Municipality and district boundaries.")


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--id-field", default="id", show_default=True, help="Property holding the code.")
@click.option("--name-field", default="kom_namn", show_default=True,
              help="Property holding the name.")
@click.option("--kind", type=click.Choice(AREA_KINDS), default="municipality", show_default=True)
@click.option("--parent", "parent_code", help="Municipality code that districts belong to.")
def import_cmd(file: str, id_field: str, name_field: str, kind: str,
               parent_code: str | None) -> None:
    """Import (multi)polygons from a WGS84 GeoJSON FILE; nothing is written on error."""
    data = load_geojson(file)
    result = import_areas(get_session(), data, id_field=id_field, name_field=name_field,
                          kind=kind, parent_code=parent_code)
    for note in result.repaired:
        click.echo(f"repaired {note}")
    for note in result.skipped:
        click.echo(f"skipped {note}")
    click.echo(f"Imported {result.created + result.updated} areas ({result.created} new, "
               f"{result.updated} updated, {len(result.repaired)} repaired, "
               f"{len(result.skipped)} skipped).")

