"""What the Open311 and GeoJSON APIs read and write, on top of the report services.

Writes go through :func:`est.services.reports.create_report` (the one set of validation
rules). Public reads (Open311 GET) are aggregated cells computed by :mod:`est.public`.
Staff reads are restricted by :func:`est.access.visible_reports`. Coordinates are WGS84
longitude/latitude in degrees.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.errors import DomainError, ValidationError
from est.models import Category, Report
from est.services import reports
from est.services.apikeys import ApiClient
from est.timebounds import check_bounds

STAFF_CELL_M = 200
# Service field name -> API field name (``location``: the point as a whole).
API_FIELDS = {
    "kind": "kind", "category": "category", "reasons": "category", "lon": "lon", "lat": "lat",
    "location": "location", "place": "location", "when": "occurred_at", "date": "occurred_at",
    "time": "occurred_at", "description": "description", "contact": "contact",
    "severity": "severity", "organisation": "organisation",
}
OCCURRED_AT = "Ange tiden som ISO 8601, till exempel 2026-11-12T21:30:00+01:00."
IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY = re.compile(r"[\x20-\x7e]{1,255}")  # printable ASCII
_HASH_HEX = 48  # hex digits of each SHA-256 kept in report.idempotency_key (192 bits)


class IdempotencyMismatch(DomainError):
    """An ``Idempotency-Key`` was used before by the same API key with another body."""


def idempotency_key(client: ApiClient, header: str | None, canonical_body: str) -> str | None:
    """Return the stored key of a POST's ``Idempotency-Key`` header (None without a header).

    The key is ``api:<API key id>:<sha256 of the header>:<sha256 of the canonical body>``
    (hashes cut to 48 hex digits so it fits ``report.idempotency_key``): namespaced per API
    key, and the body part tells a repeated request from a changed one. A header that is
    not 1–255 printable ASCII characters raises ValidationError naming the header.
    """
    if header is None:
        return None
    if not _IDEMPOTENCY.fullmatch(header):
        raise ValidationError("must be 1–255 printable ASCII characters",
                              field=IDEMPOTENCY_HEADER)
    return f"{_idempotency_prefix(client, header)}{_sha(canonical_body)}"


def canonical_json(value: Any) -> str:
    """Return ``value`` as canonical JSON (sorted keys, no spaces): equal bodies, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def earlier_report(session: Session, key: str) -> Report | None:
    """Return the report an earlier POST with the same key stored, or None for a first use.

    Raises IdempotencyMismatch when the same header came with another body.
    """
    prefix = key[: -_HASH_HEX]
    # A range on the unique index (any collation: the tail is fixed-length hex), then the
    # exact prefix in Python.
    rows = session.scalars(select(Report).where(
        Report.idempotency_key.between(prefix + "0" * _HASH_HEX, prefix + "f" * _HASH_HEX)))
    found = [r for r in rows if (r.idempotency_key or "").startswith(prefix)]
    same = next((r for r in found if r.idempotency_key == key), None)
    if same is None and found:
        raise IdempotencyMismatch(f"{IDEMPOTENCY_HEADER} was used before with another body; "
                                  "send a new key for a new request")
    return same


def _idempotency_prefix(client: ApiClient, header: str) -> str:
    return f"api:{client.id}:{_sha(header)}:"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:_HASH_HEX]


def parse_instant(text: str, tz: ZoneInfo) -> datetime | None:
    """Parse an ISO 8601 date-time; a naive one is local time in ``tz``. None if unreadable."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def add_occurred_at(data: dict[str, Any], occurred_at: Any, tz: ZoneInfo,
                    errors: dict[str, str]) -> None:
    """Turn an API ``occurred_at`` (ISO 8601) into the form's date and time fields of ``data``;
    an unreadable or out-of-bounds time goes into ``errors``. No value: the time is now."""
    if not occurred_at:
        return
    when = parse_instant(str(occurred_at), tz)
    if when is None:
        errors["occurred_at"] = OCCURRED_AT
    elif check_bounds(when, "occurred_at", errors):
        local = when.astimezone(tz)
        data.update(when="at", date=local.date().isoformat(), time=f"{local:%H:%M}")


def submit_report(session: Session, client: ApiClient, *, category: str | None,
                  lon: Any, lat: Any, kind: str | None = None, occurred_at: str | None = None,
                  description: str | None = None, contact: str | None = None,
                  severity: Any = None, municipality: str, tz: ZoneInfo,
                  now: datetime | None = None, idempotency: str | None = None,
                  reasons: list[str] | None = None,
                  internal_note: str | None = None) -> Report:
    """Store a report sent by an organisation's system: ``reviewed``, source ``api``.

    ``lon``/``lat`` are WGS84 degrees; ``occurred_at`` ISO 8601 (default: now); the kind
    defaults to the category's. Errors name API fields (see ``API_FIELDS``).
    ``idempotency`` (from :func:`idempotency_key`) makes a repeated POST return the report
    the first one stored, and a reused key with another body raise IdempotencyMismatch;
    two racing identical POSTs store one report (the unique key decides).
    ``reasons`` are more otrygghet reason codes (Open311 ``attribute[reasons][]``; an error
    names ``attribute[reasons]``); ``internal_note`` is staff-only text.
    """
    if idempotency:
        earlier = earlier_report(session, idempotency)
        if earlier is not None:
            return earlier
    code = (category or "").strip()
    cat = session.scalar(select(Category).where(Category.code == code)) if code else None
    kind = (kind or "").strip() or (cat.kind if cat is not None else "incident")
    data: dict[str, Any] = {"kind": kind, "lon": lon, "lat": lat, "description": description,
                            "contact": contact, "severity": severity, "when": "now"}
    extra = [c for c in dict.fromkeys(reasons or []) if c != code]
    if kind == "otrygghet":
        data["reasons"] = ([code] if code else []) + extra
    else:
        data["category"] = code
    if internal_note:
        data["internal_note"] = internal_note
    errors: dict[str, str] = {}
    if extra and (kind != "otrygghet" or len(extra) != len(set(session.scalars(
            select(Category.code).where(Category.code.in_(extra), Category.active.is_(True),
                                        Category.kind == "otrygghet"))))):
        errors["attribute[reasons]"] = ("only otrygghet services take more reasons, each an "
                                        "active otrygghet service_code")
    add_occurred_at(data, occurred_at, tz, errors)
    org = client.organisation_id
    try:
        if errors:
            reports.validate_report(session, data, municipality=municipality, tz=tz,
                                    organisation_id=org, now=now)
            raise ValidationError(errors)
        return reports.create_report(session, data, source="api", municipality=municipality,
                                     tz=tz, organisation_id=org, now=now,
                                     idempotency_key=idempotency)
    except ValidationError as exc:
        renamed = {API_FIELDS.get(k, k): v for k, v in exc.errors.items()}
        raise ValidationError({**renamed, **errors}) from None


# -- reads --------------------------------------------------------------------------------------
# Open311 GET answers come from est.public (the public privacy model), never from here; the
# staff reads (GeoJSON pages, the bulk export) are in est.services.api.reads.

from est.services.api.reads import (  # noqa: E402
    HOTSPOT_PAGE,
    Cursor,
    cell_features,
    hotspot_collection,
    iter_report_features,
    report_feature,
    report_features,
)

__all__ = ["HOTSPOT_PAGE", "Cursor", "cell_features", "hotspot_collection",
           "iter_report_features", "report_feature", "report_features"]
