"""Backtest on the municipality's own reports: flagged places against the next month."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.models import Report
from est.queries import COUNTED_STATUSES, area_by_code
from est.services.hotspots.requests import _aware
from geo.projection import validate_projected_crs


def backtest(
    session: Session,
    *,
    area_code: str | None = None,
    coverage: float | None = 0.02,
    months: int = 6,
    train_months: int = 12,
    crs: int | str = 3006,
    tz: str = "Europe/Stockholm",
    now: datetime | None = None,
) -> dict:
    """Replay the last whole months of the stored reports: flag from the months before each.

    Reads the counted reports (as in runs; month-dated ones count in their month) of the
    municipality and runs :func:`geo.evaluation.rolling.rolling_backtest`: hit rate, PAI,
    PEI and month-to-month Jaccard of the default method at the operating point
    (``coverage`` share of the study area, or None for the significance point) beside 25 m
    and 150 m prior-counts grids and a 200 m KDE at the same area. Nothing is written.

    Returns
    -------
    dict
        The geo result plus ``area`` (code, name or None), ``reports``, ``first_month``,
        ``last_month``, ``tz`` and ``crs``.

    Raises
    ------
    ValidationError
        Bad share, months or CRS, or too little data (the message says what the data span).
    NotFound
        Unknown area code.
    """
    from zoneinfo import ZoneInfo

    from geo.evaluation.rolling import month_starts, rolling_backtest
    from geo.projection import to_projected

    if not 1 <= int(months) <= 60:
        raise ValidationError("months must be between 1 and 60", field="months")
    if not 1 <= int(train_months) <= 60:
        raise ValidationError("training months must be between 1 and 60", field="train_months")
    if coverage is not None and not 0 < float(coverage) <= 0.5:
        raise ValidationError("coverage must be a share above 0 and at most 0.5 (e.g. 0.02)",
                              field="coverage")
    try:
        code = validate_projected_crs(crs)
    except ValueError as exc:
        raise ValidationError(str(exc), field="crs") from None
    with transaction(session):
        area = area_by_code(session, area_code) if area_code else None
        where: list = [Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None)]
        if area is not None:
            where.append(func.ST_Intersects(Report.geom, area.geom))
        first, last = session.execute(
            select(func.min(Report.occurred_at), func.max(Report.occurred_at)).where(*where)
        ).one()
        place = f" i {area.name}" if area is not None else ""
        if first is None:
            raise ValidationError(f"Inga rapporter{place} att pröva mot.", field="area")
        zone = ZoneInfo(tz)
        this_month = (now or datetime.now(UTC)).astimezone(zone).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0)
        bounds = month_starts(np.datetime64(int(_aware(first).timestamp()), "s"),
                              np.datetime64(int(_aware(last).timestamp()), "s"), tz)
        end = min(int(bounds[-1].astype(np.int64)), int(this_month.timestamp()))
        start_i = max(0, len(bounds) - 1 - int(months) - int(train_months))
        lo = datetime.fromtimestamp(int(bounds[start_i].astype(np.int64)), UTC)
        rows = session.execute(
            select(Report.occurred_at, func.ST_X(Report.geom), func.ST_Y(Report.geom))
            .where(*where, Report.occurred_at >= lo,
                   Report.occurred_at < datetime.fromtimestamp(end, UTC))
            .order_by(Report.id)).all()
    if not rows:
        raise ValidationError(f"Inga rapporter{place} före innevarande månad att pröva mot.",
                              field="area")
    t = np.array([int(r[0].timestamp()) for r in rows], dtype=np.int64).astype("datetime64[s]")
    x, y = to_projected(np.array([r[1] for r in rows], dtype=np.float64),
                        np.array([r[2] for r in rows], dtype=np.float64), code)
    try:
        result = rolling_backtest(x, y, t, share=None if coverage is None else float(coverage),
                                  months=int(months), train_months=int(train_months), tz=tz,
                                  end=np.datetime64(end, "s"))
    except ValueError as exc:
        raise ValidationError(
            f"För lite data{place}: rapporterna sträcker sig {first.astimezone(zone):%Y-%m-%d}"
            f" – {last.astimezone(zone):%Y-%m-%d}; en prövning behöver minst en hel månad att "
            f"lära på och en hel månad att pröva ({exc})", field="months") from None
    return {**result, "area": None if area is None else {"code": area.code, "name": area.name},
            "reports": len(rows), "first_month": result["months"][0]["month"],
            "last_month": result["months"][-1]["month"], "tz": tz, "crs": code}
