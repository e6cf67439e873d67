"""Moderation pages: queue with map and list, publish, reject, edit, duplicates; staff form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from est.models import AuditEvent, Report
from est.services import reports, users


@cache
def password_hash() -> str:
    return users.hash_password("correct horse battery")


@pytest.fixture
def setup(db_session, make_area, make_organisation, make_report):
    area = make_area()
    kommun = make_organisation(name="Kommunen", kind="kommun", area=area)
    police = make_organisation(name="Polisen", kind="polis", area=area)
    ids = {}
    for role, org in (("coordinator", kommun), ("reporter", police)):
        ids[role] = users.create_user(db_session, email=f"{role}@x.example", name=role.title(),
                                      role=role, organisation=org.id,
                                      password_hash=password_hash()).id
    now = datetime.now(UTC)
    pending = make_report(area=area, source="public", status="pending", occurred_at=now)
    near = make_report(15.1123, 59.0653, area=area, occurred_at=now - timedelta(days=1))
    return {"ids": ids, "pending": pending, "near": near, "police": police, "area": area}


def sign_in(client, setup, role="coordinator"):
    from web.db import get_session

    with client.application.app_context():  # a live server-side session
        token = users.start_session(get_session(), setup["ids"][role])
    with client.session_transaction() as session:
        session["_user_id"] = str(setup["ids"][role])
        session["_est_sid"] = token
        session["_fresh"] = True


def test_queue_shows_map_and_list(client, setup):
    sign_in(client, setup)
    html = client.get("/moderering/").get_data(as_text=True)
    ref = reports.reference(setup["pending"].receipt_ref)
    assert ref in html and "estPendingLayer" in html and "leaflet" in html.lower()
    assert reports.reference(setup["near"].receipt_ref) not in html  # reviewed: not in the queue


def test_detail_suggests_the_nearby_duplicate(client, setup):
    sign_in(client, setup)
    html = client.get(f"/moderering/{setup['pending'].id}").get_data(as_text=True)
    assert f"Markera som dubblett av {reports.reference(setup['near'].receipt_ref)}" in html


def test_publish_from_the_queue(client, db_session, setup):
    sign_in(client, setup)
    response = client.post(f"/moderering/{setup['pending'].id}/publicera")
    assert response.status_code == 302
    db_session.refresh(setup["pending"])
    assert setup["pending"].status == "published"
    assert "är publicerad" in client.get("/moderering/").get_data(as_text=True)


def test_reject_with_and_without_reason(client, db_session, setup):
    sign_in(client, setup)
    response = client.post(f"/moderering/{setup['pending'].id}/avvisa", data={"reason": ""})
    assert response.status_code == 400
    assert "Ange varför" in response.get_data(as_text=True)
    db_session.refresh(setup["pending"])
    assert setup["pending"].status == "pending"
    client.post(f"/moderering/{setup['pending'].id}/avvisa", data={"reason": "Skämt"})
    db_session.refresh(setup["pending"])
    assert setup["pending"].status == "rejected"


def test_edit_location_and_category(client, db_session, setup):
    sign_in(client, setup)
    response = client.post(f"/moderering/{setup['pending'].id}/andra",
                           data={"category": "skadegorelse", "lat": "59.0700", "lon": "15.1000"})
    assert response.status_code == 302
    db_session.refresh(setup["pending"])
    assert to_shape(setup["pending"].geom).coords[0] == pytest.approx((15.1, 59.07))
    actions = set(db_session.scalars(select(AuditEvent.action)
                                     .where(AuditEvent.report_id == setup["pending"].id)))
    assert actions == {"category_edited", "location_edited"}
    html = client.get(f"/moderering/{setup['pending'].id}").get_data(as_text=True)
    # The audit trail is shown in Swedish words, not as stored codes and JSON.
    assert "Coordinator" in html and "Position flyttad" in html
    assert "Kategori ändrad från Klotter till Skadegörelse" in html
    assert "location_edited" not in html and "&#34;lat&#34;" not in html


def test_edit_outside_municipality_is_refused(client, setup):
    sign_in(client, setup)
    response = client.post(f"/moderering/{setup['pending'].id}/andra",
                           data={"category": "klotter", "lat": "59.33", "lon": "18.07"})
    assert response.status_code == 400
    assert "utanför kommunen" in response.get_data(as_text=True)


def test_mark_duplicate(client, db_session, setup):
    sign_in(client, setup)
    client.post(f"/moderering/{setup['pending'].id}/dubblett",
                data={"duplicate_of": str(setup["near"].id)})
    db_session.refresh(setup["pending"])
    assert setup["pending"].duplicate_of == setup["near"].id
    assert setup["pending"].status == "rejected"


def test_staff_form_stores_a_reviewed_report(client, db_session, setup):
    sign_in(client, setup, "reporter")
    html = client.get("/personal/rapportera").get_data(as_text=True)
    assert 'name="occurred_until"' in html and 'name="internal_note"' in html
    assert "Kommunen" not in html.split('id="organisation"')[1].split("</select>")[0]
    response = client.post("/personal/rapportera", data={
        "kind": "otrygghet", "reasons": ["belysning", "ode_plats"], "lat": "59.0651",
        "lon": "15.1122", "occurred_from": "2024-11-02T18:00",
        "occurred_until": "2024-11-02T23:00", "severity": "2", "internal_note": "Trasig lampa",
        "organisation": str(setup["police"].id),
    })
    assert response.status_code == 302
    report = db_session.scalars(select(Report).where(Report.internal_note == "Trasig lampa")).one()
    assert report.status == "reviewed" and report.organisation_id == setup["police"].id
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Trasig lampa" in detail and "är sparad" in detail


def test_staff_form_errors_are_shown(client, db_session, setup):
    sign_in(client, setup, "reporter")
    response = client.post("/personal/rapportera", data={
        "kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
        "occurred_from": "2024-11-02T18:00", "occurred_until": "2024-11-01T18:00",
        "severity": "7"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Sluttiden måste vara efter starttiden." in html
    assert "Välj allvarlighetsgrad" in html
