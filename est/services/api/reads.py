"""Staff reads of the GeoJSON API: paged reports, the streamed bulk export, cells, hot spots.

Reports are ordered newest first by ``(occurred_at, id)``; a page ends with an opaque
:class:`Cursor` on the last row, and the next page starts strictly after it, so pages never
overlap or skip rows even when reports arrive in between. The bulk export reads the same
query through a server-side cursor (``yield_per``) and never holds more than one batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session

from est import access, places, queries
from est import geojson as gj
from est.errors import NotFound, ValidationError
from est.models import AuditEvent, Category, Organisation, Report
from est.services import hotspots as hotspot_service
from est.services import reports
from est.services.api import cursor
from est.services.api.cursor import CURSOR_MESSAGE
from est.weeks import Week

STAFF_CELL_M = 200
EXPORT_BATCH = 1000
HOTSPOT_PAGE = 100  # hot spots per page of /api/v1/hotspots.geojson (most 500)


@dataclass(frozen=True)
class Cursor:
    """The position after one report in (occurred_at, id) order, newest first."""

    occurred_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        """Return the opaque text form (see :mod:`est.services.api.cursor`)."""
        return cursor.encode("r1", self.occurred_at.isoformat(), str(self.id))

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse :meth:`encode`'s text; ValidationError naming ``cursor`` if it is not one."""
        when, ident = cursor.decode(text, "r1", 2)
        try:
            value = cls(datetime.fromisoformat(when), uuid.UUID(ident))
        except (ValueError, TypeError, AttributeError):
            raise ValidationError(CURSOR_MESSAGE, field="cursor") from None
        if value.occurred_at.tzinfo is None:
            raise ValidationError(CURSOR_MESSAGE, field="cursor")
        return value


def _reports_query(user: access.ActorLike | None, *, start: datetime, end: datetime,
                   codes: list[str] | None, kind: str | None,
                   bbox: tuple[float, float, float, float] | None,
                   updated_since: datetime | None, after: Cursor | None) -> Select:
    access.require(user, "report.view")
    stmt = (
        select(Report, Category.code, Category.label_sv, Organisation.name,
               func.ST_X(Report.geom), func.ST_Y(Report.geom))
        .join(Category, Category.id == Report.category_id)
        .outerjoin(Organisation, Organisation.id == Report.organisation_id)
        .where(Report.occurred_at >= start, Report.occurred_at < end)
    )
    stmt = access.visible_reports(stmt, user)
    if codes:
        stmt = stmt.where(Category.code.in_(codes))
    if kind:
        stmt = stmt.where(Report.kind == kind)
    if bbox is not None:
        stmt = stmt.where(func.ST_Intersects(Report.geom, func.ST_MakeEnvelope(*bbox, 4326)))
    if updated_since is not None:
        stmt = stmt.where(or_(Report.reported_at >= updated_since, exists().where(
            AuditEvent.report_id == Report.id, AuditEvent.at >= updated_since)))
    if after is not None:
        stmt = stmt.where(tuple_(Report.occurred_at, Report.id) < (after.occurred_at, after.id))
    return stmt.order_by(Report.occurred_at.desc(), Report.id.desc())


def _properties(report: Report, code: str, label: str, org: str | None) -> dict[str, Any]:
    return {
        "reference": reports.reference(report.receipt_ref),
        "kind": report.kind,
        "category": code,
        "category_label": label,
        "occurred_at": report.occurred_at.isoformat(),
        "occurred_until": report.occurred_until.isoformat() if report.occurred_until else None,
        "time_precision": report.time_precision,
        "reported_at": report.reported_at.isoformat(),
        "source": report.source,
        "status": report.status,
        "organisation": org,
        "severity": report.severity,
        "description": report.description,
        "duplicate_of": str(report.duplicate_of) if report.duplicate_of else None,
    }


def _feature(row) -> dict:
    report, code, label, org, lon, lat = row
    return gj.feature({"type": "Point", "coordinates": [lon, lat]}, id=str(report.id),
                      properties=_properties(report, code, label, org))


def report_features(session: Session, user: access.ActorLike | None, *, start: datetime,
                    end: datetime, codes: list[str] | None = None, kind: str | None = None,
                    bbox: tuple[float, float, float, float] | None = None,
                    limit: int = 5000, updated_since: datetime | None = None,
                    after: Cursor | None = None) -> dict:
    """Return one page of the reports ``user`` may see as a GeoJSON FeatureCollection.

    Filters: occurred ``[start, end)``, category codes, kind, ``bbox`` (min lon, min lat,
    max lon, max lat in WGS84 degrees), ``updated_since`` (created, or an audit event such as
    a status change, at or after it). At most ``limit`` features, newest first, after the
    cursor ``after``; ``next_cursor`` (a :class:`Cursor`, else None) continues, and
    ``truncated`` says whether more matched. Contact details and internal notes are left out.
    """
    stmt = _reports_query(user, start=start, end=end, codes=codes, kind=kind, bbox=bbox,
                          updated_since=updated_since, after=after)
    rows = session.execute(stmt.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1][0].occurred_at, rows[-1][0].id) if more else None
    body = gj.collection([_feature(r) for r in rows], truncated=more, limit=limit)
    body["next_cursor"] = next_cursor
    return body


def report_feature(session: Session, user: access.ActorLike | None,
                   report_id: str) -> dict:
    """Return one report ``user`` may see as a GeoJSON Feature; NotFound otherwise.

    The same visibility and fields as :func:`report_features` (a report of another
    organisation or municipality is 404, as if it did not exist).
    """
    access.require(user, "report.view")
    try:
        ident = uuid.UUID(report_id)
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"no report {report_id[:40]!r}") from None
    stmt = (
        select(Report, Category.code, Category.label_sv, Organisation.name,
               func.ST_X(Report.geom), func.ST_Y(Report.geom))
        .join(Category, Category.id == Report.category_id)
        .outerjoin(Organisation, Organisation.id == Report.organisation_id)
        .where(Report.id == ident)
    )
    row = session.execute(access.visible_reports(stmt, user)).first()
    if row is None:
        raise NotFound(f"no report {report_id[:40]!r}")
    return _feature(row)


def iter_report_features(session: Session, user: access.ActorLike | None, *, start: datetime,
                         end: datetime, codes: list[str] | None = None,
                         kind: str | None = None,
                         bbox: tuple[float, float, float, float] | None = None,
                         updated_since: datetime | None = None,
                         limit: int | None = None) -> Iterator[dict]:
    """Yield every matching report as a GeoJSON Feature, read through a server-side cursor.

    The same filters and order as :func:`report_features`, without the 5,000 cap (``limit``
    caps it if given). Permission is checked here, before the stream starts.
    """
    stmt = _reports_query(user, start=start, end=end, codes=codes, kind=kind, bbox=bbox,
                          updated_since=updated_since, after=None)
    if limit is not None:
        stmt = stmt.limit(limit)

    def rows() -> Iterator[dict]:
        result = session.execute(stmt.execution_options(yield_per=EXPORT_BATCH))
        for row in result:
            yield _feature(row)

    return rows()
def cell_features(session: Session, user: access.ActorLike | None, *, area_id: int,
                  start: datetime, end: datetime, min_cell: int, crs: int = 3006) -> dict:
    """Return counted reports per 200 m cell (``crs`` metres) as GeoJSON polygons in WGS84.

    Cells with fewer than ``min_cell`` reports are left out (``EST_MIN_CELL``).
    """
    access.require(user, "aggregates.view")
    cells = queries.report_cells(session, area_id, start, end, cell_m=STAFF_CELL_M, crs=crs)
    features = [gj.feature(c["geometry"], {"count": c["count"], "otrygghet": c["otrygghet"]})
                for c in queries.shown_cells(cells, min_cell)]
    return gj.collection(features, cell_m=STAFF_CELL_M, min_cell=min_cell)


def hotspot_collection(session: Session, user: access.ActorLike | None, *, area_code: str,
                       week: Week, crs: int = 3006, limit: int = HOTSPOT_PAGE,
                       after: str | None = None) -> dict:
    """Return the stored (or newly detected) hot spots of an ISO week as GeoJSON, in pages.

    A page holds ``limit`` hot spots in rank order; ``next_cursor`` (popped by the view) is
    the opaque cursor of the next page or None. The cursor names the run, so a week whose
    hot spots were computed again meanwhile refuses the old cursor (start again without it)
    instead of mixing two runs. A week without reports gives an empty collection with
    ``message`` saying why.
    """
    access.require(user, "aggregates.view")
    start_rank = 0
    run_id = None
    if after:
        run_id, start_rank = cursor.decode_ints(after, "h1", 2)
    try:
        run = hotspot_service.get_or_detect(session, area_code=area_code, start=week.start,
                                            end=week.end, crs=crs, tz=week.tz)
    except ValidationError as exc:
        if run_id is not None:
            raise ValidationError(CURSOR_MESSAGE, field="cursor") from None
        return {**gj.collection([], week=week.slug, run_id=None,
                                message="; ".join(exc.errors.values())), "next_cursor": None}
    if run_id is not None and run_id != run.id:
        raise ValidationError("the hot spots of this week were computed again; start "
                              "again without cursor", field="cursor")
    every = hotspot_service.list_hotspots(session, run.id)
    hotspots = every[start_rank:start_rank + limit]
    end_rank = start_rank + len(hotspots)
    features = [hotspot_service.hotspot_feature(h) for h in hotspots]
    if hotspots and run.area_id is not None:
        names = places.names_for_hotspots(session, run.area_id,
                                          [(h.lineage_id, h.polygon) for h in hotspots])
        for feature, name in zip(features, names, strict=True):
            feature["properties"]["name"] = name
    body = gj.normalise({"features": features, "week": week.slug, "run_id": run.id,
                         "method": run.method}, multi=True)
    body["next_cursor"] = (cursor.encode("h1", run.id, end_rank) if end_rank < len(every)
                           else None)
    return body
