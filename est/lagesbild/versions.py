"""Saved lägesbild versions: frozen figures and fingerprint, comparison, decision record.

"Spara version" builds the lägesbild once per audience (internal, partner, public), each in
the law's structure with the group's texts and the sources, and freezes them as JSON in
``lagesbild_version`` with number n (1, 2, … per area). A version page renders from that JSON
only, so it reads the same after the data change. The fingerprint is the lägesbild cache's
data fingerprint plus one over the other inputs (walks, dialogues, surveys, statistics):
rebuilding from the same data gives the same fingerprint.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, defer

from est import access
from est.audience import AUDIENCES
from est.db import transaction
from est.errors import NotFound, PermissionDenied, ValidationError
from est.lagesbild.cache import LagesbildCache, data_fingerprint, from_json, to_json
from est.lagesbild.document import build_document
from est.lagesbild.group import MANAGE, TEXTS, group_input
from est.lagesbild.model import Lagesbild
from est.models import Area
from est.models.plans import LagesbildVersion
from est.timebounds import check_bounds

SCHEMA = 1
DECIDERS = ("Kommunstyrelsen", "Kommunfullmäktige", "BRÅ-rådet", "EST-gruppen",
            "Lokalpolisområdet")
DECIDED_BY_MAX = 200
NOTE_MAX = 4000
# Inputs beyond the lägesbild cache's tables: (table, condition); ``:areas`` as there.
_INPUTS = [
    ("walk t", "t.area_id = ANY(:areas)"),
    ("walk_observation t JOIN walk w ON w.id = t.walk_id", "w.area_id = ANY(:areas)"),
    ("walk_proposal t JOIN walk_observation o ON o.id = t.observation_id "
     "JOIN walk w ON w.id = o.walk_id", "w.area_id = ANY(:areas)"),
    ("digital_walk t", "t.area_id = ANY(:areas)"),
    ("dialogue t", "t.area_id = ANY(:areas)"),
    ("dialogue_theme t JOIN dialogue d ON d.id = t.dialogue_id", "d.area_id = ANY(:areas)"),
    ("survey t", "TRUE"),
    ("survey_result t", "TRUE"),
    ("police_event t", "TRUE"),
    ("crime_statistic t", "TRUE"),
    ("kpi_value t", "TRUE"),
    ("population t", "TRUE"),
]


def municipality_id(area: Area) -> int:
    """Return the id of the area's municipality (itself or a district's parent)."""
    return area.id if area.kind == "municipality" or area.parent_id is None else area.parent_id


def fingerprint(session: Session, area: Area) -> str:
    """Return the fingerprint of every row a lägesbild version of ``area`` is built from."""
    muni = municipality_id(area)
    areas = [muni, *session.scalars(text("SELECT id FROM area WHERE parent_id = :a"),
                                    {"a": muni})]
    parts = [f"(SELECT count(*) || ':' || coalesce(sum(hashtextextended("
             f"t.xmin::text || t.ctid::text, 0)), 0) FROM {source} WHERE {cond})"
             for source, cond in _INPUTS]
    row = session.execute(text("SELECT " + " || '|' || ".join(parts)), {"areas": areas}).one()
    blob = f"{data_fingerprint(session, muni)}|{row[0]}"
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


def build_all(session: Session, cache: LagesbildCache | None, **kw) -> dict[str, Lagesbild]:
    """Return the lägesbild of ``kw`` for every audience from one set of group inputs."""
    area_code = kw["area_code"]
    first = build_document(session, cache, **{**kw, "audience": "internal"})
    area = _area(session, area_code)
    group = group_input(session, area, first.start, first.end)
    out = {"internal": first}
    for audience in AUDIENCES:
        if audience != "internal":
            out[audience] = build_document(session, cache, group=group,
                                           **{**kw, "audience": audience})
    return out


def _area(session: Session, code: str) -> Area:
    from est.lagesbild.context import resolve_area

    return resolve_area(session, code)


def save_version(session: Session, actor, cache: LagesbildCache | None, **kw
                 ) -> LagesbildVersion:
    """Build and freeze the lägesbild of ``kw`` as the area's next version (one transaction).

    ``kw`` are the arguments of :func:`est.lagesbild.build_lagesbild` without ``audience``.
    """
    access.require(actor, MANAGE)
    area = _area(session, kw["area_code"])
    _require_area(actor, area)
    built = build_all(session, cache, **kw)
    internal = built["internal"]
    group = group_input(session, area, internal.start, internal.end)
    sources = next((s for s in internal.sections if s.key == "declared_sources"), None)
    print_ = fingerprint(session, area)
    area_id = area.id
    with transaction(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('lagesbild_version'), "
                             ":a)"), {"a": area_id})
        number = (session.scalar(select(func.max(LagesbildVersion.number))
                                 .where(LagesbildVersion.area_id == area_id)) or 0) + 1
        version = LagesbildVersion(
            area_id=area_id, number=number, title=internal.title,
            period_start=internal.start, period_end=internal.end, fingerprint=print_,
            figures={"schema": SCHEMA,
                     "audiences": {a: to_json(lb) for a, lb in built.items()}},
            texts=dict(group.texts) | {"planned_changes": group.planned_changes},
            sources=[dict(zip(t.columns, _plain_row(r), strict=True))
                     for t in (sources.tables if sources else []) for r in t.rows],
            created_by=getattr(actor, "id", None))
        session.add(version)
    return version


def _plain_row(row: list) -> list:
    return [v if isinstance(v, int | float | str) or v is None else str(v) for v in row]


def _require_area(actor, area: Area) -> None:
    if not access.in_municipality(actor, municipality_id(area)):
        raise PermissionDenied("Området hör inte till din kommun.")


def list_versions(session: Session, area: Area) -> list[LagesbildVersion]:
    """Return the versions of ``area``, newest first."""
    return list(session.scalars(select(LagesbildVersion)
                                .options(defer(LagesbildVersion.figures))
                                .where(LagesbildVersion.area_id == area.id)
                                .order_by(LagesbildVersion.number.desc())))


def get_version(session: Session, area: Area, number: int) -> LagesbildVersion:
    """Return version ``number`` of ``area``; NotFound if there is none."""
    version = session.scalar(select(LagesbildVersion).options(defer(LagesbildVersion.figures))
                             .where(LagesbildVersion.area_id == area.id,
                                    LagesbildVersion.number == number))
    if version is None:
        raise NotFound(f"Lägesbilden har ingen version {number}.")
    return version


def frozen(version: LagesbildVersion, audience: str, session: Session | None = None
           ) -> Lagesbild:
    """Return the lägesbild of ``version`` for ``audience`` exactly as it was saved.

    With ``session`` only that audience's JSON is read from the database (a third of it).
    """
    if session is not None:
        data = session.scalar(select(LagesbildVersion.figures["audiences"][audience])
                              .where(LagesbildVersion.id == version.id))
    else:
        data = (version.figures or {}).get("audiences", {}).get(audience)
    if data is None:
        raise NotFound(f"Versionen saknas för mottagaren {audience!r}.")
    return from_json(data)


def latest_decided(session: Session, area: Area) -> LagesbildVersion | None:
    """Return the newest decided version of ``area`` (by decision date, then number)."""
    return session.scalar(select(LagesbildVersion).options(defer(LagesbildVersion.figures))
        .where(LagesbildVersion.area_id == area.id, LagesbildVersion.status == "decided")
        .order_by(LagesbildVersion.decided_on.desc(), LagesbildVersion.number.desc())
        .limit(1))


def decide(session: Session, actor, version: LagesbildVersion, *, decided_by: str,
           decided_on: str | date, note: str = "", today: date | None = None
           ) -> LagesbildVersion:
    """Record who decided ``version`` and when (400 naming the field; nothing half-written)."""
    access.require(actor, MANAGE)
    area = session.get(Area, version.area_id)
    assert area is not None
    _require_area(actor, area)
    errors: dict[str, str] = {}
    who = (decided_by or "").strip()
    if not who:
        errors["decided_by"] = "Ange vem som fattade beslutet (t.ex. Kommunstyrelsen)."
    elif len(who) > DECIDED_BY_MAX or "\x00" in who:
        errors["decided_by"] = f"Högst {DECIDED_BY_MAX} tecken, inga NUL-tecken."
    day: date | None = None
    if isinstance(decided_on, date):
        day = decided_on
    else:
        try:
            day = date.fromisoformat((decided_on or "").strip())
        except ValueError:
            errors["decided_on"] = f"Ogiltigt datum {decided_on!r}: skriv ÅÅÅÅ-MM-DD."
    if day is not None:
        check_bounds(day, "decided_on", errors)
        if today is not None and day > today and "decided_on" not in errors:
            errors["decided_on"] = "Beslutsdatum kan inte ligga i framtiden."
        if day < version.period_start and "decided_on" not in errors:
            errors["decided_on"] = "Beslutsdatum kan inte ligga före lägesbildens period."
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX or "\x00" in note:
        errors["decision_note"] = f"Högst {NOTE_MAX} tecken, inga NUL-tecken."
    if errors:
        raise ValidationError(errors)
    with transaction(session):
        version.status = "decided"
        version.decided_by = who
        version.decided_on = day
        version.decision_note = note or None
    return version


# -- comparison with the previous version ------------------------------------------------------

@dataclass
class Delta:
    """One figure in two versions."""

    table: str
    row: str
    column: str
    before: int | float | str | None
    after: int | float | str | None
    change: int | float | None


@dataclass
class TextChange:
    """One of the group's texts in two versions, as diff lines ("+ …", "- …", "  …")."""

    key: str
    label: str
    lines: list[str]


COMPARED_TABLES = ("compare", "key_figures", "quality", "declared_sources")


def compare(previous: LagesbildVersion, current: LagesbildVersion) -> tuple[list[Delta],
                                                                         list[TextChange]]:
    """Return the figure deltas and the text changes from ``previous`` to ``current``.

    Figures are read from the frozen internal lägesbilder: each row of the compared tables
    matched by its first cell and each column by its name.
    """
    before, after = frozen(previous, "internal"), frozen(current, "internal")
    deltas: list[Delta] = []
    for key in COMPARED_TABLES:
        old_t = next((t for s in before.sections for t in s.tables if t.key == key), None)
        new_t = next((t for s in after.sections for t in s.tables if t.key == key), None)
        if old_t is None or new_t is None:
            continue
        old_rows = {str(r[0]): r for r in old_t.rows}
        for row in new_t.rows:
            old = old_rows.get(str(row[0]))
            for j, col in enumerate(new_t.columns[1:], start=1):
                if col not in old_t.columns:
                    continue
                a = old[old_t.columns.index(col)] if old is not None else None
                b = row[j]
                if _num(a) is None and _num(b) is None:
                    if a != b and isinstance(b, str) and isinstance(a, str | None):
                        deltas.append(Delta(new_t.title, str(row[0]), col, a, b, None))
                    continue
                if a == b:
                    continue
                na, nb = _num(a), _num(b)
                change = nb - na if na is not None and nb is not None else None
                deltas.append(Delta(new_t.title, str(row[0]), col, _shown(a), _shown(b), change))
    texts: list[TextChange] = []
    labels = {k: label for k, (label, _limit) in TEXTS.items()}
    labels["planned_changes"] = "Planerade förändringar"
    for key, label in labels.items():
        was, now = _text_lines(previous.texts.get(key)), _text_lines(current.texts.get(key))
        if was != now:
            texts.append(TextChange(key, label, [ln for ln in difflib.ndiff(was, now)
                                                 if not ln.startswith("?")]))
    return deltas, texts


def _num(v) -> int | float | None:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def _shown(v):
    return v if isinstance(v, int | float | str) or v is None else str(v)


def _text_lines(value) -> list[str]:
    if isinstance(value, list):
        return [" · ".join(str(c.get(k) or "") for k in ("kind", "text", "place", "when"))
                for c in value]
    return [ln for ln in str(value or "").splitlines() if ln.strip()]


def previous_of(session: Session, version: LagesbildVersion) -> LagesbildVersion | None:
    """Return the version saved before ``version`` (None for the first)."""
    return session.scalar(select(LagesbildVersion).options(defer(LagesbildVersion.figures))
        .where(LagesbildVersion.area_id == version.area_id,
               LagesbildVersion.number < version.number)
        .order_by(LagesbildVersion.number.desc()).limit(1))
