"""Retention: erase reporters' contact details and redact free text after a set period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from est.db import transaction
from est.errors import ValidationError

# Replaces a report's description once the retention period has passed.
REDACTED = "[Fritext borttagen efter lagringstiden]"


@dataclass(frozen=True)
class RetentionResult:
    """How many reports had contact details erased and descriptions redacted."""

    cutoff: datetime
    contacts_erased: int
    descriptions_redacted: int
    dry_run: bool


def purge(session: Session, *, days: int, now: datetime | None = None,
          dry_run: bool = False) -> RetentionResult:
    """Erase contact details and redact descriptions of reports reported over ``days`` ago.

    Each changed report gets an audit event (``retention``) saying what was removed, never
    the removed text itself. Staff-only internal notes are kept. With ``dry_run`` nothing is
    written and the counts say what would change.
    """
    if days < 1:
        raise ValidationError("the retention period must be at least 1 day", field="days")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    params = {"cutoff": cutoff, "redacted": REDACTED}
    due = """
        FROM report
        WHERE reported_at < :cutoff
          AND (contact IS NOT NULL
               OR (description IS NOT NULL AND description <> :redacted))
    """
    with transaction(session):
        counts = session.execute(text(
            "SELECT count(*) FILTER (WHERE contact IS NOT NULL), "
            "count(*) FILTER (WHERE description IS NOT NULL AND description <> :redacted) "
            + due), params).one()
        if not dry_run and (counts[0] or counts[1]):
            session.execute(text(
                "INSERT INTO audit_event (report_id, action, old, new, note) "
                "SELECT id, 'retention', jsonb_build_object("
                "  'contact', contact IS NOT NULL, "
                "  'description', description IS NOT NULL AND description <> :redacted), "
                "  jsonb_build_object('contact', null, 'description', 'redacted'), "
                "  'Kontaktuppgift raderad och fritext borttagen efter lagringstiden' " + due),
                params)
            session.execute(text(
                "UPDATE report SET contact = NULL, "
                "description = CASE WHEN description IS NULL THEN NULL ELSE :redacted END "
                "WHERE id IN (SELECT id " + due + ")"), params)
    return RetentionResult(cutoff=cutoff, contacts_erased=int(counts[0]),
                           descriptions_redacted=int(counts[1]), dry_run=dry_run)
