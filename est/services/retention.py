"""Retention: erase reporters' contact details and free text after a set period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError
from est.models import Photo, Report

# Replaces a report's description once the retention period has passed.
REDACTED = "[Fritext borttagen efter lagringstiden]"


@dataclass(frozen=True)
class RetentionResult:
    """How many reports lost contact details, descriptions and internal notes."""

    cutoff: datetime
    contacts_erased: int
    descriptions_redacted: int
    dry_run: bool
    notes_cleared: int = 0
    audit_notes_cleared: int = 0
    photos_erased: int = 0


# Reports past the cutoff that still hold something personal.
_DUE = """
    FROM report
    WHERE reported_at < :cutoff
      AND (contact IS NOT NULL
           OR (description IS NOT NULL AND description <> :redacted)
           OR internal_note IS NOT NULL)
"""
# Free-text notes moderators wrote in the audit trail of those reports (who did what is kept).
_AUDIT_NOTES = """
    FROM audit_event
    WHERE note IS NOT NULL AND action <> 'retention' AND at < :cutoff
      AND report_id IN (SELECT id FROM report WHERE reported_at < :cutoff)
"""


def purge(session: Session, *, days: int, now: datetime | None = None,
          dry_run: bool = False) -> RetentionResult:
    """Erase personal data of reports reported over ``days`` ago.

    Contact details and staff-only internal notes are erased, descriptions replaced by
    :data:`REDACTED`, and free-text notes in those reports' audit trails cleared (the events
    themselves stay). Each changed report gets an audit event (``retention``) saying what was
    removed, never the removed text itself. Photos of those reports are deleted (rows now,
    files once the transaction commits; :func:`est.photos.erase_photos`). With ``dry_run``
    nothing is written and the counts say what would change.
    """
    if days < 1:
        raise ValidationError("the retention period must be at least 1 day", field="days")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    params = {"cutoff": cutoff, "redacted": REDACTED}
    with transaction(session):
        counts = session.execute(text(
            "SELECT count(*) FILTER (WHERE contact IS NOT NULL), "
            "count(*) FILTER (WHERE description IS NOT NULL AND description <> :redacted), "
            "count(*) FILTER (WHERE internal_note IS NOT NULL) " + _DUE), params).one()
        audit_notes = int(session.scalar(text("SELECT count(*) " + _AUDIT_NOTES), params) or 0)
        old_photos = list(session.scalars(select(Photo).join(Report, Report.id == Photo.report_id)
                                          .where(Report.reported_at < cutoff)))
        if not dry_run and old_photos:
            from est.photos import erase_photos  # Pillow only where photos are handled

            session.add_all(_photo_events(old_photos))
            erase_photos(session, old_photos)
        if not dry_run and audit_notes:
            session.execute(text("UPDATE audit_event SET note = NULL WHERE id IN "
                                 "(SELECT id " + _AUDIT_NOTES + ")"), params)
        if not dry_run and any(counts):
            session.execute(text(
                "INSERT INTO audit_event (report_id, action, old, new, note) "
                "SELECT id, 'retention', jsonb_build_object("
                "  'contact', contact IS NOT NULL, "
                "  'description', description IS NOT NULL AND description <> :redacted, "
                "  'internal_note', internal_note IS NOT NULL), "
                "  jsonb_build_object('contact', null, 'description', 'redacted', "
                "                     'internal_note', null), "
                "  'Kontaktuppgift, intern anteckning och fritext borttagna efter "
                "lagringstiden' " + _DUE), params)
            session.execute(text(
                "UPDATE report SET contact = NULL, internal_note = NULL, "
                "description = CASE WHEN description IS NULL THEN NULL ELSE :redacted END "
                "WHERE id IN (SELECT id " + _DUE + ")"), params)
    return RetentionResult(cutoff=cutoff, contacts_erased=int(counts[0]),
                           descriptions_redacted=int(counts[1]), dry_run=dry_run,
                           notes_cleared=int(counts[2]), audit_notes_cleared=audit_notes,
                           photos_erased=len(old_photos))


def _photo_events(photos: list[Photo]) -> list:
    """One ``retention`` audit event per report whose photos are erased (how many, no more)."""
    from est.models import AuditEvent

    per_report: dict = {}
    for photo in photos:
        per_report[photo.report_id] = per_report.get(photo.report_id, 0) + 1
    return [AuditEvent(report_id=report_id, action="retention", old={"photos": n},
                       new={"photos": 0}, note="Foton raderade efter lagringstiden")
            for report_id, n in per_report.items()]
