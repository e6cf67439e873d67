"""One lägesbild document for one audience: the cached figures in the law's structure."""

from __future__ import annotations

from sqlalchemy.orm import Session

from est.audience import protection
from est.lagesbild import inputs, law
from est.lagesbild.builder import build_lagesbild
from est.lagesbild.cache import LagesbildCache
from est.lagesbild.context import resolve_area
from est.lagesbild.group import GroupInput, group_input
from est.lagesbild.model import Lagesbild


def build_document(session: Session, cache: LagesbildCache | None = None, *,
                   group: GroupInput | None = None, **kw) -> Lagesbild:
    """Build the lägesbild of ``kw`` (see :func:`build_lagesbild`) as Lag (2023:196) asks.

    The figures come from ``cache`` when given; the group's texts and planned changes are
    the period's draft unless ``group`` is given; the sources are read now.
    """
    lb = cache.build(session, **kw) if cache is not None else build_lagesbild(session, **kw)
    area = resolve_area(session, kw["area_code"])
    if group is None:
        group = group_input(session, area, lb.start, lb.end)
    return structure_for(session, lb, area, group, kw.get("tz", "Europe/Stockholm"))


def structure_for(session: Session, lb: Lagesbild, area, group: GroupInput,
                  tz: str) -> Lagesbild:
    """Return ``lb`` with the group's part and the sources as read for its audience."""
    rules = protection(lb.audience, lb.min_cell)
    sources = inputs.sources(session, area, lb.start, lb.end, tz=tz, k=rules.k)
    other = inputs.other_information(session, area, lb.start, lb.end, tz=tz, protection=rules)
    walks = inputs.walks(session, area, lb.start, lb.end, tz=tz, audience=lb.audience)
    if walks is not None:
        other = {"table_walks": walks, **other}
    return law.structure(lb, group, sources, other)

