"""What the lägesbild reads beyond reports: the declared sources and the other information.

Both come from :mod:`est.inputs` (``declared_sources`` and ``other_information``) and are
turned into plain JSON (strings, numbers, ISO dates) so a saved version can freeze them.
"""

from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy.orm import Session

from est.models import Area

# Sources whose n counts single reports or events: small ones are hidden outside the group.
COUNTED_SOURCES = ("reports", "trygghetsvandringar", "digital_vandring", "polisens_handelser")


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


def other_information(session: Session, area: Area, start: date, end: date) -> dict | None:
    """Return :func:`est.inputs.summary.other_information`, or None before it exists."""
    try:
        summary = importlib.import_module("est.inputs.summary")
    except ModuleNotFoundError as exc:
        if exc.name != "est.inputs.summary":
            raise
        return None
    return summary.other_information(session, area.id, start, end)
