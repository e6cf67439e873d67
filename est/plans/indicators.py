"""Operativt mål: the indicator of an åtgärdsplan row, computed from the reports.

An indicator is a *spec* (also used by the activity library, ``activity_pattern.indicator``):

- ``count_per_month`` — counted reports per month in the plan's area, or at the cause's hot
  spot when the cause is a hot spot lineage;
- ``count_per_month:<codes>`` — only these category codes (comma-separated); ``otrygghet``
  stands for every otrygghet category;
- ``share_public_moderated:<days>`` — share (%) of public reports moderated within N days;
- ``actions_done`` — share (%) of the row's actions that are done.

Counts reuse :func:`est.promises.indicators.compute_indicator` (same windows, same privacy
rule): the row's period (start … due, else the plan's) against an equally long baseline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.models import Category
from est.models.hotspots import Hotspot, HotspotRun
from est.promises.indicators import IndicatorResult, compute_indicator

KINDS = ("count_per_month", "share_public_moderated", "actions_done")
KIND_LABELS = {
    "count_per_month": "Rapporter per månad",
    "share_public_moderated": "Andel granskade rapporter från allmänheten (%)",
    "actions_done": "Andel genomförda åtgärder (%)",
}
REF_MAX = 100


@dataclass
class Spec:
    """A parsed indicator spec."""

    kind: str
    codes: list[str] = field(default_factory=list)
    days: int = 7

    @property
    def ref(self) -> str | None:
        """Return the spec's reference part (``indicator_ref``)."""
        if self.kind == "count_per_month":
            return ",".join(self.codes) or None
        if self.kind == "share_public_moderated":
            return str(self.days)
        return None

    def text(self) -> str:
        """Return the spec as text (``kind[:ref]``)."""
        return self.kind + (f":{self.ref}" if self.ref else "")


def parse_spec(text: str | None, ref: str | None = None) -> Spec | None:
    """Return the spec of ``kind[:ref]`` (or ``kind`` and a separate ``ref``); None if unknown."""
    kind, _, tail = (text or "").strip().partition(":")
    ref = tail or ref or ""
    if kind == "count_per_month":
        return Spec(kind, [c.strip() for c in ref.split(",") if c.strip()])
    if kind == "share_public_moderated":
        try:
            days = int(ref or 7)
        except ValueError:
            return None
        return Spec(kind, days=days) if 1 <= days <= 90 else None
    if kind == "actions_done":
        return Spec(kind)
    return None


def spec_label(session: Session, spec: Spec, place: str) -> str:
    """Return a Swedish label for ``spec`` at ``place`` (e.g. "Narkotika per månad, Torget")."""
    if spec.kind == "count_per_month":
        labels = _labels(session)
        what = ", ".join(labels.get(c, c) for c in spec.codes) or "Alla rapporter"
        return f"{what} per månad, {place}"
    if spec.kind == "share_public_moderated":
        return f"Andel rapporter från allmänheten granskade inom {spec.days} dagar, {place}"
    return "Andel genomförda åtgärder"


def _labels(session: Session) -> dict[str, str]:
    labels = {c.code: c.label_sv for c in session.scalars(select(Category))}
    labels["otrygghet"] = "Otrygghet"
    return labels


def category_ids(session: Session, codes: list[str]) -> list[int]:
    """Return the category ids of ``codes`` (``otrygghet`` = every otrygghet category)."""
    cats = list(session.scalars(select(Category)))
    ids = {c.id for c in cats if c.code in codes}
    if "otrygghet" in codes:
        ids |= {c.id for c in cats if c.kind == "otrygghet"}
    return sorted(ids)


def unknown_codes(session: Session, codes: list[str]) -> list[str]:
    """Return the codes that name no category (``otrygghet`` is known)."""
    known = set(session.scalars(select(Category.code))) | {"otrygghet"}
    return [c for c in codes if c not in known]


def lineage_polygon(session: Session, lineage: str | uuid.UUID | None, area_id: int):
    """Return the latest stored outline of a hot spot lineage in the area (None if unknown)."""
    try:
        key = lineage if isinstance(lineage, uuid.UUID) else uuid.UUID(str(lineage))
    except ValueError:
        return None
    return session.scalar(
        select(Hotspot.polygon).join(HotspotRun, Hotspot.run_id == HotspotRun.id)
        .where(Hotspot.lineage_id == key, HotspotRun.area_id == area_id)
        .order_by(HotspotRun.id.desc()).limit(1))


@dataclass
class _Window:
    area_id: int
    period_start: date
    period_end: date


@dataclass
class _Indicator:
    kind: str
    label: str
    params: dict
    category_ids: list[int]
    geom: Any
    target: str | None
    area_id: int | None = None


def compute(session: Session, spec: Spec, *, label: str, target: str | None, area_id: int,
            start: date, end: date, geom: Any = None, as_of: date, k: int,
            tz: str) -> IndicatorResult | None:
    """Compute a count or share spec over ``start`` … ``end`` (to ``as_of - 1``) vs baseline."""
    if spec.kind == "actions_done":
        return None
    ind = _Indicator(kind=spec.kind, label=label, params={"days": spec.days},
                     category_ids=category_ids(session, spec.codes) if spec.codes else [],
                     geom=geom, target=target)
    return compute_indicator(session, cast(Any, _Window(area_id, start, end)),
                             cast(Any, ind), as_of=as_of, k=k, tz=tz)
