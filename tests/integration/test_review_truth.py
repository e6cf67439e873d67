"""The demo's last complete week tells the truth: named places, emerging spots first,
missing last year, a week in progress compared like with like, actions kept in their week."""

from datetime import date, timedelta

import pytest

from est.demo import DEMO_CODE, DEMO_PLACES, load_demo
from est.errors import ValidationError
from est.review import Filters, Week, agenda, build_review
from est.services.reports import replace_places

TZ = "Europe/Stockholm"
TODAY = date(2026, 11, 25)  # a Wednesday: week 48 is in progress, week 47 the last complete
LAST = Week.containing(TODAY - timedelta(days=7), TZ)


@pytest.fixture
def demo(db_session):
    load_demo(db_session, today=TODAY)
    replace_places(db_session, DEMO_CODE, DEMO_PLACES)
    return db_session


def test_emerging_places_are_named_and_on_top(demo):
    page = build_review(demo, DEMO_CODE, LAST, Filters(), today=TODAY)
    for r in page.hotspots:
        print(r.position, r.name, r.hotspot.klass, r.week_count, r.previous_mean,
              r.rising, round(r.significance, 1), r.week_categories, r.baseline_categories)
    top = [r.name for r in page.hotspots[:2]]
    assert set(top) == {"Vretstorp centrum", "Folkets park, Hallsberg"}
    assert all(r.urgent for r in page.hotspots[:2])
    # One set of numbers per spot: the week's categories add up to the week's count, or are
    # labelled as the baseline's.
    for r in page.hotspots:
        assert sum(n for _l, n in r.week_categories) <= r.week_count
        assert r.trend[-1] == r.week_count
    data = agenda(demo, DEMO_CODE, LAST, today=TODAY)
    assert [r.name for r in data["new"]][:2] == top


def test_no_data_last_year_is_missing_not_zero(demo):
    page = build_review(demo, DEMO_CODE, LAST, Filters(), detect=False, today=TODAY)
    assert page.total_now > 0 and page.total_last_year is None
    assert all(t["last_year"] is None for t in page.totals)


def test_week_in_progress_compares_the_same_weekdays(demo):
    running = Week.containing(TODAY, TZ)
    page = build_review(demo, DEMO_CODE, running, Filters(), today=TODAY)
    assert page.in_progress and page.compare_days == 2 and page.compare_label == "mån–tis"
    from sqlalchemy import func, select

    from est.models import Report
    from est.queries import COUNTED_STATUSES

    def count(first, last):
        return demo.scalar(select(func.count()).select_from(Report).where(
            Report.status.in_(COUNTED_STATUSES), Report.occurred_at >= first,
            Report.occurred_at < last))

    before = running.shift(-1)
    assert page.total_now == count(running.start, running.cut(2))
    assert page.total_last_week == count(before.start, before.cut(2))
    assert all(r.change_pct is None and not r.rising for r in page.hotspots)
    monday = build_review(demo, DEMO_CODE, running, Filters(), detect=False,
                          today=running.monday)
    assert monday.compare_days == 0 and monday.total_last_week is None


def test_action_decided_from_a_week_stays_in_that_weeks_list_and_minutes(
        db_session, make_area, make_organisation, make_actor, make_report):
    area = make_area()
    org = make_organisation("Polisen", "polis", area=area)
    week = Week(2026, 40, TZ)
    make_report(area=area, occurred_at=week.start + timedelta(days=2))
    actor = make_actor("coordinator", org, area)
    from est.review import record_action
    from est.services import actions as svc

    action = record_action(db_session, actor, "1861", week, {
        "title": "Belysning vid stationen", "organisation_id": org.id,
        "category_id": _klotter(db_session),
        "starts_on": (week.sunday + timedelta(days=1)).isoformat(),
        "due_on": (week.sunday + timedelta(days=14)).isoformat()})
    # Closed at once, so only the meeting record keeps it in week 40 (it starts in week 41).
    svc.update_action(db_session, actor, action.id, {"status": "done"})
    page = build_review(db_session, "1861", week, Filters(), detect=False,
                        today=week.sunday + timedelta(days=30))
    assert [a.id for a, _f in page.actions] == [action.id]
    assert page.review is not None and action.review_id == page.review.id
    before = build_review(db_session, "1861", week.shift(-1), Filters(), detect=False,
                          today=week.sunday + timedelta(days=30))
    assert before.actions == []
    with pytest.raises(ValidationError) as err:
        record_action(db_session, actor, "1861", week.shift(1), {"title": ""})
    assert "title" in err.value.errors
    from est.review import get_review

    assert get_review(db_session, area.id, week.shift(1)) is None  # nothing written


def _klotter(session):
    from sqlalchemy import select

    from est.models import Category

    return session.scalar(select(Category.id).where(Category.code == "klotter"))
