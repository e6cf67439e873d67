"""What a resident may learn about their own report: its state by receipt reference.

Only the state, the rejection reason's code and the day it was received: never the place,
the text, the category or a time finer than the day (the reference is all the caller has).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from est import mail
from est.db import transaction
from est.models import Report
from est.services.reports import N_

_REFERENCE = re.compile(r"^(?:EST-?)?([0-9A-HJKMNP-TV-Z]{8})$")  # see new_receipt_ref
STATES = {
    "mottagen": N_("Mottagen"),
    "granskad": N_("Granskad"),
    "publicerad": N_("Publicerad"),
    "atgardad": N_("Åtgärdad"),
    "avvisad": N_("Avvisad"),
}
EXPLANATIONS = {
    "mottagen": N_("Rapporten har kommit in och väntar på att granskas av kommunens "
                   "trygghetssamordnare."),
    "granskad": N_("Rapporten är granskad och räknas med i lägesbilden."),
    "publicerad": N_("Rapporten är granskad och räknas med i lägesbilden och den öppna "
                     "kartan (sammanräknad med andra, aldrig den exakta platsen)."),
    "atgardad": N_("Rapporten är granskad och ärendet är åtgärdat."),
    "avvisad": N_("Rapporten räknas inte med i lägesbilden."),
}
_BY_STATUS = {"pending": "mottagen", "new": "granskad", "reviewed": "granskad",
              "published": "publicerad", "closed": "atgardad", "rejected": "avvisad"}


@dataclass(frozen=True)
class ReportStatus:
    """A report's state as its reporter may see it."""

    reference: str
    state: str            # a key of STATES
    reject_reason: str | None
    received_on: date     # local day; nothing finer


def parse_reference(text: str | None) -> str | None:
    """Return the receipt_ref of ``EST-XXXXXXXX`` (case and spaces forgiven), else None."""
    cleaned = (text or "").strip().upper().replace(" ", "")
    if len(cleaned) > 20:
        return None
    match = _REFERENCE.match(cleaned)
    return match.group(1) if match else None


def status_by_reference(session: Session, text: str | None, tz: ZoneInfo) -> ReportStatus | None:
    """Return the state of the report with this receipt reference, or None if there is none."""
    ref = parse_reference(text)
    if ref is None:
        return None
    row = session.execute(
        select(Report.status, Report.reject_reason, Report.reported_at)
        .where(Report.receipt_ref == ref)).one_or_none()
    if row is None:
        return None
    return ReportStatus(reference=f"EST-{ref}", state=_BY_STATUS.get(row[0], "mottagen"),
                        reject_reason=row[1] if row[0] == "rejected" else None,
                        received_on=row[2].astimezone(tz).date())


def mail_recipient(report: Report) -> str | None:
    """Return the address to write to about ``report``, or None (no e-mail, opted out)."""
    if report.source != "public" or report.mail_opt_out or not mail.is_email(report.contact):
        return None
    return report.contact


def key_used(session: Session, idempotency_key: str | None) -> bool:
    """Return True if a public report was already stored with this form's idempotency key."""
    if not idempotency_key or len(idempotency_key) > 100:
        return False
    return session.scalar(select(Report.id).where(
        Report.idempotency_key == "form:" + idempotency_key.strip())) is not None


def report_for_token(session: Session, secret: str, token: str) -> Report | None:
    """Return the report an unsubscribe token was made for (None if it is not valid)."""
    parts = mail.split_token(token)
    if parts is None:
        return None
    report = session.scalar(select(Report).where(Report.receipt_ref == parts[0]))
    if report is None or report.receipt_ref is None or not mail.token_matches(
            secret, report.id, report.receipt_ref, token):
        return None
    return report


def unsubscribe(session: Session, report_id: uuid.UUID) -> None:
    """Stop all further mail about one report."""
    with transaction(session):
        session.execute(update(Report).where(Report.id == report_id)
                        .values(mail_opt_out=True))
