"""Build a lägesbild for an area and a period from the stored reports.

Every figure leaves the section modules already protected for the audience
(:func:`est.audience.protection`): counts below the minimum hidden for readers outside the
EST group (``<k``), sums that would reveal them hidden for the public (``..``); hot spots
and grid cells with too few reports are left out for everyone, and no contact data, free
text or single report's position is read at all.

Sections: :mod:`~est.lagesbild.counts` (summary, categories), :mod:`~est.lagesbild.places`
(hot spots, otrygga platser, grid), :mod:`~est.lagesbild.sections` (the rest).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from est.audience import protection
from est.errors import ValidationError
from est.lagesbild import counts, places, sections
from est.lagesbild.context import (
    DEFAULT_CELL_M,
    DEFAULT_MIN_CELL,
    Context,
    last_year,
    parse_period,
    resolve_area,
)
from est.lagesbild.model import Lagesbild
from est.lagesbild.suppress import Hidden


def build_lagesbild(session: Session, *, area_code: str, start: date | str, end: date | str,
                    min_cell: int = DEFAULT_MIN_CELL, audience: str = "public",
                    tz: str = "Europe/Stockholm", crs: int = 3006,
                    cell_m: int = DEFAULT_CELL_M, today: date | None = None,
                    hotspots: bool = True) -> Lagesbild:
    """Build the lägesbild of ``area_code`` for ``start`` … ``end`` (dates inclusive, local).

    ``audience`` (internal, partner, public) decides how small counts are published.
    Detecting the period's hot spots stores a hot spot run (:func:`get_or_detect`) the
    first time; everything else only reads.
    """
    first, last = parse_period(start, end)
    if min_cell < 1:
        raise ValidationError("Minsta antal per cell måste vara minst 1.", field="min_cell")
    rules = protection(audience, min_cell)
    area = resolve_area(session, area_code)
    zone = ZoneInfo(tz)
    ctx = Context(session=session, area=area, start=first, end=last, k=min_cell,
                  protection=rules, zone=zone, crs=crs, cell_m=cell_m,
                  today=today or datetime.now(zone).date())
    rows = counts.period_rows(ctx)
    parts = [
        counts.summary(ctx, rows),
        counts.categories(ctx, rows),
        places.hotspots(ctx) if hotspots else places.skipped_hotspots(),
        places.otrygghet(ctx),
        sections.when(ctx, rows),
        sections.sources(ctx, rows),
        sections.actions(ctx),
        sections.quality(ctx, rows),
        sections.followup(ctx),
        sections.privacy(ctx),
    ]
    outline = ctx.outline()
    left_out = places.grid(ctx)
    geojson = {
        "type": "FeatureCollection",
        "name": f"lagesbild_{area.code}_{first}_{last}",
        "properties": {"area": area.code, "from": first.isoformat(), "to": last.isoformat(),
                       "min_cell": min_cell, "audience": rules.audience,
                       "cell_m": cell_m, "cells_left_out": left_out,
                       "note": "Aggregated counts only; cells and hot spots with fewer "
                               f"than {min_cell} reports are left out; '<{min_cell}' and "
                               "'..' mark hidden values."},
        "features": ctx.hotspot_features + ctx.features,
    }
    return Lagesbild(area_code=area.code, area_name=area.name, start=first, end=last,
                     min_cell=min_cell, generated_on=ctx.today, sections=parts,
                     geojson=geojson, facts=ctx.facts, outline=outline,
                     audience=rules.audience)


__all__ = ["DEFAULT_MIN_CELL", "Hidden", "build_lagesbild", "last_year", "parse_period",
           "resolve_area"]
