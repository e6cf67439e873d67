"""Review cache: the report_change triggers, the data version, cache hits and fresh data."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, text

from est.models import Report
from est.models.jobs import ReportChange
from est.review import Filters, Week, build_review
from est.review import cache as review_cache
from est.review.cache import ReviewCache

TZ = "Europe/Stockholm"
W = Week(2026, 40, TZ)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


@pytest.fixture
def area(make_area, make_report):
    area = make_area()
    for i in range(6):
        make_report(15.1122, 59.0651, area=area, occurred_at=at(W.monday + timedelta(days=i)))
    make_report(15.1000, 59.0600, area=area, code="belysning",
                occurred_at=at(W.monday - timedelta(days=3)))
    return area


def changes(db_session, area_id: int) -> list[tuple[date, int]]:
    return [(d, n) for d, n in db_session.execute(
        select(ReportChange.day, func.count()).where(ReportChange.area_id == area_id)
        .group_by(ReportChange.day).order_by(ReportChange.day))]


def version(db_session, area) -> str:
    return review_cache.data_version(db_session, area, W, W)


def test_triggers_log_every_insert_update_and_delete_by_area_and_day(db_session, area,
                                                                    make_report):
    logged = changes(db_session, area.id)
    assert len(logged) == 7 and all(n == 1 for _d, n in logged)  # one row per statement
    v1 = version(db_session, area)
    report = db_session.scalars(select(Report).where(Report.area_id == area.id)).first()
    report.status = "closed"
    db_session.flush()
    v2 = version(db_session, area)
    assert v2 != v1
    # an update moving a report to another day logs the old day and the new one
    moved_from = (report.occurred_at.astimezone(ZoneInfo("UTC"))).date()
    before = dict(changes(db_session, area.id))
    db_session.execute(text("UPDATE report SET occurred_at = occurred_at + interval '2 days' "
                            "WHERE id = :id"), {"id": report.id})
    after = dict(changes(db_session, area.id))
    moved_to = moved_from + timedelta(days=2)
    assert after[moved_from] == before[moved_from] + 1 == 3
    assert after[moved_to] == before.get(moved_to, 0) + 1
    v3 = version(db_session, area)
    db_session.delete(report)
    db_session.flush()
    assert len({v1, v2, v3, version(db_session, area)}) == 4
    # a change far outside the days a view reads leaves its version alone
    v4 = version(db_session, area)
    make_report(area=area, occurred_at=at(W.monday + timedelta(weeks=10)))
    assert version(db_session, area) == v4


def test_a_late_commit_with_a_lower_id_still_changes_the_version(db_session, area):
    v1 = version(db_session, area)
    lowest = db_session.scalar(select(func.min(ReportChange.id)))
    db_session.execute(text("INSERT INTO report_change (id, area_id, day) VALUES (:i, :a, :d)"),
                       {"i": lowest - 1, "a": area.id, "d": W.monday})
    assert version(db_session, area) != v1


def test_compacting_keeps_one_row_per_day(db_session, area, make_report):
    for _ in range(3):
        make_report(area=area, occurred_at=at(W.monday, 9))
    assert dict(changes(db_session, area.id))[W.monday] == 4  # 09:00 CEST is 07:00 UTC
    v1 = version(db_session, area)
    assert review_cache.compact(db_session, area, W, W) == 3
    assert all(n == 1 for _d, n in changes(db_session, area.id))
    assert version(db_session, area) != v1  # a version, not a count of reports


def test_second_view_is_served_from_the_cache_and_a_change_is_seen(db_session, area,
                                                                   make_report, engine):
    cache = ReviewCache()
    statements: list[str] = []

    def log(_conn, _cursor, statement, *_a):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    try:
        first = build_review(db_session, "1861", W, Filters(), cache=cache, detect=False)
        built = len(statements)
        statements.clear()
        again = build_review(db_session, "1861", W, Filters(), cache=cache, detect=False)
        hit = list(statements)
        make_report(area=area, occurred_at=at(W.monday + timedelta(days=2), 8))
        fresh = build_review(db_session, "1861", W, Filters(), cache=cache, detect=False)
    finally:
        event.remove(engine, "before_cursor_execute", log)
    assert (first.total_now, again.total_now, fresh.total_now) == (6, 6, 7)
    assert again.matrix == first.matrix and again.points == first.points
    assert again.totals == first.totals and again.total_last_week == 1
    assert not any("FILTER (WHERE" in s for s in hit)  # no totals query on a hit
    assert len(hit) < built
    assert sum(sum(row) for row in fresh.matrix) == 7


def test_an_unreachable_redis_means_computing_not_failing(db_session, area):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = ReviewCache(f"redis://127.0.0.1:{port}/0")
    cache.put("k", {"a": 1})
    assert cache.get("k") is None
    page = build_review(db_session, "1861", W, Filters(), cache=cache, detect=False)
    assert page.total_now == 6


def test_a_filtered_view_reuses_the_run_of_the_same_data_version(db_session, area, engine):
    cache = ReviewCache()
    first = build_review(db_session, "1861", W, Filters(), cache=cache)
    assert first.run is not None
    statements: list[str] = []

    def log(_conn, _cursor, statement, *_a):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    try:
        filtered = build_review(db_session, "1861", W, Filters(category="klotter"), cache=cache)
    finally:
        event.remove(engine, "before_cursor_execute", log)
    assert filtered.run.id == first.run.id and filtered.total_now == 6
    assert any("FILTER (WHERE" in s for s in statements)  # its own totals …
    assert not any("concat_ws" in s for s in statements)  # … but no run lookup over reports


def test_follow_ups_are_cached_until_the_action_or_its_reports_change(
        db_session, area, make_organisation, make_report, category):
    from est.models import Action

    org = make_organisation(area=area)
    action = Action(area_id=area.id, title="Mer belysning", organisation_id=org.id,
                    category_id=category("klotter").id, starts_on=W.monday - timedelta(weeks=1),
                    status="in_progress")
    db_session.add(action)
    db_session.flush()
    cache = ReviewCache()

    def follow_up():
        page = build_review(db_session, "1861", W, Filters(), cache=cache, detect=False)
        [(listed, f)] = page.actions
        assert listed.id == action.id
        return f.weeks, f.before, f.after

    # seen the day after week W: two whole weeks since the start, W's six klotter after it
    assert follow_up() == (2, 0, 6)
    assert follow_up() == (2, 0, 6)  # from the cache
    make_report(area=area, occurred_at=at(W.monday - timedelta(days=10)))
    assert follow_up() == (2, 1, 6)  # a report in its window: counted afresh
    action.starts_on = W.monday
    db_session.flush()
    assert follow_up() == (1, 0, 6)  # the edited action gives a new key
