"""What the lägesbild reads beyond reports: the declared sources and the other information.

Both come from :mod:`est.inputs` (``declared_sources`` and ``other_information``) and are
turned into plain JSON (strings, numbers, ISO dates) so a saved version can freeze them.
"""

from __future__ import annotations

import importlib
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est import format as sv
from est.audience import Protection
from est.inputs.scope import scope_of
from est.lagesbild.suppress import Hidden, suppress
from est.models import Area
from est.models.inputs import Walk, WalkObservation, WalkProposal

# Sources whose n counts residents' or citizens' single reports or events: small ones are
# hidden outside the group. (A safety walk's observations are the walkers' own findings, shown
# per walk in "Annan information".)
COUNTED_SOURCES = ("reports", "digital_vandring", "polisens_handelser")


def sources(session: Session, area: Area, start: date, end: date, *, tz: str,
            k: int = 1) -> list[dict]:
    """Return every source with use, period, n and a note, as JSON.

    ``k`` is the audience's minimum count (:class:`est.audience.Protection`): a source that
    counts single reports or events with 1 … k-1 of them shows ``<k`` and no detail.
    """
    from est.inputs.sources import declared_sources

    out = []
    for s in declared_sources(session, area.id, start, end, tz=tz):
        n: int | str | None = s.n
        detail = s.detail_sv
        if s.key in COUNTED_SOURCES and isinstance(n, int) and 0 < n < k:
            n, detail = f"<{k}", f"färre än {k}"
        out.append({"key": s.key, "label": s.label_sv, "used": bool(s.used), "n": n,
                    "from": s.period_start.isoformat() if s.period_start else None,
                    "to": s.period_end.isoformat() if s.period_end else None,
                    "detail": detail})
    return out


# Tables of :func:`est.inputs.summary.other_information` whose columns count reports:
# key -> (count column, columns derived from it).
REPORT_COUNT_TABLES = {"table_area_rates": (2, (3,))}


def other_information(session: Session, area: Area, start: date, end: date, *, tz: str,
                      protection: Protection) -> dict[str, dict]:
    """Return the "Annan information" tables of :mod:`est.inputs.summary` for the audience.

    Only the document tables (``table_*``: ``{"title", "columns", "rows", "note"}``); report
    counts in them are protected like the lägesbild's own tables (``<k`` and, for the
    public, ``..``), and so are the rates computed from them. Empty before the inputs module
    exists.
    """
    try:
        summary = importlib.import_module("est.inputs.summary")
    except ModuleNotFoundError as exc:
        if exc.name != "est.inputs.summary":
            raise
        return {}
    info = summary.other_information(session, area.id, start, end, tz=tz)
    tables = {key: value for key, value in info.items()
              if key.startswith("table_") and isinstance(value, dict)}
    for key, (col, derived) in REPORT_COUNT_TABLES.items():
        if key in tables:
            tables[key] = _protect_counts(tables[key], col, derived, protection)
    return tables


def _protect_counts(table: dict, col: int, derived: tuple[int, ...],
                    protection: Protection) -> dict:
    rows = [list(r) for r in table.get("rows") or []]
    counts = {i: r[col] for i, r in enumerate(rows) if isinstance(r[col], int)}
    cells: dict = {**counts, "all": sum(counts.values())}
    out = suppress(cells, [("all", list(counts))], protection.k, protection.secondary)
    for i, value in out.items():
        if i != "all" and isinstance(value, Hidden):
            label = value.label(protection.k)
            rows[i][col] = label
            for j in derived:
                rows[i][j] = label
    return {**table, "rows": rows}


def walks(session: Session, area: Area, start: date, end: date, *, tz: str,
          audience: str) -> dict | None:
    """Return the safety walks held in the period as a document table (None when none).

    One row per walk: title (internal only; others see "Trygghetsvandring"), date,
    participants (a count), observations, mean perceived safety (1–5) and proposals.
    """
    scope = scope_of(session, area.id, tz)
    lo, hi = scope.window(start, end)
    obs = (select(func.count(WalkObservation.id), func.avg(WalkObservation.safety))
           .where(WalkObservation.walk_id == Walk.id).correlate(Walk))
    proposals = (select(func.count(WalkProposal.id))
                 .join(WalkObservation, WalkObservation.id == WalkProposal.observation_id)
                 .where(WalkObservation.walk_id == Walk.id).correlate(Walk).scalar_subquery())
    n_obs = obs.with_only_columns(func.count(WalkObservation.id)).scalar_subquery()
    mean = obs.with_only_columns(func.avg(WalkObservation.safety)).scalar_subquery()
    rows = session.execute(
        select(Walk.title, Walk.starts_at, Walk.participants, n_obs, mean, proposals)
        .where(Walk.area_id.in_(scope.ids), Walk.starts_at >= lo, Walk.starts_at < hi,
               (Walk.status != "planned") | (n_obs > 0))
        .order_by(Walk.starts_at)).all()
    if not rows:
        return None
    zone = ZoneInfo(tz)
    out = []
    for title, starts_at, participants, n, avg, props in rows:
        total = (participants or {}).get("total")
        out.append([title if audience == "internal" else "Trygghetsvandring",
                    starts_at.astimezone(zone).date().isoformat(),
                    total if isinstance(total, int) else None, int(n),
                    sv.number(float(avg), 1) if avg is not None else None, int(props)])
    return {"title": "Trygghetsvandringar under perioden",
            "columns": ["Vandring", "Datum", "Deltagare", "Observationer",
                        "Upplevd trygghet (1–5, medel)", "Förslag på åtgärder"],
            "rows": out,
            "note": "Upplevd trygghet: 1 = mycket otryggt, 5 = mycket tryggt. Deltagare "
                    "räknas, aldrig namn."}
