"""Moderation (est.services.moderation): publish, reject, edit, duplicates and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import AuditEvent
from est.queries import COUNTED_STATUSES
from est.services import moderation

NOW = datetime(2025, 3, 12, 14, 0, tzinfo=UTC)



@pytest.fixture
def area(make_area):
    return make_area()


@pytest.fixture
def make_user(make_actor, area):
    """Create an account with ``role`` in ``org`` (default: a new organisation in ``area``)."""
    return lambda role, org=None: make_actor(role, org=org, area=area)


@pytest.fixture
def pending(make_report, area):
    return make_report(area=area, source="public", status="pending", occurred_at=NOW)


def events(db_session, report, action=None):
    stmt = select(AuditEvent).where(AuditEvent.report_id == report.id).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db_session.scalars(stmt))


def test_pending_queue_lists_public_pending_reports(db_session, make_user, pending, make_report,
                                                    area):
    make_report(area=area)  # a reviewed staff report is not in the queue
    rows = moderation.pending_reports(db_session, make_user("coordinator"))
    assert [r.id for r in rows] == [pending.id]


@pytest.mark.parametrize("role", ["reporter", "viewer"])
def test_only_coordinators_and_admins_moderate(db_session, make_user, pending, role):
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        moderation.pending_reports(db_session, user)
    with pytest.raises(PermissionDenied):
        moderation.publish(db_session, pending.id, user)
    with pytest.raises(PermissionDenied):
        moderation.reject(db_session, pending.id, user, "spam")
    with pytest.raises(PermissionDenied):
        moderation.publish(db_session, pending.id, None)
    assert pending.status == "pending"


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_publish_makes_it_count_and_is_audited(db_session, make_user, pending, role):
    user = make_user(role)
    moderation.publish(db_session, pending.id, user)
    assert pending.status == "published" and pending.status in COUNTED_STATUSES
    assert pending.visibility == "public"
    [event] = events(db_session, pending, "status_changed")
    assert event.user_id == user.id
    assert event.old == {"status": "pending"} and event.new == {"status": "published"}
    assert event.at is not None
    with pytest.raises(ValidationError):  # only pending reports are moderated
        moderation.publish(db_session, pending.id, user)


def test_reject_needs_a_reason(db_session, make_user, pending):
    coordinator = make_user("coordinator")
    with pytest.raises(ValidationError) as info:
        moderation.reject(db_session, pending.id, coordinator, "  ")
    assert "reason" in info.value.errors
    moderation.reject(db_session, pending.id, coordinator, "Inte i kommunen")
    assert pending.status == "rejected" and pending.status not in COUNTED_STATUSES
    [event] = events(db_session, pending, "status_changed")
    assert event.note == "Inte i kommunen"


def test_coordinator_elsewhere_cannot_moderate(db_session, make_area, make_organisation,
                                               make_user, pending):
    away = make_area(code="1880", name="Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    outsider = make_user("coordinator", make_organisation(area=away))
    with pytest.raises(NotFound):
        moderation.publish(db_session, pending.id, outsider)


def test_edit_category_and_location(db_session, make_user, pending):
    coordinator = make_user("coordinator")
    moderation.edit_report(db_session, pending.id, coordinator,
                           {"category": "skadegorelse", "lon": "15.1000", "lat": "59.0620"})
    assert pending.category.code == "skadegorelse"
    assert to_shape(pending.geom).coords[0] == pytest.approx((15.1, 59.062))
    [cat] = events(db_session, pending, "category_edited")
    assert cat.old == {"category": "klotter"} and cat.new == {"category": "skadegorelse"}
    [loc] = events(db_session, pending, "location_edited")
    assert loc.old == {"lon": 15.1122, "lat": 59.0651}
    assert loc.new == {"lon": 15.1, "lat": 59.062}
    assert loc.user_id == coordinator.id


def test_edit_without_changes_writes_no_audit(db_session, make_user, pending):
    moderation.edit_report(db_session, pending.id, make_user("coordinator"),
                           {"category": "klotter", "lon": "15.1122", "lat": "59.0651"})
    assert events(db_session, pending) == []


@pytest.mark.parametrize(("data", "field"), [
    ({"lon": "18.07", "lat": "59.33"}, "location"),
    ({"lon": "x", "lat": "59.06"}, "lon"),
    ({"category": "belysning"}, "category"),  # an otrygghet reason for an incident
])
def test_edit_validation(db_session, make_user, pending, data, field):
    with pytest.raises(ValidationError) as info:
        moderation.edit_report(db_session, pending.id, make_user("coordinator"), data)
    assert field in info.value.errors
    assert to_shape(pending.geom).coords[0] == pytest.approx((15.1122, 59.0651))


def test_duplicate_candidates_within_100_m_and_7_days_same_category(db_session, make_user,
                                                                    pending, make_report, area):
    # ~56 m north, 2 days earlier, same category: a candidate
    near = make_report(15.1122, 59.0656, area=area, occurred_at=NOW - timedelta(days=2))
    # ~170 m away: too far
    make_report(15.1122, 59.0666, area=area, occurred_at=NOW)
    # same place, 8 days later: too late
    make_report(15.1122, 59.0651, area=area, occurred_at=NOW + timedelta(days=8))
    # same place, other category
    make_report(15.1122, 59.0651, area=area, code="stold", occurred_at=NOW)
    # same place, rejected
    make_report(15.1122, 59.0651, area=area, status="rejected", occurred_at=NOW)
    coordinator = make_user("coordinator")
    candidates = moderation.duplicate_candidates(db_session, pending.id, coordinator)
    assert [c["id"] for c in candidates] == [near.id]
    assert 50 < candidates[0]["distance_m"] < 60

    moderation.mark_duplicate(db_session, pending.id, near.id, coordinator)
    assert pending.duplicate_of == near.id and pending.status == "rejected"
    [event] = events(db_session, pending, "duplicate_marked")
    assert event.new == {"status": "rejected", "duplicate_of": str(near.id)}


def test_mark_duplicate_of_a_far_report_is_refused(db_session, make_user, pending, make_report,
                                                   area):
    far = make_report(15.1300, 59.0800, area=area, occurred_at=NOW)
    with pytest.raises(ValidationError):
        moderation.mark_duplicate(db_session, pending.id, far.id, make_user("coordinator"))
    assert pending.duplicate_of is None


def test_unknown_report_id_is_not_found(db_session, make_user):
    with pytest.raises(NotFound):
        moderation.publish(db_session, "not-a-uuid", make_user("coordinator"))
