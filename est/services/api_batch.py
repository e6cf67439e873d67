"""Batch POST of the GeoJSON API: a FeatureCollection of up to 1,000 reports, all-or-nothing.

Every feature is checked by the report service's rules (:func:`est.services.reports.
validate_report`), with the area, the active categories and one point-in-area statement shared
by the batch; the rows are written with COPY, as ``est reports import`` does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est import queries
from est.errors import ValidationError
from est.models import Category, Organisation
from est.services import reports
from est.services.api import API_FIELDS, add_occurred_at
from est.services.apikeys import ApiClient

MAX_BATCH = 1000


def _batch_data(session: Session, item: dict[str, Any], tz: ZoneInfo,
                categories: dict[str, Category | None]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the report service's input for one batch item and its API-only field errors.

    The same mapping as :func:`submit_report` (the kind defaults to the category's; an
    otrygghet category is the reason); ``categories`` memoises look-ups across the batch.
    """
    code = (item.get("category") or "").strip()
    if code not in categories:
        categories[code] = (session.scalar(select(Category).where(Category.code == code))
                            if code else None)
    cat = categories[code]
    kind = (item.get("kind") or "").strip() or (cat.kind if cat is not None else "incident")
    data: dict[str, Any] = {"kind": kind, "lon": item.get("lon"), "lat": item.get("lat"),
                            "description": item.get("description"),
                            "contact": item.get("contact"), "severity": item.get("severity"),
                            "when": "now"}
    if kind == "otrygghet":
        data["reasons"] = [code] if code else []
    else:
        data["category"] = code
    errors: dict[str, str] = {}
    add_occurred_at(data, item.get("occurred_at"), tz, errors)
    return data, errors


def _inside(session: Session, area_id: int, items: list[dict[str, Any]]) -> list[bool | None]:
    """Return per item whether its point lies in the area (None: no readable point).

    One statement for the whole batch, so PostGIS prepares the area's outline once.
    """
    points: list[tuple[float, float] | None] = []
    for item in items:
        lon, lat = (None, None) if "errors" in item else reports.parse_lonlat(
            item.get("lon"), item.get("lat"), {})
        points.append(None if lon is None or lat is None else (lon, lat))
    given = [p for p in points if p is not None]
    if not given:
        return [None] * len(items)
    answers = iter(session.scalars(text(
        "SELECT ST_Contains(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) "
        "FROM area a, unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) "
        "WITH ORDINALITY AS p(lon, lat, n) WHERE a.id = :area ORDER BY p.n"),
        {"lons": [p[0] for p in given], "lats": [p[1] for p in given], "area": area_id}))
    return [None if p is None else bool(next(answers)) for p in points]


class BatchInvalid(ValidationError):
    """Some features of a batch are invalid: ``features`` maps an index to its field errors."""

    def __init__(self, features: dict[str, dict[str, str]], total: int):
        super().__init__(f"{len(features)} of {total} features are invalid; nothing was stored",
                         field="features")
        self.features = features


def submit_batch(session: Session, client: ApiClient, items: list[dict[str, Any]], *,
                 municipality: str, tz: ZoneInfo, now: datetime | None = None
                 ) -> list[BatchReport]:
    """Store a batch of API reports all-or-nothing, in one transaction; return them in order.

    ``items`` hold :func:`submit_report`'s fields (category, lon, lat, kind, occurred_at,
    description, contact, severity) or, for a feature whose shape was already refused,
    ``{"errors": {field: message}}``. Every item is checked by the report service's rules
    (:func:`est.services.reports.validate_report`); if any fails nothing is stored and
    BatchInvalid lists the errors per feature index. The reports (``reviewed``, source
    ``api``), their reasons and ``created`` audit events are written with COPY, as
    ``est reports import`` does.
    """
    from est.db import transaction
    from est.services.imports import COPY_NULL, _copy_text, _receipt_refs

    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationError(f"send 1 to {MAX_BATCH} features", field="features")
    categories: dict[str, Category | None] = {}
    failed: dict[str, dict[str, str]] = {}
    cleaned: list[reports.CleanReport] = []
    area = queries.area_by_code(session, municipality)
    inside = _inside(session, area.id, items)
    active = {c.code: c for c in session.scalars(select(Category).where(Category.active))}
    # Held here, so the identity map answers validate_report's look-up without a query.
    organisation = session.get(Organisation, client.organisation_id)
    for index, item in enumerate(items):
        if "errors" in item:
            failed[str(index)] = dict(item["errors"])
            continue
        data, errors = _batch_data(session, item, tz, categories)
        try:
            clean = reports.validate_report(session, data, municipality=municipality, tz=tz,
                                            organisation_id=client.organisation_id, now=now,
                                            area=area, inside=inside[index], active=active)
        except ValidationError as exc:
            errors = {**{API_FIELDS.get(k, k): v for k, v in exc.errors.items()}, **errors}
        if errors:
            failed[str(index)] = errors
        else:
            cleaned.append(clean)
    if failed:
        raise BatchInvalid(failed, len(items))
    del organisation
    refs = _receipt_refs(session, len(cleaned))
    ids = [uuid.uuid4() for _ in cleaned]

    def field(value: Any) -> str:
        return COPY_NULL if value is None else _copy_text(str(value))

    columns = ("id, kind, category_id, geom, area_id, occurred_at, occurred_until, "
               "time_precision, source, organisation_id, contact, description, severity, "
               "status, visibility, receipt_ref")
    with transaction(session):
        cursor = session.connection().connection.cursor()
        with cursor.copy(f"COPY report ({columns}) FROM STDIN") as copy:
            copy.write("".join(
                f"{i}\t{c.kind}\t{c.category.id}\tSRID=4326;POINT({c.lon!r} {c.lat!r})\t"
                f"{c.area_id}\t{c.occurred_at.isoformat()}\t{field(c.occurred_until)}\t"
                f"{c.time_precision}\tapi\t{field(c.organisation_id)}\t{field(c.contact)}\t"
                f"{field(c.description)}\t{field(c.severity)}\treviewed\tstaff\t{ref}\n"
                for i, c, ref in zip(ids, cleaned, refs, strict=True)))
        with cursor.copy("COPY report_reason (report_id, category_id) FROM STDIN") as copy:
            copy.write("".join(f"{i}\t{r.id}\n" for i, c in zip(ids, cleaned, strict=True)
                               for r in c.reasons))
        with cursor.copy("COPY audit_event (report_id, action, new) FROM STDIN") as copy:
            copy.write("".join(f"{i}\tcreated\t" + _copy_text(json.dumps(
                {"status": "reviewed", "source": "api", "category": c.category.code,
                 "lon": c.lon, "lat": c.lat})) + "\n" for i, c in zip(ids, cleaned, strict=True)))
    return [BatchReport(i, ref) for i, ref in zip(ids, refs, strict=True)]


@dataclass(frozen=True)
class BatchReport:
    """A report stored by a batch: its id and receipt reference (reviewed, source api)."""

    id: uuid.UUID
    receipt_ref: str
    status: str = "reviewed"
    source: str = "api"
