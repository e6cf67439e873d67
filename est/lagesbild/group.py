"""The EST group's own part of the lägesbild: its texts and the planned changes (drafts).

The texts (consequences, costs, patterns, suspected causes, conclusions, what missing sources
mean) and the list of planned changes are edited on the lägesbild page and saved per area and
period (``lagesbild_draft``) until the group saves a version. Every field is bounded; a bad
field is a :class:`ValidationError` naming it and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import PermissionDenied, ValidationError
from est.models import Area
from est.models.lagesbild_drafts import LagesbildDraft

# key -> (label, maximum length). The order is the document's.
TEXTS: dict[str, tuple[str, int]] = {
    "consequences": ("Konsekvenser: vilka drabbas och hur (otrygghet, verksamheter, boende)",
                     8000),
    "costs": ("Kostnader (där de är kända, t.ex. sanering, skadegörelse, bevakning)", 4000),
    "patterns": ("Mönster i kartläggningen", 8000),
    "causes": ("Misstänkta orsaker", 8000),
    "conclusions": ("Gruppens slutsatser", 8000),
    "source_gaps": ("Vad saknade källor betyder för slutsatserna", 4000),
}
CHANGE_KINDS = {"byggnation": "Byggnation eller ombyggnad", "verksamhet": "Ny verksamhet",
                "befolkning": "Befolkningsförändring", "ovrigt": "Annan förändring"}
CHANGE_FIELDS = {"text": 1000, "place": 200, "when": 100}
MAX_CHANGES = 50
MANAGE = "action.manage"  # the group's decisions: the ``actions`` permission


@dataclass
class GroupInput:
    """The group's texts (by key of :data:`TEXTS`) and planned changes."""

    texts: dict[str, str] = field(default_factory=dict)
    planned_changes: list[dict] = field(default_factory=list)


def _clean(value: object, name: str, limit: int, errors: dict[str, str]) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        errors[name] = "Tecknet NUL (\\x00) är inte tillåtet."
    elif len(text) > limit:
        errors[name] = f"Högst {limit} tecken (nu {len(text)})."
    return text


def check_group_input(texts: dict, changes: list[dict]) -> GroupInput:
    """Return the texts and planned changes checked and trimmed; 400 naming each bad field.

    Unknown text keys are refused; a planned change without text is dropped (an empty row
    of the form).
    """
    errors: dict[str, str] = {}
    unknown = sorted(set(texts) - set(TEXTS))
    for key in unknown:
        errors[f"text_{key}"] = "Okänt fält."
    clean = {key: _clean(texts.get(key), f"text_{key}", limit, errors)
             for key, (_label, limit) in TEXTS.items()}
    rows: list[dict] = []
    for i, change in enumerate(changes):
        row = {name: _clean(change.get(name), f"change_{name}_{i}", limit, errors)
               for name, limit in CHANGE_FIELDS.items()}
        kind = str(change.get("kind") or "ovrigt").strip()
        if kind not in CHANGE_KINDS:
            errors[f"change_kind_{i}"] = f"Okänd typ {kind!r}; välj {', '.join(CHANGE_KINDS)}."
        if row["text"]:
            rows.append({"kind": kind, **row})
    if len(rows) > MAX_CHANGES:
        errors["changes"] = f"Högst {MAX_CHANGES} planerade förändringar."
    if errors:
        raise ValidationError(errors)
    return GroupInput({k: v for k, v in clean.items() if v}, rows)


def get_draft(session: Session, area: Area, start: date, end: date) -> LagesbildDraft | None:
    """Return the draft of ``area`` for ``start`` … ``end`` (None when nothing is written)."""
    return session.scalar(select(LagesbildDraft).where(
        LagesbildDraft.area_id == area.id, LagesbildDraft.period_start == start,
        LagesbildDraft.period_end == end))


def group_input(session: Session, area: Area, start: date, end: date) -> GroupInput:
    """Return the group's texts and planned changes for the period (empty when none)."""
    draft = get_draft(session, area, start, end)
    if draft is None:
        return GroupInput()
    return GroupInput(dict(draft.texts or {}), list(draft.planned_changes or []))


def save_draft(session: Session, actor, area: Area, start: date, end: date, texts: dict,
               changes: list[dict]) -> GroupInput:
    """Check and store the group's texts and planned changes for the period (one transaction)."""
    access.require(actor, MANAGE)
    if not access.in_municipality(actor, area.parent_id or area.id):
        raise PermissionDenied("Området hör inte till din kommun.")
    checked = check_group_input(texts, changes)
    area_id = area.id
    with transaction(session):
        draft = session.scalar(select(LagesbildDraft).where(
            LagesbildDraft.area_id == area_id, LagesbildDraft.period_start == start,
            LagesbildDraft.period_end == end).with_for_update())
        if draft is None:
            draft = LagesbildDraft(area_id=area_id, period_start=start, period_end=end)
            session.add(draft)
        draft.texts = checked.texts
        draft.planned_changes = checked.planned_changes
        draft.updated_by = getattr(actor, "id", None)
    return checked
