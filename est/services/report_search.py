"""Staff report search: text (reference or description), filters, paging, map points, export.

Every query runs through :func:`est.access.visible_reports`, so a reporter finds only their
organisation's reports and a moderator those of the municipality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from est import access
from est.errors import ValidationError
from est.models import Area, Category, Report
from est.models.core import REPORT_SOURCES, REPORT_STATUSES
from est.safe_times import take_readable_times, with_readable_times
from est.services.reports import ReportRow, _row_select, _to_row
from est.timebounds import check_bounds

PAGE_SIZE = 100
MAX_PAGE = 100_000
MAX_EXPORT = 50_000
MAX_POINTS = 20_000
TEXT_MAX = 200
EXPORT_COLUMNS = ["Referens", "Inträffade", "Typ", "Kategori", "Källa", "Organisation",
                  "Status", "Latitud", "Longitud", "Beskrivning"]


@dataclass(frozen=True)
class ReportQuery:
    """What the staff list is asked for; every field optional."""

    text: str | None = None
    start: date | None = None
    end: date | None = None  # inclusive
    category: str | None = None
    district: str | None = None
    source: str | None = None
    status: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> ReportQuery:
        """Read the query from URL arguments; a ValidationError names every bad field."""
        errors: dict[str, str] = {}

        def text_arg(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            if "\x00" in value:
                errors[name] = "must not contain NUL characters"
            elif len(value) > TEXT_MAX:
                errors[name] = f"at most {TEXT_MAX} characters"
            return value or None

        def day_arg(name: str) -> date | None:
            value = text_arg(name)
            if not value:
                return None
            try:
                day = date.fromisoformat(value)
            except ValueError:
                errors[name] = "a date like 2026-11-12"
                return None
            return day if check_bounds(day, name, errors) else None

        q = cls(text=text_arg("q"), start=day_arg("from"), end=day_arg("to"),
                category=text_arg("category"), district=text_arg("district"),
                source=text_arg("source"), status=text_arg("status"))
        if q.source and q.source not in REPORT_SOURCES:
            errors["source"] = f"one of {', '.join(REPORT_SOURCES)}"
        if q.status and q.status not in REPORT_STATUSES:
            errors["status"] = f"one of {', '.join(REPORT_STATUSES)}"
        if q.start and q.end and q.end < q.start:
            errors["to"] = "to must not be before from"
        page = (args.get("page") or "1").strip()
        if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
            errors["page"] = f"a page number from 1 to {MAX_PAGE}"
            page = "1"
        if errors:
            raise ValidationError(errors)
        return replace(q, page=int(page))

    def as_query(self, **override) -> dict[str, str]:
        """Return the query as URL parameters (without the empty ones)."""
        values = {"q": self.text, "from": self.start, "to": self.end,
                  "category": self.category, "district": self.district,
                  "source": self.source, "status": self.status,
                  "page": self.page if self.page > 1 else None, **override}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


@dataclass
class SearchResult:
    """One page of matching reports and how many match in all."""

    rows: list[ReportRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, -(-self.total // self.page_size))


def search_reports(session: Session, user: access.ActorLike | None, query: ReportQuery, *,
                   area_id: int, tz: str, page_size: int = PAGE_SIZE) -> SearchResult:
    """Return one page of the reports ``user`` may see that match ``query``, newest first."""
    access.require(user, "report.view")
    where = _conditions(session, query, area_id, tz)
    total = session.scalar(access.visible_reports(
        select(func.count()).select_from(Report), user).where(*where)) or 0
    stmt = (access.visible_reports(_row_select(), user).where(*where)
            .order_by(Report.reported_at.desc(), Report.id.desc())
            .offset((query.page - 1) * page_size).limit(page_size))
    rows = [_to_row(*take_readable_times(r))
            for r in session.execute(with_readable_times(stmt, Report))]
    return SearchResult(rows, int(total), query.page, page_size)


def search_points(session: Session, user: access.ActorLike | None, query: ReportQuery, *,
                  area_id: int, tz: str) -> list[tuple[float, float, str, str]]:
    """Return (lat, lon, category code, kind) of the matching reports (at most 20 000)."""
    access.require(user, "report.view")
    stmt = access.visible_reports(
        select(func.ST_Y(Report.geom), func.ST_X(Report.geom), Category.code, Report.kind)
        .join(Category, Category.id == Report.category_id), user,
    ).where(*_conditions(session, query, area_id, tz)).limit(MAX_POINTS)
    return [(round(lat, 5), round(lon, 5), code, kind)
            for lat, lon, code, kind in session.execute(stmt)]


def export_rows(session: Session, user: access.ActorLike | None, query: ReportQuery, *,
                area_id: int, tz: str) -> list[list[object]]:
    """Return the matching reports as spreadsheet rows under :data:`EXPORT_COLUMNS`.

    Contact details never leave the service in a file; at most 50 000 rows.
    """
    result = search_reports(session, user, replace(query, page=1), area_id=area_id, tz=tz,
                            page_size=MAX_EXPORT)
    zone = ZoneInfo(tz)
    return [[r.reference,
             r.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if r.occurred_at
             else "ogiltig tid",
             "Otrygghet" if r.kind == "otrygghet" else "Händelse", r.category_label, r.source,
             r.organisation or "", r.status, r.lat, r.lon, r.description or ""]
            for r in result.rows]


def _conditions(session: Session, query: ReportQuery, area_id: int, tz: str) -> list:
    zone = ZoneInfo(tz)
    conds: list = [or_(Report.area_id == area_id,
                       Report.area_id.in_(select(Area.id).where(Area.parent_id == area_id)))]
    if query.text:
        needle = query.text.strip()
        ref = needle.upper().removeprefix("EST-").strip()
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(or_(Report.receipt_ref == ref, Report.receipt_ref == f"EST-{ref}",
                         Report.description.ilike(like, escape="\\")))
    if query.start:
        conds.append(Report.occurred_at >= datetime.combine(query.start, time(0), zone))
    if query.end:
        conds.append(Report.occurred_at < datetime.combine(query.end + timedelta(days=1),
                                                           time(0), zone))
    if query.category:
        cat = session.scalar(select(Category.id).where(Category.code == query.category))
        if cat is None:
            raise ValidationError(f"unknown category {query.category!r}", field="category")
        conds.append(Report.category_id == cat)
    if query.district:
        geom = session.scalar(select(Area.geom).where(
            Area.kind == "district", Area.code == query.district, Area.parent_id == area_id))
        if geom is None:
            raise ValidationError(f"unknown district {query.district!r}", field="district")
        conds.append(func.ST_Intersects(Report.geom, geom))
    if query.source:
        conds.append(Report.source == query.source)
    if query.status:
        conds.append(Report.status == query.status)
    return conds


__all__ = ["EXPORT_COLUMNS", "PAGE_SIZE", "ReportQuery", "SearchResult",
           "export_rows", "search_points", "search_reports"]
