"""Named read queries shared by several features."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from est.errors import NotFound
from est.models import Area, Category, Report

# Statuses that count as real, visible reports (pending and rejected public reports do not).
COUNTED_STATUSES = ("published", "new", "reviewed", "closed")


def area_by_code(session: Session, code: str, kind: str = "municipality") -> Area:
    """Return the area with ``code`` or raise NotFound with a hint."""
    area = session.scalar(select(Area).where(Area.kind == kind, Area.code == code))
    if area is None:
        raise NotFound(
            f"No {kind} with code {code}. Import boundaries with `est areas import` "
            "or load the demo with `est demo`."
        )
    return area


def area_geojson(session: Session, area_id: int) -> dict:
    """Return the area's outline as a GeoJSON geometry (WGS84) and its bounds."""
    row = session.execute(
        select(func.ST_AsGeoJSON(Area.geom, 6), func.ST_XMin(Area.geom), func.ST_YMin(Area.geom),
               func.ST_XMax(Area.geom), func.ST_YMax(Area.geom)).where(Area.id == area_id)
    ).one()
    return {"geometry": json.loads(row[0]), "bounds": [[row[2], row[1]], [row[4], row[3]]]}


def report_cells(session: Session, area_id: int, start: datetime, end: datetime,
                 cell_m: int = 100, crs: int = 3006) -> list[dict]:
    """Count counted reports per square cell of ``cell_m`` metres in ``crs`` for a period.

    Returns one dict per non-empty cell with the cell polygon (WGS84 GeoJSON) and counts.
    """
    sql = text(
        """
        WITH pts AS (
            SELECT r.kind, ST_Transform(r.geom, :crs) AS g
            FROM report r
            WHERE r.area_id = :area_id AND r.occurred_at >= :start AND r.occurred_at < :end
              AND r.status = ANY(:statuses)
        ), cells AS (
            SELECT floor(ST_X(g) / :cell) AS cx, floor(ST_Y(g) / :cell) AS cy,
                   count(*) AS n, count(*) FILTER (WHERE kind = 'otrygghet') AS otrygghet
            FROM pts GROUP BY 1, 2
        )
        SELECT n, otrygghet, ST_AsGeoJSON(ST_Transform(
                   ST_MakeEnvelope(cx * :cell, cy * :cell, (cx + 1) * :cell, (cy + 1) * :cell,
                                   :crs), 4326), 6) AS geojson
        FROM cells ORDER BY n DESC
        """
    )
    rows = session.execute(sql, {"crs": crs, "area_id": area_id, "start": start, "end": end,
                                 "statuses": list(COUNTED_STATUSES), "cell": float(cell_m)})
    return [{"count": r.n, "otrygghet": r.otrygghet, "geometry": json.loads(r.geojson)}
            for r in rows]


def shown_cells(cells: list[dict], min_cell: int) -> list[dict]:
    """Return the cells a reader without access to single reports may see (≥ ``min_cell``).

    One rule for every aggregated map of staff pages and the API (``EST_MIN_CELL``).
    """
    return [c for c in cells if c["count"] >= min_cell]


def counts_by_category(session: Session, area_id: int, start: datetime,
                       end: datetime) -> list[tuple[str, str, int]]:
    """Return (kind, Swedish label, count) of counted reports per category, largest first."""
    stmt = (
        select(Category.kind, Category.label_sv, func.count(Report.id))
        .join(Report, Report.category_id == Category.id)
        .where(Report.area_id == area_id, Report.occurred_at >= start, Report.occurred_at < end,
               Report.status.in_(COUNTED_STATUSES))
        .group_by(Category.kind, Category.label_sv)
        .order_by(func.count(Report.id).desc(), Category.label_sv)
    )
    return [(kind, label, n) for kind, label, n in session.execute(stmt)]
