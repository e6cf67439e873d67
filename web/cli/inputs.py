"""``est inputs``: lägesbild inputs from files (surveys, polisen.se, Brå, Kolada, SCB)."""

from __future__ import annotations

import click
from flask import current_app

from est.inputs import bra, kolada, police, population, surveys
from est.inputs.sources import declared_sources
from est.models.inputs import SURVEY_KINDS
from web.cli.base import EstGroup
from web.db import get_session

group = EstGroup("inputs", help="Lägesbild inputs: surveys and official statistics from files.")


def _default_area(area_code: str | None) -> str:
    return area_code or current_app.config["EST_SETTINGS"].municipality


@group.command("import-survey")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", required=True, type=click.Choice(SURVEY_KINDS),
              help="The survey's shape.")
@click.option("--period", required=True,
              help="2025, 2024-2025, 2025-03 or 2025-01-01..2025-06-30.")
@click.option("--area", "area_code", help="Kommunkod (default: EST_MUNICIPALITY).")
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=FIELD",
              help=f"Map a column to a field ({', '.join(surveys.FIELDS)}); repeatable.")
@click.option("--title", help="The survey's title (default: the kind and period).")
def import_survey_cmd(file: str, kind: str, period: str, area_code: str | None,
                      mapping: tuple[str, ...], title: str | None) -> None:
    """Import survey results (CSV or .xlsx) per area and question; all rows or none."""
    r = surveys.import_survey(get_session(), file, kind=kind, period=period,
                              area_code=_default_area(area_code), columns=list(mapping),
                              title=title)
    click.echo(f"Imported survey {r.survey_id} ({kind}, {r.period_start} – {r.period_end}): "
               f"{r.results} results, {r.areas} areas ({r.matched_areas} results matched to "
               f"an EST area), {r.questions} questions.")


@group.command("import-police-events")
@click.argument("file", type=click.Path(dir_okay=False))
def import_police_cmd(file: str) -> None:
    """Import polisen.se events (the events API's JSON); context only, never hot spots."""
    r = police.import_police_events(get_session(), file)
    click.echo(f"Imported {r.records} events: {r.new} new, {r.updated} updated.")
    if r.unmapped_types:
        click.echo("Types without a category: " + ", ".join(r.unmapped_types))


@group.command("import-bra")
@click.argument("file", type=click.Path(dir_okay=False))
def import_bra_cmd(file: str) -> None:
    """Import Brå's reported crimes (Excel export of its statistics database)."""
    r = bra.import_bra(get_session(), file)
    click.echo(f"Imported {r.rows} figures for {r.crime_types} crime types in regions "
               f"{', '.join(r.regions)}, periods from {r.first} to {r.last}.")


@group.command("import-kolada")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--title", help="The KPI's Swedish title (the data file has only its id).")
def import_kolada_cmd(file: str, title: str | None) -> None:
    """Import Kolada KPI values (v2 API JSON)."""
    r = kolada.import_kolada(get_session(), file, title=title)
    click.echo(f"Imported {r.values} values of {', '.join(r.kpis)} for "
               f"{', '.join(r.regions)}, years {', '.join(map(str, r.years))}.")


@group.command("import-population")
@click.argument("file", type=click.Path(dir_okay=False))
def import_population_cmd(file: str) -> None:
    """Import SCB population per DeSO/RegSO/kommun (PxWeb JSON-stat2 or CSV)."""
    r = population.import_population(get_session(), file)
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(r.by_kind.items()))
    click.echo(f"Imported {r.rows} population figures ({kinds}), years "
               f"{', '.join(map(str, r.years))}.")


@group.command("import-deso")
@click.argument("file", type=click.Path(dir_okay=False))
def import_deso_cmd(file: str) -> None:
    """Import DeSO or RegSO boundaries (GeoJSON, WGS84 or EPSG:3006) under municipalities."""
    r = population.import_boundaries(get_session(), file)
    click.echo(f"Imported {r.created + r.updated} {r.kind} areas ({r.created} new, "
               f"{r.updated} updated) in municipalities {', '.join(r.municipalities)}.")


@group.command("sources")
@click.option("--area", "area_code", help="Kommunkod (default: EST_MUNICIPALITY).")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD.")
def sources_cmd(area_code: str | None, start: str, end: str) -> None:
    """List every lägesbild input of an area for a period, with its period and n."""
    from est.lagesbild.context import parse_period
    from est.queries import area_by_code

    first, last = parse_period(start, end)
    session = get_session()
    area = area_by_code(session, _default_area(area_code))
    for s in declared_sources(session, area.id, first, last):
        when = f"{s.period_start} – {s.period_end}" if s.period_start else "–"
        click.echo(f"{'x' if s.used else ' '} {s.label_sv:<42} {when:<25} {s.detail_sv}")



