"""Weekly review service: weeks, totals, matrix, filters, actions and follow-up, meeting."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box

from est.demo import load_demo
from est.errors import PermissionDenied, ValidationError
from est.models.hotspots import Hotspot, HotspotRun
from est.review import Filters, Week, build_review, get_review, participants, save_meeting
from est.services import actions as svc

TZ = "Europe/Stockholm"
W = Week(2026, 46, TZ)  # Mon 9 Nov – Sun 15 Nov 2026
STATION_BOX = (15.1110, 59.0645, 15.1135, 59.0657)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


class User:
    def __init__(self, role, organisation_id=None, id_=None):
        self.role, self.organisation_id, self.id = role, organisation_id, id_


@pytest.fixture
def make_hotspot(db_session):
    def _make(area, bounds=STATION_BOX, week=W, count=10, weekly=None, klass="persistent"):
        run = HotspotRun(area_id=area.id, window_start=week.start, window_end=week.end,
                         baseline_weeks=12, method="scan", parameters={}, params_hash="x",
                         data_version="x", n_reports=count)
        poly = MultiPolygon([box(*bounds)])
        run.hotspots = [Hotspot(rank=1, lineage_id=uuid.uuid4(), klass=klass,
                                polygon=from_shape(poly, srid=4326),
                                centroid=from_shape(poly.centroid, srid=4326), count=count,
                                area_m2=20000.0, counts={"weekly": weekly or [1] * 12,
                                                         "by_category": {"klotter": count}},
                                profile={"busiest_weekdays": ["sat"], "busiest_hours": [22]})]
        db_session.add(run)
        db_session.flush()
        return run.hotspots[0]

    return _make


def test_week_arithmetic():
    assert W.monday == date(2026, 11, 9) and W.sunday == date(2026, 11, 15)
    assert W.start.isoformat() == "2026-11-09T00:00:00+01:00"
    assert Week.parse("2026-W46", TZ) == W
    assert W.shift(-1).slug == "2026-W45" and W.shift(8).slug == "2027-W01"
    assert Week(2026, 53, TZ).same_week_last_year() == Week(2025, 52, TZ)
    assert Week.containing(date(2027, 1, 1), TZ).slug == "2026-W53"
    with pytest.raises(ValidationError, match="ISO week"):
        Week.parse("2026-W60", TZ)


def test_totals_and_matrix_hand_counted(db_session, make_area, make_report):
    area = make_area()
    tue, sat = W.monday + timedelta(days=1), W.monday + timedelta(days=5)
    for _ in range(3):
        make_report(area=area, code="klotter", occurred_at=at(tue, 21))
    make_report(area=area, code="narkotika", occurred_at=at(sat, 23))
    make_report(area=area, code="klotter", occurred_at=at(sat, 23), status="pending",
                source="public")  # not moderated: never counted
    for _ in range(2):
        make_report(area=area, code="klotter", occurred_at=at(tue - timedelta(weeks=1)))
    make_report(area=area, code="klotter", occurred_at=at(date(2025, 11, 11)))  # 2025-W46
    make_report(area=area, code="belysning", occurred_at=at(date(2025, 11, 12)))

    page = build_review(db_session, "1861", W, Filters(), detect=False)
    rows = {r["code"]: (r["now"], r["last_week"], r["last_year"]) for r in page.totals}
    assert rows == {"klotter": (3, 2, 1), "narkotika": (1, 0, 0), "belysning": (0, 0, 1)}
    assert (page.total_now, page.total_last_week, page.total_last_year) == (4, 2, 2)
    assert page.matrix[1][21] == 3 and page.matrix[5][23] == 1
    assert sum(map(sum, page.matrix)) == 4
    assert len(page.points) == 4 and {p[2] for p in page.points} == {"klotter", "narkotika"}


def test_filters(db_session, make_area, make_report, make_organisation):
    area = make_area()
    district = make_area(code="1861-01", name="Centrum", kind="district", parent=area,
                         bounds=(15.10, 59.06, 15.12, 59.07))
    police = make_organisation("Polisen", "polis")
    day = W.monday + timedelta(days=2)
    make_report(15.1122, 59.0651, area=area, code="klotter", occurred_at=at(day),
                organisation_id=police.id)
    make_report(15.1122, 59.0651, area=area, code="belysning", occurred_at=at(day),
                source="public", status="published")
    make_report(15.16, 59.09, area=area, code="klotter", occurred_at=at(day))  # outside district

    def total(**kw):
        return build_review(db_session, "1861", W, Filters(**kw), detect=False).total_now

    assert total() == 3
    assert total(district=district.code) == 2
    assert total(kind="otrygghet") == 1
    assert total(category="klotter") == 2
    assert total(organisation=str(police.id)) == 1
    assert total(organisation="public") == 1
    with pytest.raises(ValidationError):
        total(district="nope")


def test_follow_up_counts_reports_in_the_hot_spot_before_and_after(
        db_session, make_area, make_report, make_organisation, make_hotspot):
    area = make_area()
    org = make_organisation("Hallbo", "bostadsbolag")
    hotspot = make_hotspot(area)
    coordinator = User("coordinator", id_=None)
    start = date(2026, 10, 12)  # a Monday
    action = svc.create_action(db_session, coordinator, area_id=area.id, data={
        "title": "Bättre belysning vid resecentrum", "organisation_id": org.id,
        "hotspot_id": hotspot.id, "starts_on": start.isoformat(), "due_on": "2026-12-01"})
    assert action.lineage_id == hotspot.lineage_id and action.geom is not None
    inside, outside = (15.1122, 59.0651), (15.13, 59.08)
    # before: 6 inside within 4 weeks before, 1 inside 5 weeks before (outside the window)
    for d in range(6):
        make_report(*inside, area=area, occurred_at=at(start - timedelta(days=3 + d * 4)))
    make_report(*inside, area=area, occurred_at=at(start - timedelta(weeks=5)))
    # after: 2 inside, 3 outside the polygon
    make_report(*inside, area=area, occurred_at=at(start + timedelta(days=2)))
    make_report(*inside, area=area, occurred_at=at(start + timedelta(days=20)))
    for d in range(3):
        make_report(*outside, area=area, occurred_at=at(start + timedelta(days=d + 1)))

    f = svc.follow_up(db_session, action, today=date(2026, 11, 16))
    assert (f.weeks, f.before, f.after) == (4, 6, 2)
    assert f.change == -4 and f.change_pct == pytest.approx(-66.67, abs=0.01)
    early = svc.follow_up(db_session, action, today=start + timedelta(days=9))
    assert (early.weeks, early.before, early.after) == (1, 2, 1)
    assert svc.follow_up(db_session, action, today=start).measurable is False


def test_category_action_follow_up(db_session, make_area, make_report, make_organisation,
                                   category):
    area = make_area()
    org = make_organisation("Kommunen", "kommun")
    start = date(2026, 10, 5)
    action = svc.create_action(db_session, User("admin"), area_id=area.id, data={
        "title": "Klottersanering inom 24 h", "organisation_id": org.id,
        "category_id": category("klotter").id, "starts_on": start})
    make_report(15.06, 59.04, area=area, code="klotter", occurred_at=at(start - timedelta(days=1)))
    make_report(15.16, 59.09, area=area, code="narkotika", occurred_at=at(start + timedelta(1)))
    f = svc.follow_up(db_session, action, today=start + timedelta(weeks=2))
    assert (f.before, f.after) == (1, 0)


def test_action_validation_and_permissions(db_session, make_area, make_organisation,
                                           make_hotspot):
    area = make_area()
    org = make_organisation("Hallbo", "bostadsbolag")
    hotspot = make_hotspot(area)
    with pytest.raises(ValidationError) as info:
        svc.create_action(db_session, User("coordinator"), area_id=area.id, data={
            "title": "", "starts_on": "31/12", "due_on": "2026-01-01"})
    assert {"title", "organisation_id", "starts_on", "target"} <= set(info.value.errors)
    with pytest.raises(PermissionDenied):
        svc.create_action(db_session, User("viewer"), area_id=area.id,
                          data={"title": "x", "organisation_id": org.id,
                                "hotspot_id": hotspot.id, "starts_on": "2026-11-01"})
    action = svc.create_action(db_session, User("coordinator"), area_id=area.id, data={
        "title": "Väktarrond fredag–lördag", "organisation_id": org.id,
        "hotspot_id": hotspot.id, "starts_on": "2026-11-01"})
    # a partner of the responsible organisation (report + review) may report status and
    # outcome, nothing else; a plain reporter does not see actions at all
    owner = User("reporter", organisation_id=org.id)
    with pytest.raises(PermissionDenied):
        svc.update_action(db_session, owner, action.id, {"status": "done"})
    owner.permissions = {"report", "review"}
    svc.update_action(db_session, owner, action.id,
                      {"status": "not_done", "outcome_note": "Inga väktare fanns"})
    assert action.status == "not_done"
    with pytest.raises(PermissionDenied):
        svc.update_action(db_session, owner, action.id, {"title": "Annat"})
    with pytest.raises(PermissionDenied):
        svc.update_action(db_session, User("reporter", organisation_id=org.id + 1), action.id,
                          {"status": "done"})
    with pytest.raises(ValidationError):
        svc.update_action(db_session, User("coordinator"), action.id, {"status": "fixed"})


def test_meeting_record(db_session, make_area, make_organisation, make_hotspot):
    area = make_area()
    org = make_organisation("Polisen", "polis")
    hotspot = make_hotspot(area)
    action = svc.create_action(db_session, User("coordinator"), area_id=area.id, data={
        "title": "Ökad närvaro", "organisation_id": org.id, "hotspot_id": hotspot.id,
        "starts_on": "2026-11-10"})
    save_meeting(db_session, "1861", W, participants=["Polisen", "Kommunen", "Polisen"],
                 notes="Genomgång av veckan", decisions=[
                     {"text": "Polisen ökar närvaron vid resecentrum", "action_id": action.id},
                     {"text": ""}])
    review = get_review(db_session, area.id, W)
    assert participants(review) == ["Kommunen", "Polisen"]
    assert [d.text for d in review.decisions] == ["Polisen ökar närvaron vid resecentrum"]
    assert review.decisions[0].action_id == action.id
    save_meeting(db_session, "1861", W, participants=[], notes=None, decisions=[])
    assert get_review(db_session, area.id, W).decisions == []


def test_demo_week_finds_hot_spots_and_reuses_the_run(db_session):
    load_demo(db_session, today=date(2026, 11, 22))
    week = Week(2026, 46, TZ)
    page = build_review(db_session, "1861", week, Filters(), today=date(2026, 11, 22))
    assert page.run is not None and page.hotspots
    station = Point(15.1122, 59.0651)
    from geoalchemy2.shape import to_shape

    assert any(to_shape(r.hotspot.polygon).distance(station) < 0.001 for r in page.hotspots)
    assert all(len(r.trend) == 13 for r in page.hotspots)
    again = build_review(db_session, "1861", week, Filters(), today=date(2026, 11, 22))
    assert again.run.id == page.run.id
