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
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from est import access, mail
from est.db import transaction
from est.errors import ValidationError
from est.models import AuditEvent, Photo, Report
from est.services.reports import N_, create_report, validate_report

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
# A done action covers a report when the report lies in the action's place (hot spot outline),
# is of the action's category (if it has one) and was received before the action was done.
# Actions for a category only (no place) cover no single report.
_COVERING = """
    FROM action a JOIN report r ON ST_Covers(a.geom, r.geom)
    WHERE r.receipt_ref = :ref AND a.status = 'done' AND a.geom IS NOT NULL
      AND (a.category_id IS NULL OR a.category_id = r.category_id)
      AND r.reported_at <= a.updated_at
"""
MAILED = "resident_mailed"
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
    state = _BY_STATUS.get(row[0], "mottagen")
    if state in ("granskad", "publicerad") and session.scalar(
            sql("SELECT EXISTS (SELECT 1 " + _COVERING + ")"), {"ref": ref}):
        state = "atgardad"
    return ReportStatus(reference=f"EST-{ref}", state=state,
                        reject_reason=row[1] if row[0] == "rejected" else None,
                        received_on=row[2].astimezone(tz).date())


def mail_recipient(report: Report) -> str | None:
    """Return the address to write to about ``report``, or None (no e-mail, opted out)."""
    if report.source != "public" or report.mail_opt_out or not mail.is_email(report.contact):
        return None
    return report.contact


def key_used(session: Session, idempotency_key: str | None, *, staff: bool = False) -> bool:
    """Return True if a public (or ``staff``) report was already stored with this form's key."""
    if not idempotency_key or len(idempotency_key) > 100:
        return False
    prefix = "staff:" if staff else "form:"
    return session.scalar(select(Report.id).where(
        Report.idempotency_key == prefix + idempotency_key.strip())) is not None


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


# -- photos on reports ---------------------------------------------------------------------------

def create_with_photo(session: Session, data, photo: bytes | None, *,
                      municipality: str, tz: ZoneInfo, user=None,
                      repeat: bool = False) -> Report:
    """Store a report (public or staff) with an optional photo; nothing is kept on an error.

    The report's input is checked first (every error at once), then the photo is re-encoded
    without metadata (:mod:`est.photos`; an unreadable, unsupported or too large image is a
    ValidationError naming ``photo``), then the report is stored and the photo linked to it.
    A repeated form (``repeat``: its idempotency key was used) stores no second photo.
    """
    from est import photos  # Pillow only where photos are handled

    validate_report(session, data, municipality=municipality, tz=tz, user=user)
    stored = None
    if photo and not repeat:
        try:
            with transaction(session):
                stored = photos.store_photo(session, photo)
        except photos.PhotoError as exc:
            raise ValidationError(exc.message, field=exc.field) from None
    try:
        report = create_report(session, data, user=user, municipality=municipality, tz=tz)
    except Exception:
        if stored is not None:
            with transaction(session):
                photos.erase_photos(session, [stored])
        raise
    if stored is not None:
        with transaction(session):
            stored.report_id = report.id
    return report


def report_photos(session: Session, report_id: uuid.UUID) -> list[Photo]:
    """Return the photos of one report, oldest first (the caller checked access)."""
    return list(session.scalars(select(Photo).where(Photo.report_id == report_id)
                                .order_by(Photo.created_at, Photo.id)))


def photo_for(session: Session, user: access.ActorLike | None,
              photo_id: uuid.UUID) -> Photo | None:
    """Return a report's photo if ``user`` may see that report, else None (never say which)."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.report_id is None:
        return None
    if not access.can_see_report(session, user, photo.report_id):
        return None
    return photo


# -- "åtgärdad": reports covered by an action set done -------------------------------------------

def closed_recipients(session: Session, action_id: int) -> list[Report]:
    """Return the reports to mail "åtgärdad" about now that action ``action_id`` is done.

    Public reports with an e-mail address, not opted out, counted (new, reviewed, published),
    covered by the action (see ``_COVERING``) and not mailed about it before.
    """
    stmt = sql("""
        SELECT r.id FROM action a JOIN report r ON ST_Covers(a.geom, r.geom)
        WHERE a.id = :action_id AND a.status = 'done' AND a.geom IS NOT NULL
          AND (a.category_id IS NULL OR a.category_id = r.category_id)
          AND r.reported_at <= a.updated_at
          AND r.source = 'public' AND NOT r.mail_opt_out AND r.contact IS NOT NULL
          AND r.status IN ('new', 'reviewed', 'published')
          AND NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.report_id = r.id
                          AND e.action = :mailed AND e.new ->> 'event' = 'closed')
    """)
    ids = list(session.scalars(stmt, {"action_id": action_id, "mailed": MAILED}))
    if not ids:
        return []
    found = session.scalars(select(Report).where(Report.id.in_(ids))
                            .order_by(Report.reported_at))
    return [r for r in found if mail_recipient(r) is not None]


def mark_mailed(session: Session, report_ids: list[uuid.UUID], event: str,
                action_id: int | None = None) -> None:
    """Record in each report's audit trail that its reporter got the ``event`` mail."""
    if not report_ids:
        return
    with transaction(session):
        session.add_all(AuditEvent(report_id=rid, action=MAILED,
                                   new={"event": event, "action_id": action_id},
                                   note="E-post till rapportören: åtgärdad"
                                   if event == "closed" else None)
                        for rid in report_ids)


# -- public pages: medborgarlöften ---------------------------------------------------------------

PUBLISHED_PROMISES = ("adopted", "closed")


@dataclass(frozen=True)
class PublicPromise:
    """A published medborgarlöfte as anyone may read it: text, parties, follow-up, actions."""

    id: int
    title: str
    period_start: date
    period_end: date
    closed: bool
    parties: list[str]
    items: list[tuple[str, str]]            # (party or "", commitment text)
    followup_as_of: date | None
    results: list[dict]                     # IndicatorResult.as_dict of the latest snapshot
    actions: list[tuple[str, str, str]]     # (title, responsible organisation, status)


def published_promises(session: Session, area_id: int) -> list[PublicPromise]:
    """Return the adopted (and closed) promises of a municipality, newest period first.

    The follow-up is the latest snapshot the coordinators stored ("Spara uppföljning"): its
    counts were suppressed under the minimum when stored. Linked actions show title,
    responsible organisation and status only (never contact person or outcome notes).
    """
    from est.models.promises import Promise, PromiseFollowup
    from est.services.actions import STATUS_LABELS

    promises = session.scalars(
        select(Promise).where(Promise.area_id == area_id,
                              Promise.status.in_(PUBLISHED_PROMISES))
        .order_by(Promise.period_start.desc(), Promise.id.desc()))
    found = []
    for p in promises:
        latest = session.scalar(select(PromiseFollowup).where(PromiseFollowup.promise_id == p.id)
                                .order_by(PromiseFollowup.as_of.desc(),
                                          PromiseFollowup.id.desc()).limit(1))
        found.append(PublicPromise(
            id=p.id, title=p.title, period_start=p.period_start, period_end=p.period_end,
            closed=p.status == "closed", parties=[party.name for party in p.parties],
            items=[(i.party.name if i.party else "", i.text) for i in p.items],
            followup_as_of=latest.as_of if latest else None,
            results=list(latest.results) if latest else [],
            actions=[(a.title, a.organisation.name, STATUS_LABELS.get(a.status, a.status))
                     for a in p.actions]))
    return found
