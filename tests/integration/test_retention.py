"""Retention: contact details erased and free text redacted after the period."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from est.errors import ValidationError
from est.models import Report
from est.models.audit import AuditEvent
from est.services.retention import REDACTED, purge

NOW = datetime.now(UTC)  # the CLI purges relative to the real clock


@pytest.fixture
def reports(make_area, make_report):
    area = make_area()
    old = make_report(area=area, source="public", status="published", contact="anna@example.se",
                      description="Anna på Storgatan 3 såg det", internal_note="Polisen kontaktad",
                      reported_at=NOW - timedelta(days=200))
    old_no_contact = make_report(area=area, description="Klotter på väggen",
                                 reported_at=NOW - timedelta(days=181))
    recent = make_report(area=area, source="public", status="pending", contact="070-123 45 67",
                         description="Pågår nu", reported_at=NOW - timedelta(days=10))
    return old, old_no_contact, recent


def test_purge_erases_contacts_and_redacts_text_of_old_reports_only(db_session, reports):
    old, old_no_contact, recent = reports
    result = purge(db_session, days=180, now=NOW)
    assert (result.contacts_erased, result.descriptions_redacted) == (1, 2)
    for r in reports:
        db_session.refresh(r)
    assert old.contact is None and old.description == REDACTED
    assert old.internal_note is None  # staff-only notes are personal data too
    assert result.notes_cleared == 1
    assert old_no_contact.description == REDACTED
    assert recent.contact == "070-123 45 67" and recent.description == "Pågår nu"
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "retention")).all()
    assert {e.report_id for e in events} == {old.id, old_no_contact.id}
    assert all("anna" not in str(e.old).lower() for e in events)  # the erased text is not kept
    again = purge(db_session, days=180, now=NOW)
    assert (again.contacts_erased, again.descriptions_redacted) == (0, 0)


def test_purge_clears_internal_notes_and_audit_notes_but_keeps_the_events(db_session,
                                                                        reports):
    old, _old_no_contact, recent = reports
    recent.internal_note = "Ring Anna tillbaka"
    db_session.add_all([
        AuditEvent(report_id=old.id, action="status_changed", old={"status": "pending"},
                   new={"status": "published"}, note="Anna bor på Storgatan 3",
                   at=NOW - timedelta(days=199)),
        AuditEvent(report_id=recent.id, action="status_changed", note="Nyligen",
                   at=NOW - timedelta(days=9))])
    db_session.flush()
    dry = purge(db_session, days=180, now=NOW, dry_run=True)
    assert (dry.notes_cleared, dry.audit_notes_cleared) == (1, 1)
    result = purge(db_session, days=180, now=NOW)
    assert (result.notes_cleared, result.audit_notes_cleared) == (1, 1)
    db_session.refresh(recent)
    assert recent.internal_note == "Ring Anna tillbaka"  # inside the period: kept
    events = db_session.scalars(select(AuditEvent).where(
        AuditEvent.report_id == old.id).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["status_changed", "retention"]
    assert events[0].note is None and events[0].new == {"status": "published"}
    assert "Storgatan" not in str([(e.old, e.new, e.note) for e in events])
    assert events[1].old["internal_note"] is True
    assert db_session.scalar(select(AuditEvent.note).where(
        AuditEvent.report_id == recent.id, AuditEvent.action == "status_changed")) == "Nyligen"


def test_dry_run_writes_nothing(db_session, reports):
    result = purge(db_session, days=180, now=NOW, dry_run=True)
    assert (result.contacts_erased, result.descriptions_redacted) == (1, 2)
    assert db_session.scalar(select(func.count()).select_from(Report)
                             .where(Report.contact.is_not(None))) == 2
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_period_must_be_positive(db_session):
    with pytest.raises(ValidationError):
        purge(db_session, days=0)


def test_cli(runner, reports, db_session):
    res = runner.invoke(args=["reports", "purge", "--days", "100", "--dry-run"])
    assert res.exit_code == 0 and "Would erase contact details of 1" in res.output
    res = runner.invoke(args=["reports", "purge", "--days", "100"])
    assert res.exit_code == 0 and "Erased contact details of 1 and redacted the description of 2"\
        in res.output
    assert runner.invoke(args=["reports", "purge", "--days", "0"]).exit_code == 2


def test_cli_takes_the_administration_pages_retention(runner, reports, db_session):
    from est.models.operators import Setting

    db_session.add(Setting(key="retention_days", value={"value": 5}))
    db_session.flush()
    res = runner.invoke(args=["reports", "purge", "--dry-run"])
    assert res.exit_code == 0 and "(5 days)" in res.output
    # The recent report (10 days old) now falls past the period too.
    assert "Would erase contact details of 2" in res.output
