"""A single POST without Idempotency-Key goes through the batch writer (COPY): it must store
exactly what the ORM path (taken with the header) stores, and name the same fields on errors.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from est.models import AuditEvent, Report
from est.services import apikeys


@pytest.fixture
def token(db_session, make_area, make_organisation) -> str:
    make_organisation("Hallbo AB", "bostadsbolag", area=make_area())
    return apikeys.create_key(db_session, organisation="Hallbo AB", label="felanmälan")[1]


def _post(client, token, props, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1122, 59.0651]},
            "properties": props}
    return client.post("/api/v1/reports", json=body, headers=headers)


def _stored(db_session, report_id):
    report = db_session.get(Report, report_id)
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.report_id == report.id)).all()
    return ({k: getattr(report, k) for k in (
        "kind", "category_id", "area_id", "occurred_at", "time_precision", "source",
        "organisation_id", "description", "severity", "status", "visibility", "contact",
        "internal_note")}, sorted(r.id for r in report.reasons),
        [(a.action, a.new) for a in audit], report.receipt_ref)


@pytest.mark.parametrize("props", [
    {"category": "klotter", "description": "Tagg\tpå väggen\\n", "severity": 2,
     "occurred_at": "2026-11-30T08:15:00+01:00"},
    {"category": "belysning", "description": "Mörk gångväg",  # otrygghet: a reason row
     "occurred_at": "2026-11-29T22:00:00Z"},
])
def test_fast_and_orm_paths_store_the_same(client, db_session, token, props):
    fast = _post(client, token, props)
    orm = _post(client, token, props, key="orm-path-1")
    assert fast.status_code == orm.status_code == 201, fast.get_data(as_text=True)
    a, b = fast.get_json(), orm.get_json()
    assert a["status"] == b["status"] == "reviewed" and a["source"] == b["source"] == "api"
    assert a["reference"].startswith("EST-") and a["id"] != b["id"]
    row_a, reasons_a, audit_a, ref_a = _stored(db_session, a["id"])
    row_b, reasons_b, audit_b, ref_b = _stored(db_session, b["id"])
    assert row_a == row_b and reasons_a == reasons_b and audit_a == audit_b
    assert ref_a != ref_b and a["reference"].endswith(ref_a[-4:])


@pytest.mark.parametrize("props", [{"category": "nope"}, {"category": "klotter", "severity": 9},
                                   {"category": "klotter", "occurred_at": "igår"}])
def test_fast_and_orm_paths_name_the_same_fields(client, db_session, token, props):
    fast = _post(client, token, props)
    orm = _post(client, token, props, key="orm-path-2")
    assert fast.status_code == orm.status_code
    assert fast.status_code in (400, 422)
    assert fast.get_json().get("fields") == orm.get_json().get("fields")
    assert db_session.scalar(select(Report.id).limit(1)) is None
