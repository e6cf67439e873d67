"""The action overview (``/atgarder``): every action of a municipality across weeks, filtered
by status, responsible organisation and overdue, and its spreadsheet rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from est.errors import ValidationError
from est.models import Action, Organisation, Review
from est.models.review import ACTION_STATUSES
from est.services.actions import STATUS_LABELS
from est.weeks import Week

OPEN = ("planned", "in_progress")
COLUMNS = ["Nr", "Åtgärd", "Plats", "Kategori", "Ansvarig", "Kontaktperson", "Start",
           "Klar senast", "Status", "Försenad", "Beslutad vecka", "Utfall"]


@dataclass(frozen=True)
class ActionFilters:
    """Filters of the action overview; ``status`` may also be ``open``."""

    status: str | None = None
    organisation_id: int | None = None
    overdue: bool = False

    @classmethod
    def parse(cls, args) -> ActionFilters:
        """Read the filters from query arguments; ValidationError names a bad field."""
        status = (args.get("status") or "").strip() or None
        if status not in (None, "open", *ACTION_STATUSES):
            raise ValidationError("unknown status", field="status")
        org = (args.get("organisation") or "").strip()
        if org and (not org.isdigit() or len(org) > 9):
            raise ValidationError("unknown organisation", field="organisation")
        overdue = (args.get("overdue") or "").strip()
        if overdue not in ("", "0", "1"):
            raise ValidationError("overdue must be 1 or empty", field="overdue")
        return cls(status, int(org) if org else None, overdue == "1")

    def as_query(self) -> dict[str, str]:
        """Return the filters as URL query parameters."""
        q = {"status": self.status or "", "organisation": str(self.organisation_id or ""),
             "overdue": "1" if self.overdue else ""}
        return {k: v for k, v in q.items() if v}


def list_overview(session: Session, area_id: int, filters: ActionFilters, *,
                  today: date) -> list[Action]:
    """Return the area's actions matching ``filters``: open and overdue first, then newest."""
    stmt = (select(Action).where(Action.area_id == area_id)
            .options(selectinload(Action.organisation), selectinload(Action.category)))
    if filters.status == "open" or filters.overdue:
        stmt = stmt.where(Action.status.in_(OPEN))
    elif filters.status:
        stmt = stmt.where(Action.status == filters.status)
    if filters.organisation_id is not None:
        stmt = stmt.where(Action.organisation_id == filters.organisation_id)
    if filters.overdue:
        stmt = stmt.where(Action.due_on < today)
    rows = list(session.scalars(stmt))
    return sorted(rows, key=lambda a: (not is_overdue(a, today), a.status not in OPEN,
                                       a.due_on or date.max, -a.id))


def is_overdue(action: Action, today: date) -> bool:
    """Return True for an open action past its due date."""
    return action.status in OPEN and action.due_on is not None and action.due_on < today


def decided_weeks(session: Session, actions: list[Action], tz: str) -> dict[int, Week]:
    """Return the week each action was decided from (its meeting record), by action id."""
    ids = {a.review_id for a in actions if a.review_id}
    if not ids:
        return {}
    reviews = {r.id: Week(r.iso_year, r.iso_week, tz)
               for r in session.scalars(select(Review).where(Review.id.in_(ids)))}
    return {a.id: reviews[a.review_id] for a in actions if a.review_id in reviews}


def export_rows(session: Session, actions: list[Action], *, today: date,
                tz: str) -> list[list[object]]:
    """Return one spreadsheet row per action under :data:`COLUMNS` (dates as ISO text)."""
    weeks = decided_weeks(session, actions, tz)
    return [[a.id, a.title, a.place_name or "", a.category.label_sv if a.category else "",
             a.organisation.name, a.contact_person or "", a.starts_on.isoformat(),
             a.due_on.isoformat() if a.due_on else "", STATUS_LABELS[a.status],
             "ja" if is_overdue(a, today) else "nej",
             weeks[a.id].slug if a.id in weeks else "", a.outcome_note or ""]
            for a in actions]


def owners(session: Session, area_id: int) -> list[Organisation]:
    """Return the organisations responsible for some action of the area, by name."""
    return list(session.scalars(
        select(Organisation).where(Organisation.id.in_(
            select(Action.organisation_id).where(Action.area_id == area_id)))
        .order_by(Organisation.name)))
