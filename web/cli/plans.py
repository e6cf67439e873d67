"""``est plans``: list and export åtgärdsplaner, draft promises from them, yearly follow-up."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from est.errors import NotFound, ValidationError
from est.lagesbild import build_lagesbild, render
from est.plans import library, service
from est.plans.document import plan_document, yearly_report
from est.plans.status import COLOUR_SV, plan_status
from est.promises.from_plan import draft_from_plan
from est.promises.layouts import DEFAULT_LAYOUT, LAYOUTS
from est.queries import area_by_code
from web.cli.base import EstGroup
from web.cli.lagesbild import _check_output, _write
from web.db import get_session

group = EstGroup("plans", help="Åtgärdsplan: export, promise drafts, yearly follow-up.")
PLAN_FORMATS = ("docx", "pdf", "xlsx", "md", "html")
REPORT_FORMATS = ("docx", "pdf", "md", "html")


def _settings():
    return current_app.config["EST_SETTINGS"]


def _today():
    return datetime.now(_settings().tz).date()


def _plan(plan_id: int):
    plan = service.get_plan(get_session(), plan_id)
    area = area_by_code(get_session(), _settings().municipality)
    if plan.area_id != area.id:
        raise NotFound(f"Ingen åtgärdsplan {plan_id} i {area.name}.")
    return plan


@group.command("list")
@with_appcontext
def list_() -> None:
    """List the municipality's plans with their status per colour."""
    session = get_session()
    area = area_by_code(session, _settings().municipality)
    plans = service.list_plans(session, area.id)
    if not plans:
        click.echo(f"No åtgärdsplan for {area.name} yet.")
    for plan in plans:
        counts = plan_status(session, plan, today=_today(), k=_settings().min_cell,
                             tz=_settings().timezone).counts
        colours = ", ".join(f"{COLOUR_SV[c].lower()} {n}" for c, n in counts.items())
        click.echo(f"{plan.id}\t{plan.period_start} – {plan.period_end}\t{plan.status}\t"
                   f"{plan.title}\t{colours}")


@group.command("export")
@click.argument("plan_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--format", "fmt", required=True, type=click.Choice(PLAN_FORMATS))
@click.option("-o", "--output", required=True, help="File to write.")
@with_appcontext
def export(plan_id: int, fmt: str, output: str) -> None:
    """Write the plan (with its follow-up as of today) as DOCX, PDF, XLSX, Markdown or HTML."""
    _check_output(output)
    doc = plan_document(get_session(), _plan(plan_id), today=_today(),
                        k=_settings().min_cell, tz=_settings().timezone)
    _write(output, render(doc, fmt))
    click.echo(f"Wrote {doc.title} ({fmt}) to {output}.")


@group.command("draft")
@click.argument("plan_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--layout", default=DEFAULT_LAYOUT, show_default=True,
              type=click.Choice(sorted(LAYOUTS)), help="The real document to follow.")
@click.option("--from", "start", default=None,
              help="Lägesbild first day (default: the plan's saved version or the year "
                   "before the plan).")
@click.option("--to", "end", default=None, help="Lägesbild last day, YYYY-MM-DD.")
@click.option("--format", "fmt", required=True, type=click.Choice(REPORT_FORMATS))
@click.option("-o", "--output", required=True, help="File to write.")
@with_appcontext
def draft(plan_id: int, layout: str, start: str | None, end: str | None, fmt: str,
          output: str) -> None:
    """Draft a medborgarlöfte from the plan and its lägesbild (or that of --from … --to)."""
    from est.plans.findings import plan_basis, saved_lagesbild

    _check_output(output)
    s = _settings()
    plan = _plan(plan_id)
    if bool(start) != bool(end):
        raise ValidationError("Ange både --from och --to, eller ingen av dem.", field="from")
    lb = None if start else saved_lagesbild(get_session(), plan)
    if lb is None:
        if not start:
            first, last = plan_basis(get_session(), plan, _today())
            start, end = first.isoformat(), last.isoformat()
        lb = build_lagesbild(get_session(), area_code=s.municipality, start=start, end=end,
                             min_cell=s.min_cell, tz=s.timezone, crs=s.projected_crs,
                             audience="internal")
    doc = draft_from_plan(get_session(), plan, layout=layout, lb=lb, basis=(lb.start, lb.end),
                          min_cell=s.min_cell, tz=s.timezone)
    _write(output, render(doc, fmt))
    click.echo(f"Wrote {doc.title} ({fmt}, {len(doc.commitments)} commitments) to {output}.")


@group.command("followup")
@click.option("--year", required=True, type=click.IntRange(2000, 2100))
@click.option("--format", "fmt", required=True, type=click.Choice(REPORT_FORMATS))
@click.option("-o", "--output", required=True, help="File to write.")
@with_appcontext
def followup(year: int, fmt: str, output: str) -> None:
    """Write "Uppföljning av medborgarlöften och åtgärdsplan" for a year."""
    _check_output(output)
    if year > _today().year + 1:
        raise ValidationError(f"Året {year} har inte börjat.", field="year")
    area = area_by_code(get_session(), _settings().municipality)
    doc = yearly_report(get_session(), area.id, year, today=_today(), k=_settings().min_cell,
                        tz=_settings().timezone)
    _write(output, render(doc, fmt))
    click.echo(f"Wrote {doc.title} ({fmt}) to {output}.")


@group.command("patterns")
@with_appcontext
def patterns() -> None:
    """List the activity library (code, theme, parties, indicator)."""
    for p in library.list_patterns(get_session(), active_only=False):
        state = "" if p.active else " (hidden)"
        click.echo(f"{p.code}\t{p.theme}\t{','.join(p.parties)}\t{p.indicator}{state}")
