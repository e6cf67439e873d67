"""Demo data: Hallsberg with a year of reproducible synthetic reports."""

from datetime import date, timedelta

from sqlalchemy import func, select, text

from est.demo import DEMO_KEY_PREFIX, GROUPS, generate_reports, load_demo
from est.models import Area, Organisation, Report

TODAY = date(2026, 11, 22)


def test_load_demo_counts(db_session):
    result = load_demo(db_session, today=TODAY)
    expected = sum(g.n for g in GROUPS)
    assert result.reports == expected
    assert db_session.scalar(select(func.count()).select_from(Report)) == expected
    assert db_session.scalar(
        select(func.count()).select_from(Report).where(Report.kind == "otrygghet")
    ) == result.otrygghet > 0
    assert 0 < result.pending < 100
    assert db_session.scalar(select(func.count()).select_from(Organisation)) >= 7
    districts = db_session.scalar(
        select(func.count()).select_from(Area).where(Area.kind == "district"))
    assert districts == 5
    first, last = db_session.execute(
        select(func.min(Report.occurred_at), func.max(Report.occurred_at))).one()
    assert first.date() >= TODAY - timedelta(days=366) and last.date() < TODAY
    # every report lies inside the demo municipality
    outside = db_session.scalar(text(
        "SELECT count(*) FROM report r JOIN area a ON a.id = r.area_id "
        "WHERE NOT ST_Contains(a.geom, r.geom)"))
    assert outside == 0


def test_demo_is_reproducible_and_reloadable(db_session):
    assert generate_reports(TODAY) == generate_reports(TODAY)
    load_demo(db_session, today=TODAY)
    ids_first = set(db_session.scalars(select(Report.id)))
    load_demo(db_session, today=TODAY)  # reloading replaces, never duplicates
    ids_second = set(db_session.scalars(select(Report.id)))
    assert ids_first == ids_second
    assert all(k.startswith(DEMO_KEY_PREFIX) for k in db_session.scalars(
        select(Report.idempotency_key)))


def test_demo_has_compact_hot_spots_and_new_ones(db_session):
    load_demo(db_session, today=TODAY)
    # 50 m around the station holds far more reports than an average 50 m disc in town
    near_station = db_session.scalar(text(
        "SELECT count(*) FROM report WHERE ST_DWithin(geom::geography, "
        "ST_SetSRID(ST_MakePoint(15.1122, 59.0651), 4326)::geography, 50)"))
    assert near_station > 400
    # Folkets park only has reports in the last three weeks
    park = db_session.execute(text(
        "SELECT count(*), min(occurred_at) FROM report WHERE ST_DWithin(geom::geography, "
        "ST_SetSRID(ST_MakePoint(15.1000, 59.0620), 4326)::geography, 60) "
        "AND category_id IN (SELECT id FROM category WHERE code = 'narkotika')")).one()
    assert park[0] >= 15


def test_demo_weekday_pattern_at_station(db_session):
    load_demo(db_session, today=TODAY)
    rows = dict(db_session.execute(text(
        "SELECT extract(isodow FROM occurred_at AT TIME ZONE 'Europe/Stockholm')::int, count(*) "
        "FROM report WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(15.1122, "
        "59.0651), 4326)::geography, 60) GROUP BY 1")).all())
    assert rows[6] > 1.8 * rows[2]  # Saturdays busier than Tuesdays at the station
