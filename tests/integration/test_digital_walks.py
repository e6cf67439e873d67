"""Digital trygghetsvandringar: campaigns, residents' pins (unsafe = pending report, safe = no
report), moderation decides what counts, staff see the pins when planning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from est.errors import PermissionDenied, ValidationError
from est.models import Report
from est.models.walks import DigitalWalkSafePlace
from est.queries import report_cells
from est.services import moderation
from est.walks import digital

TZ = ZoneInfo("Europe/Stockholm")
TUNNEL = (15.1160, 59.0638)
TORGET = (15.1088, 59.0672)


@pytest.fixture
def town(make_area):
    return make_area()


@pytest.fixture
def coordinator(make_actor, make_organisation, town):
    return make_actor("coordinator", make_organisation(area=town))


@pytest.fixture
def campaign(db_session, coordinator, town):
    now = datetime.now(TZ)
    return digital.create_campaign(db_session, coordinator, {
        "title": "Centrum", "area_id": town.id,
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M")}, tz=TZ)


def _unsafe(db_session, campaign, point=TUNNEL, **kw):
    return digital.add_pin(db_session, campaign.id, {"pin": "unsafe", "lon": point[0],
                                                     "lat": point[1], "reasons": ["belysning"],
                                                     **kw}, tz=TZ)


def test_only_moderators_open_campaigns(db_session, make_actor, make_organisation, town):
    reporter = make_actor("reporter", make_organisation(area=town))
    with pytest.raises(PermissionDenied):
        digital.create_campaign(db_session, reporter, {"title": "x"}, tz=TZ)


def test_unsafe_pin_counts_only_after_publishing(db_session, campaign, coordinator, town):
    report = _unsafe(db_session, campaign, description="Mörkt")
    assert (report.status, report.source, report.campaign_id) == ("pending", "digital_vandring",
                                                                  campaign.id)
    now = datetime.now(UTC)
    window = (now - timedelta(days=1), now + timedelta(hours=1))
    assert report_cells(db_session, town.id, *window) == []
    assert report.id in {r.id for r in moderation.pending_reports(db_session, coordinator)}
    moderation.publish(db_session, report.id, coordinator)
    assert sum(c["otrygghet"] for c in report_cells(db_session, town.id, *window)) == 1


def test_safe_pin_is_never_a_report(db_session, campaign):
    mark = digital.add_pin(db_session, campaign.id, {"pin": "safe", "lon": TORGET[0],
                                                     "lat": TORGET[1], "safe_reasons":
                                                     ["folkliv", "belysning"], "note": "Bra"},
                           tz=TZ)
    assert isinstance(mark, DigitalWalkSafePlace) and mark.reasons == ["belysning", "folkliv"]
    assert db_session.scalar(select(func.count(Report.id))) == 0


@pytest.mark.parametrize("data, field", [
    ({"pin": "maybe"}, "pin"),
    ({"reasons": []}, "reasons"),
    ({"lon": 0.1, "lat": 0.1}, "location"),
    ({"lon": "x"}, "location"),
    ({"description": "x" * 2001}, "description"),
    ({"pin": "safe", "note": "x" * 501}, "note"),
    ({"pin": "safe", "safe_reasons": ["okand"]}, "safe_reasons"),
    ({"pin": "safe", "note": "a\x00b"}, "note"),
])
def test_bad_pins_write_nothing(db_session, campaign, data, field):
    base = {"pin": "unsafe", "lon": TUNNEL[0], "lat": TUNNEL[1], "reasons": ["belysning"]}
    with pytest.raises(ValidationError) as caught:
        digital.add_pin(db_session, campaign.id, {**base, **data}, tz=TZ)
    assert field in caught.value.errors
    assert db_session.scalar(select(func.count(Report.id))) == 0
    assert db_session.scalar(select(func.count(DigitalWalkSafePlace.id))) == 0


def test_pins_only_while_open(db_session, campaign):
    with pytest.raises(ValidationError) as caught:
        digital.add_pin(db_session, campaign.id, {"pin": "unsafe"}, tz=TZ,
                        now=campaign.closes_at + timedelta(seconds=1))
    assert "campaign" in caught.value.errors


def test_staff_pins_leave_out_rejected_and_other_towns(db_session, campaign, coordinator,
                                                       make_actor, make_area,
                                                       make_organisation):
    kept = _unsafe(db_session, campaign, description="Kvar")
    gone = _unsafe(db_session, campaign, TORGET, description="Bort")
    moderation.reject(db_session, gone.id, coordinator, "spam")
    digital.add_pin(db_session, campaign.id, {"pin": "safe", "lon": TORGET[0],
                                              "lat": TORGET[1]}, tz=TZ)
    pins = digital.campaign_pins(db_session, coordinator, campaign)
    assert sorted((p["kind"], p["note"]) for p in pins) == [("safe", ""), ("unsafe", "Kvar")]
    assert pins[0]["status"] == "pending" and pins[0]["reasons"] == ["Dålig belysning"]
    assert kept.status == "pending"
    other = make_area("1880", "Örebro", bounds=(15.1, 59.2, 15.3, 59.35))
    stranger = make_actor("coordinator", make_organisation(area=other))
    assert digital.campaign_pins(db_session, stranger, campaign) == []
    assert digital.campaign_pins(db_session, None, campaign) == []
