"""Report creation and validation (est.services.reports) on a real PostGIS database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from est.errors import PermissionDenied, ValidationError
from est.models import AuditEvent, Report
from est.services import reports

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2025, 3, 12, 14, 0, tzinfo=UTC)
INSIDE = {"lon": "15.1122", "lat": "59.0651"}  # Hallsberg station, inside the test box



@pytest.fixture
def area(make_area):
    return make_area()


@pytest.fixture
def make_user(make_actor, area):
    """Create an account with ``role`` in ``org`` (default: a new organisation in ``area``)."""
    return lambda role, org=None: make_actor(role, org=org, area=area)


def create(db_session, **data):
    payload = {"kind": "incident", "category": "klotter", "when": "now", **INSIDE, **data}
    return reports.create_report(db_session, payload, municipality="1861", tz=TZ, now=NOW)


def errors_of(db_session, **data) -> dict:
    before = db_session.scalar(select(func.count()).select_from(Report))
    with pytest.raises(ValidationError) as info:
        create(db_session, **data)
    assert db_session.scalar(select(func.count()).select_from(Report)) == before
    return info.value.errors


def test_public_report_is_pending_with_point_and_audit(db_session, area):
    report = create(db_session, description="Klotter på väggen", contact="a@b.se")
    assert report.status == "pending" and report.source == "public"
    assert report.area_id == area.id and report.reporter_id is None
    point = to_shape(report.geom)
    assert (point.x, point.y) == (15.1122, 59.0651)
    assert report.occurred_at == NOW and report.time_precision == "exact"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.report_id == report.id)).one()
    assert event.action == "created" and event.user_id is None
    assert event.new["status"] == "pending" and event.new["lon"] == 15.1122
    assert reports.reference(report.receipt_ref) == f"EST-{report.receipt_ref}"
    assert len(report.receipt_ref) == 8 and report.receipt_ref.lower() not in report.id.hex


def test_otrygghet_with_several_reasons(db_session, area):
    report = create(db_session, kind="otrygghet", category="", reasons=["skymd_sikt", "belysning"])
    assert report.kind == "otrygghet"
    assert report.category.code == "belysning"  # the first reason in taxonomy order
    assert {c.code for c in report.reasons} == {"belysning", "skymd_sikt"}


def test_comma_decimals_are_accepted(db_session, area):
    report = create(db_session, lon="15,1122", lat="59,0651")
    assert to_shape(report.geom).x == pytest.approx(15.1122)


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "brand"}, "kind"),
    ({"category": ""}, "category"),
    ({"category": "belysning"}, "category"),  # an otrygghet reason is not an incident category
    ({"kind": "otrygghet", "reasons": []}, "reasons"),
    ({"kind": "otrygghet", "reasons": ["klotter"]}, "reasons"),
    ({"lon": "", "lat": ""}, "location"),
    ({"lon": "öster", "lat": "59.06"}, "lon"),
    ({"lon": "15.11", "lat": "norr"}, "lat"),
    ({"lon": "15.11", "lat": "nan"}, "lat"),
    ({"lon": "200", "lat": "59.06"}, "lon"),
    ({"lon": "15.11", "lat": "-91"}, "lat"),
    ({"lon": "18.07", "lat": "59.33"}, "location"),  # Stockholm: outside the municipality
    ({"place": "999999"}, "place"),
    ({"when": "sometimes"}, "when"),
    ({"when": "at", "date": "12/03/2025", "time": "10:00"}, "date"),
    ({"when": "at", "date": "2025-03-12", "time": "25:00"}, "time"),
    ({"when": "at", "date": "2025-03-13", "time": "10:00"}, "date"),  # tomorrow: future
    ({"description": "x" * 2001}, "description"),
    ({"contact": "not a contact"}, "contact"),
    ({"contact": "a@b.se" + "x" * 260}, "contact"),
])
def test_each_validation_rule(db_session, area, data, field):
    errors = errors_of(db_session, **data)
    assert field in errors, errors
    assert errors[field]


def test_all_errors_are_reported_at_once(db_session, area):
    errors = errors_of(db_session, category="", lon="x", lat="y", description="x" * 3000)
    assert {"category", "lon", "lat", "description"} <= set(errors)


def test_time_given_as_date_and_local_time(db_session, area):
    report = create(db_session, when="at", date="2025-03-11", time="22:30")
    assert report.occurred_at == datetime(2025, 3, 11, 22, 30, tzinfo=TZ)
    # A few minutes ahead (a phone's clock) is tolerated.
    local_now = NOW.astimezone(TZ) + timedelta(minutes=3)
    create(db_session, when="at", date=local_now.date().isoformat(),
           time=local_now.strftime("%H:%M"))


def test_recurring_problem(db_session, area):
    assert create(db_session, when="recurring").time_precision == "recurring"


def test_place_from_the_municipality_list(db_session, area):
    reports.replace_places(db_session, "1861", [("Torget", 15.1088, 59.0672),
                                                ("Station", 15.1122, 59.0651)])
    places = reports.list_places(db_session, area.id)
    assert [p["name"] for p in places] == ["Torget", "Station"]
    report = create(db_session, lon="", lat="", place=str(places[0]["id"]))
    assert to_shape(report.geom).coords[0] == pytest.approx((15.1088, 59.0672))


def test_place_list_rejects_bad_coordinates(db_session, area):
    with pytest.raises(ValidationError):
        reports.replace_places(db_session, "1861", [("Fel", 200.0, 59.0)])


def test_same_idempotency_key_creates_one_report(db_session, area):
    key = "k" * 32
    first = create(db_session, idempotency_key=key)
    second = create(db_session, idempotency_key=key)
    assert first.id == second.id
    count = db_session.scalar(select(func.count()).select_from(Report)
                              .where(Report.idempotency_key == "form:" + key))
    assert count == 1


def test_staff_report_is_reviewed_with_window_severity_and_note(db_session, area, make_user):
    reporter = make_user("reporter")
    report = reports.create_report(db_session, {
        "kind": "incident", "category": "inbrott", **INSIDE,
        "occurred_from": "2025-03-11T22:00", "occurred_until": "2025-03-12 06:00",
        "severity": "3", "internal_note": "Larmet gick", "organisation": "",
    }, user=reporter, municipality="1861", tz=TZ, now=NOW)
    assert report.status == "reviewed" and report.source == "organisation"
    assert report.organisation_id == reporter.organisation_id
    assert report.reporter_id == reporter.id
    assert report.time_precision == "window"
    assert report.occurred_until - report.occurred_at == timedelta(hours=8)
    assert report.severity == 3 and report.internal_note == "Larmet gick"


@pytest.mark.parametrize(("data", "field"), [
    ({"occurred_from": "igår"}, "occurred_from"),
    ({"occurred_from": "2025-03-20T10:00"}, "occurred_from"),
    ({"occurred_from": "2025-03-11T10:00", "occurred_until": "2025-03-11T09:00"},
     "occurred_until"),
    ({"occurred_from": "2025-03-11T10:00", "occurred_until": "2025-03-30T09:00"},
     "occurred_until"),
    ({"severity": "9"}, "severity"),
    ({"internal_note": "x" * 2001}, "internal_note"),
    ({"organisation": "abc"}, "organisation"),
])
def test_staff_validation_rules(db_session, area, make_user, data, field):
    coordinator = make_user("coordinator")
    with pytest.raises(ValidationError) as info:
        reports.create_report(db_session, {"kind": "incident", "category": "klotter",
                                           **INSIDE, **data},
                              user=coordinator, municipality="1861", tz=TZ, now=NOW)
    assert field in info.value.errors


def test_reporter_cannot_report_for_another_organisation(db_session, area, make_user,
                                                         make_organisation):
    reporter = make_user("reporter")
    other = make_organisation(kind="skola", area=area)
    with pytest.raises(ValidationError) as info:
        reports.create_report(db_session, {"kind": "incident", "category": "klotter",
                                           "organisation": str(other.id), **INSIDE},
                              user=reporter, municipality="1861", tz=TZ, now=NOW)
    assert "organisation" in info.value.errors


def test_coordinator_may_report_for_another_organisation(db_session, area, make_user,
                                                         make_organisation):
    coordinator = make_user("coordinator")
    school = make_organisation(kind="skola", area=area)
    report = reports.create_report(db_session, {"kind": "incident", "category": "klotter",
                                                "organisation": str(school.id), **INSIDE},
                                   user=coordinator, municipality="1861", tz=TZ, now=NOW)
    assert report.organisation_id == school.id


def test_viewer_cannot_create_staff_reports(db_session, area, make_user):
    with pytest.raises(PermissionDenied):
        reports.create_report(db_session, {"kind": "incident", "category": "klotter",
                                           **INSIDE},
                              user=make_user("viewer"), municipality="1861", tz=TZ, now=NOW)
