"""The earliest-date rule on every time a user gives: reports, API, import, actions, promises."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from est import timebounds
from est.access import Actor
from est.config import ConfigError, load_settings
from est.errors import ValidationError
from est.lagesbild.builder import parse_period
from est.models import Promise, Report
from est.models.core import EARLIEST_DATE
from est.services import actions, api, apikeys, promises, reports
from est.services.imports import import_reports

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PUBLIC = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
          "when": "at", "time": "12:00"}


@pytest.fixture
def area(make_area):
    return make_area()


@pytest.fixture(autouse=True)
def _default_earliest():
    timebounds.use_earliest(None)
    yield
    timebounds.use_earliest(None)


def errors_of(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.errors


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Report))


def test_the_one_rule():
    assert timebounds.EARLIEST.isoformat() == EARLIEST_DATE  # the CHECK constraints' floor
    assert timebounds.bound_error(date(2000, 1, 1)) is None
    assert "före 2000-01-01" in timebounds.bound_error(date(1999, 12, 31))
    # Judged on the date as written: no conversion, so year 1 and 9999 cannot overflow.
    year_one = datetime(1, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert "före 2000-01-01" in timebounds.bound_error(year_one)
    late = datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert "efter 2100-12-31" in timebounds.bound_error(late)
    assert timebounds.bound_error(late, latest=None) is None
    errors = {"date": "first"}
    assert not timebounds.check_bounds(date(1, 1, 1), "date", errors)
    assert errors == {"date": "first"}  # an earlier message on the field is kept
    assert timebounds.check_bounds(None, "x", errors)


def test_earliest_date_is_configurable_but_never_before_2000(monkeypatch):
    assert load_settings({}).earliest_date == date(2000, 1, 1)
    assert load_settings({"EST_EARLIEST_DATE": "2015-01-01"}).earliest_date == date(2015, 1, 1)
    for bad in ("1999-12-31", "2015-13-01", "igår", "2101-01-01"):
        with pytest.raises(ConfigError, match="EST_EARLIEST_DATE"):
            load_settings({"EST_EARLIEST_DATE": bad})
    monkeypatch.setenv("EST_EARLIEST_DATE", "2010-06-01")
    assert "före 2010-06-01" in timebounds.bound_error(date(2010, 5, 31))
    timebounds.use_earliest(date(2020, 1, 1))  # the request's setting wins over the env
    assert "före 2020-01-01" in timebounds.bound_error(date(2019, 12, 31))


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "0999-06-15"])
def test_public_report_before_the_earliest_date_is_refused(db_session, area, day):
    before = count(db_session)
    errors = errors_of(lambda: reports.create_report(
        db_session, {**PUBLIC, "date": day}, municipality="1861", tz=TZ, now=NOW))
    assert "före 2000-01-01" in errors["date"]
    assert count(db_session) == before


def test_public_report_on_the_earliest_date_is_stored(db_session, area):
    report = reports.create_report(db_session, {**PUBLIC, "date": "2000-01-01"},
                                   municipality="1861", tz=TZ, now=NOW)
    assert report.occurred_at == datetime(2000, 1, 1, 12, 0, tzinfo=TZ)


def test_staff_window_before_the_earliest_date_is_refused(db_session, area, make_actor):
    user = make_actor("coordinator", area=area)
    data = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
            "organisation": str(user.organisation_id)}
    errors = errors_of(lambda: reports.validate_report(
        db_session, {**data, "occurred_from": "0001-01-01T00:00"}, municipality="1861",
        tz=TZ, user=user, now=NOW))
    assert "före" in errors["occurred_from"]
    errors = errors_of(lambda: reports.validate_report(
        db_session, {**data, "occurred_from": "2026-01-01T10:00",
                     "occurred_until": "1999-01-01T10:00"},
        municipality="1861", tz=TZ, user=user, now=NOW))
    assert "före" in errors["occurred_until"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                                   "1999-12-31T23:00:00", "9999-12-31T23:59:59-12:00"])
def test_api_occurred_at_out_of_bounds_names_the_field(db_session, area, make_organisation,
                                                       value):
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    token = apikeys.create_key(db_session, organisation="Hallbo AB", label="x")[1]
    client = apikeys.authenticate(db_session, token)
    before = count(db_session)
    errors = errors_of(lambda: api.submit_report(
        db_session, client, category="klotter", lon="15.1122", lat="59.0651",
        occurred_at=value, municipality="1861", tz=TZ, now=NOW))
    assert "Datumet kan inte vara" in errors["occurred_at"]
    assert count(db_session) == before


def test_import_rows_before_the_earliest_date_are_refused(db_session, area, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("lon,lat,date,category\n15.11,59.06,2025-03-07,klotter\n"
                    "15.11,59.06,0001-01-01,klotter\n15.11,59.06,1999-12-31T23:00+01:00,"
                    "klotter\n15.11,59.06,0001-01-01T00:00+05:00,klotter\n", encoding="utf-8")
    before = count(db_session)
    errors = errors_of(lambda: import_reports(db_session, path, area_code="1861", now=NOW))
    message = errors["file"]
    assert "line 3" in message and "before 2000-01-01" in message
    assert "line 4" in message and "line 5" in message  # year 1 at +05:00: unreadable
    assert count(db_session) == before


def test_action_dates_are_bounded(db_session, area, make_organisation, make_actor, category):
    org = make_organisation(area=area)
    coordinator = make_actor("coordinator", org=org)
    data = {"category_id": category("klotter").id, "title": "Sanering",
            "organisation_id": org.id, "status": "planned"}
    errors = errors_of(lambda: actions.create_action(
        db_session, coordinator, area_id=area.id,
        data={**data, "starts_on": "0001-01-01", "due_on": "2101-01-01"}))
    assert "före 2000-01-01" in errors["starts_on"]
    assert "efter 2100-12-31" in errors["due_on"]
    action = actions.create_action(db_session, coordinator, area_id=area.id,
                                   data={**data, "starts_on": "2026-03-02"})
    errors = errors_of(lambda: actions.update_action(
        db_session, coordinator, action.id, {"starts_on": date(1999, 1, 1)}))
    assert "före" in errors["starts_on"]


def test_promise_period_is_bounded(db_session, area):
    promise = Promise(area_id=area.id, title="Löfte", period_start=date(2026, 1, 1),
                      period_end=date(2026, 12, 31))
    db_session.add(promise)
    db_session.flush()
    admin = Actor(1, "a@example.se", "A", "admin", None, None)
    data = {**promises.form_data(promise), "period_start": "0001-01-01",
            "period_end": "2999-12-31"}
    errors = errors_of(lambda: promises.update_promise(db_session, admin, promise.id, data))
    assert "före" in errors["period_start"] and "efter" in errors["period_end"]


def test_query_periods_are_bounded():
    errors = errors_of(lambda: parse_period("0001-01-01", "2026-01-01"))
    assert "före 2000-01-01" in errors["from"]
    errors = errors_of(lambda: parse_period("2026-01-01", "9999-01-01"))
    assert "efter" in errors["to"]


def test_database_refuses_a_bc_time_even_past_the_services(db_session, area, category):
    with pytest.raises(IntegrityError, match="occurred_at_min"), db_session.begin_nested():
        db_session.execute(text(
            "INSERT INTO report (id, kind, category_id, geom, occurred_at, status, source) "
            "VALUES (gen_random_uuid(), 'incident', :cat, "
            "ST_SetSRID(ST_MakePoint(15.11, 59.06), 4326), '0001-01-01 BC', 'pending', "
            "'public')"), {"cat": category("klotter").id})
