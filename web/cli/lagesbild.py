"""``est lagesbild`` and ``est promises draft``: write an export to a file (atomically)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from est.errors import ValidationError
from est.lagesbild import (
    FORMATS,
    build_lagesbild,
    charts,
    parse_period,
    render,
    resolve_area,
    versions,
)
from est.lagesbild.document import build_document
from est.lagesbild.render import DOCUMENT_FORMATS, GEOJSON_LAYERS, geojson_layer
from est.promises.draft import draft_promise
from web.cli.base import EstCommand, EstGroup
from web.db import get_session
from web.maps import printing


def _write(path: str, body: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it, so failures leave nothing."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _build(start: str, end: str, area: str | None, min_cell: int | None,
           audience: str = "public"):
    settings = current_app.config["EST_SETTINGS"]
    k = min_cell or settings.min_cell
    return build_lagesbild(get_session(), area_code=area or settings.municipality, start=start,
                           end=end, min_cell=k, tz=settings.timezone,
                           crs=settings.projected_crs, audience=audience)


def _document(start: str, end: str, area: str | None, min_cell: int | None,
              audience: str, version: int | None):
    """Return the lägesbild in the law's structure, or saved version ``version`` (frozen)."""
    settings = current_app.config["EST_SETTINGS"]
    session = get_session()
    if version is not None:
        place = resolve_area(session, area or settings.municipality)
        return versions.frozen(versions.get_version(session, place, version), audience)
    return build_document(session, area_code=area or settings.municipality, start=start,
                          end=end, min_cell=min_cell or settings.min_cell,
                          tz=settings.timezone, crs=settings.projected_crs, audience=audience)


def _check_output(path: str) -> None:
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise ValidationError(f"Katalogen {parent} finns inte.", field="output")


@click.command("lagesbild", cls=EstCommand)
@click.option("--from", "start", default=None, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="Last day (inclusive), YYYY-MM-DD.")
@click.option("--version", "version", type=click.IntRange(1, 2**31 - 1), default=None,
              help="Export saved version N of the area (frozen; --from/--to not needed).")
@click.option("--area", default=None, help="Kommunkod (default: EST_MUNICIPALITY).")
@click.option("--format", "fmt", required=True, type=click.Choice(list(FORMATS)),
              help="Output format.")
@click.option("-o", "--output", required=True, help="File to write.")
@click.option("--min-cell", type=click.IntRange(1), default=None,
              help="Hide counts below this (default EST_MIN_CELL or 5).")
@click.option("--audience", type=click.Choice(["internal", "partner", "public"]),
              default="public", show_default=True,
              help="Who reads it: internal = exact counts, partner = small counts hidden, "
                   "public = small counts and the sums revealing them hidden.")
@click.option("--layer", type=click.Choice(list(GEOJSON_LAYERS)), default=None,
              help="GeoJSON only: write just this layer (one geometry type per file).")
@with_appcontext
def lagesbild(start, end, area, version, fmt, output, min_cell, audience, layer) -> None:
    """Export the lägesbild of an area for a period, or a saved version (aggregates only)."""
    if version is None:
        if not start or not end:
            raise ValidationError("Ange --from och --to (eller --version N).", field="from")
        parse_period(start, end)
    _check_output(output)
    lb = _document(start, end, area, min_cell, audience, version)
    if fmt in ("pdf", "docx", "html"):  # the printed map: basemap tiles fetched now, cached
        lb = charts.printed_map(lb, printing.tile_source(), printing.attribution())
    body = render(lb, fmt)
    _write(output, geojson_layer(body, layer) if fmt == "geojson" else body)
    click.echo(f"Wrote {lb.title} ({fmt}) to {output}.")


group = EstGroup("promises", help="Medborgarlöften: drafts from the lägesbild.")


@group.command("draft")
@click.option("--from", "start", required=True, help="Lägesbild first day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Lägesbild last day, YYYY-MM-DD.")
@click.option("--period-start", required=True, help="Promise period first day.")
@click.option("--period-end", required=True, help="Promise period last day.")
@click.option("--area", default=None, help="Kommunkod (default: EST_MUNICIPALITY).")
@click.option("--format", "fmt", required=True, type=click.Choice(list(DOCUMENT_FORMATS)))
@click.option("-o", "--output", required=True, help="File to write.")
@with_appcontext
def draft(start, end, period_start, period_end, area, fmt, output) -> None:
    """Draft a medborgarlöfte from the lägesbild of a period."""
    parse_period(start, end)
    first, last = parse_period(period_start, period_end)
    _check_output(output)
    lb = _build(start, end, area, None)
    from est.plans.library import list_patterns

    _write(output, render(draft_promise(lb, period_start=first, period_end=last,
                                        patterns=list_patterns(get_session())), fmt))
    click.echo(f"Wrote the draft ({fmt}) to {output}.")
