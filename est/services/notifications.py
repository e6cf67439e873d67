"""Staff notifications: reports waiting for moderation, actions due or overdue, the coming
meeting's agenda; on the staff start pages and in a daily e-mail, as each person chooses.

Who may get what follows :mod:`est.access`: ``moderation`` needs ``moderate``; ``actions_due``
and ``agenda`` need ``review`` or ``actions`` (a partner sees its own organisation's actions,
managers every action of the municipality). Without stored preferences everything allowed is
shown on the page and nothing is mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from est import access
from est.access import Actor
from est.db import transaction
from est.errors import ValidationError
from est.format import day, number
from est.models import Area, Report, User
from est.models.operators import NOTIFICATION_KINDS, NotificationPreference
from est.models.review import Action, Review

DUE_SOON_DAYS = 7
MAX_LINES = 10
KIND_LABELS = {
    "moderation": "Nya rapporter som väntar på granskning",
    "actions_due": "Åtgärder som ska vara klara snart eller är försenade",
    "agenda": "Dagordningen inför nästa EST-möte",
}


@dataclass(frozen=True)
class Notice:
    """One notification: a title, lines of text and a link (endpoint name and arguments)."""

    kind: str
    title: str
    lines: list[str] = field(default_factory=list)
    endpoint: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


def allowed_kinds(actor: Actor | None) -> list[str]:
    """Return the kinds of notification ``actor`` may get."""
    kinds = []
    if access.can(actor, "report.moderate"):  # type: ignore[arg-type]
        kinds.append("moderation")
    if access.can(actor, "action.view"):  # type: ignore[arg-type]
        kinds += ["actions_due", "agenda"]
    return kinds


def preferences(session: Session, actor: Actor) -> tuple[list[str], list[str]]:
    """Return (on the page, by e-mail) for ``actor``: stored choices within what is allowed."""
    allowed = allowed_kinds(actor)
    row = session.get(NotificationPreference, actor.id)
    if row is None:
        return allowed, []
    return ([k for k in allowed if k in row.on_page], [k for k in allowed if k in row.by_mail])


def set_preferences(session: Session, actor: Actor | None, on_page: list[str],
                    by_mail: list[str]) -> None:
    """Store which notifications ``actor`` wants where (unknown or not allowed: 400)."""
    if actor is None:
        raise ValidationError("Logga in först.", field="user")
    allowed = allowed_kinds(actor)
    for name, chosen in (("on_page", on_page), ("by_mail", by_mail)):
        if any(k not in NOTIFICATION_KINDS or k not in allowed for k in chosen):
            raise ValidationError("Välj bland aviseringarna i listan.", field=name)
    with transaction(session):
        row = session.get(NotificationPreference, actor.id)
        if row is None:
            row = NotificationPreference(user_id=actor.id)
            session.add(row)
        row.on_page = [k for k in NOTIFICATION_KINDS if k in on_page]
        row.by_mail = [k for k in NOTIFICATION_KINDS if k in by_mail]


def notices(session: Session, actor: Actor, kinds: list[str], *, today: date,
            tz: str = "Europe/Stockholm") -> list[Notice]:
    """Return the notices of ``kinds`` for ``actor`` that have something to say today."""
    found: list[Notice | None] = []
    allowed = allowed_kinds(actor)
    if "moderation" in kinds and "moderation" in allowed:
        found.append(_moderation(session, actor))
    if "actions_due" in kinds and "actions_due" in allowed:
        found.append(_actions_due(session, actor, today))
    if "agenda" in kinds and "agenda" in allowed:
        found.append(_agenda(session, actor, today, tz))
    return [n for n in found if n is not None]


def _in_area(column, actor: Actor):
    if actor.area_id is None:
        return True
    return or_(column == actor.area_id,
               column.in_(select(Area.id).where(Area.parent_id == actor.area_id)))


def _moderation(session: Session, actor: Actor) -> Notice | None:
    stmt = access.visible_reports(
        select(func.count(), func.min(Report.reported_at)).where(Report.status == "pending"),
        actor)  # type: ignore[arg-type]
    count, oldest = session.execute(stmt).one()
    if not count:
        return None
    noun = "rapport" if count == 1 else "rapporter"
    return Notice("moderation", f"{number(count)} {noun} väntar på granskning",
                  [f"Den äldsta kom in {day(oldest.date())}."], "moderation.queue")


def _open_actions(session: Session, actor: Actor):
    stmt = select(Action).where(Action.status.in_(("planned", "in_progress")),
                                _in_area(Action.area_id, actor))
    if not access.can(actor, "action.manage"):  # type: ignore[arg-type]
        stmt = stmt.where(Action.organisation_id == actor.organisation_id)
    return stmt


def _actions_due(session: Session, actor: Actor, today: date) -> Notice | None:
    stmt = (_open_actions(session, actor)
            .where(Action.due_on.is_not(None),
                   Action.due_on <= today + timedelta(days=DUE_SOON_DAYS))
            .order_by(Action.due_on, Action.id))
    due = list(session.scalars(stmt))
    if not due:
        return None
    late = sum(1 for a in due if a.due_on is not None and a.due_on < today)
    lines = [f"{a.title} – {a.organisation.name}: "
             + (f"försenad sedan {day(a.due_on)}" if a.due_on < today
                else f"klar senast {day(a.due_on)}")
             for a in due[:MAX_LINES] if a.due_on is not None]
    if len(due) > MAX_LINES:
        lines.append(f"… och {number(len(due) - MAX_LINES)} till.")
    soon = len(due) - late
    parts = ([f"{number(late)} {'försenad åtgärd' if late == 1 else 'försenade åtgärder'}"]
             if late else [])
    if soon:
        parts.append(f"{number(soon)} {'åtgärd' if soon == 1 else 'åtgärder'} som ska vara "
                     f"klar{'a' if soon > 1 else ''} inom {DUE_SOON_DAYS} dagar")
    title = " och ".join(parts)
    title = title[:1].upper() + title[1:]
    return Notice("actions_due", title, lines, "review.actions_overview")


def _agenda(session: Session, actor: Actor, today: date, tz: str) -> Notice | None:
    from est.review.meeting import meeting_meta
    from est.weeks import Week

    now = datetime.now(UTC)
    local = ZoneInfo(tz)
    coming = None
    stmt = select(Review).where(_in_area(Review.area_id, actor)).order_by(
        Review.iso_year.desc(), Review.iso_week.desc()).limit(8)
    for review in session.scalars(stmt):
        meeting = meeting_meta(review).next_meeting
        if meeting is None:
            continue
        aware = meeting if meeting.tzinfo else meeting.replace(tzinfo=local)  # as typed
        if aware >= now and (coming is None or aware < coming):
            coming = aware
    if coming is None:
        return None
    coming = coming.astimezone(local)
    week = Week.containing(coming.date(), tz).shift(-1)
    open_count = session.scalar(select(func.count()).select_from(
        _open_actions(session, actor).subquery())) or 0
    return Notice("agenda", f"Nästa EST-möte {day(coming.date())} kl. {coming:%H:%M}",
                  [f"Dagordningen gäller {week.label[:1].lower()}{week.label[1:]}.",
                   f"Öppna åtgärder att följa upp: {number(open_count)}."],
                  "review.agenda", {"slug": week.slug})


def mail_subscribers(session: Session) -> list[tuple[User, list[str]]]:
    """Return the active accounts that want e-mail, with the kinds they chose."""
    rows = session.execute(select(User, NotificationPreference.by_mail)
                           .join(NotificationPreference,
                                 NotificationPreference.user_id == User.id)
                           .where(User.active.is_(True))
                           .where(func.cardinality(NotificationPreference.by_mail) > 0)
                           .order_by(User.id))
    return [(user, list(kinds)) for user, kinds in rows]


def mark_mailed(session: Session, user_id: int, now: datetime | None = None) -> None:
    """Record when a person's daily notification mail went out."""
    with transaction(session):
        row = session.get(NotificationPreference, user_id)
        if row is not None:
            row.last_mailed_at = now or datetime.now(UTC)
