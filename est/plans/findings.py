"""Lägesbild findings an åtgärdsplan cause can be linked to, and the sources actually held.

A finding is ``(kind, ref, label)``: a hot spot lineage (by its place name, any class — new,
consecutive and persistent hot spots alike), a category trend, a survey result, a walk
observation or a dialogue. The label is what people read ("Hot spot vid Stortorget (ny)"),
never "Hot spot 3".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import format as sv
from est.lagesbild.model import Lagesbild
from est.lagesbild.suppress import fmt
from est.models.hotspots import CLASS_LABELS
from est.models.inputs import Dialogue, Survey, SurveyResult, Walk, WalkObservation

LINK_LABELS = {"lineage": "Hot spot", "category_trend": "Kategori och trend",
               "survey_result": "Trygghetsundersökning", "walk_observation": "Trygghetsvandring",
               "dialogue": "Dialog", "statistic": "Statistik", "other": "Annat"}


@dataclass(frozen=True)
class Finding:
    """One finding of the lägesbild a cause may point at."""

    kind: str
    ref: str
    label: str
    keys: tuple[str, ...] = ()  # category codes / "hotspot" / "otrygghet" to pick activities

    @property
    def value(self) -> str:
        """Return the form value ``kind|ref|label``."""
        return f"{self.kind}|{self.ref}|{self.label}"


def lagesbild_findings(lb: Lagesbild) -> list[Finding]:
    """Return the findings of a built lägesbild: hot spots, growing and top categories."""
    k = lb.min_cell
    out: list[Finding] = []
    for h in lb.facts.hotspots:
        klass = CLASS_LABELS.get(h.get("class"), "").lower()
        out.append(Finding("lineage", h["lineage_id"],
                           f"Hot spot vid {h['name']}" + (f" ({klass})" if klass else ""),
                           ("hotspot",)))
    seen = set()
    for c in lb.facts.growing_categories:
        seen.add(c["code"])
        out.append(Finding("category_trend", c["code"],
                           f"{c['label']}: {fmt(c['previous'], k)} → {fmt(c['count'], k)} "
                           f"({sv.change(c['change_pct'])})",
                           (c["code"], c.get("kind", "incident"))))
    for c in lb.facts.top_categories:
        if c["code"] not in seen:
            out.append(Finding("category_trend", c["code"],
                               f"{c['label']}: {fmt(c['count'], k)} rapporter under perioden",
                               (c["code"],)))
    for p in lb.facts.otrygghet_places:
        out.append(Finding("other", "", f"Otrygg plats: {p['name']} ({p['reasons']})",
                           ("otrygghet",)))
    return out


def input_findings(session: Session, area_id: int, start: date, end: date,
                   tz: str = "Europe/Stockholm") -> list[Finding]:
    """Return survey results, walk observations and dialogues of the area in the period."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(start, time(0), zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), zone)
    out: list[Finding] = []
    results = session.execute(
        select(SurveyResult, Survey).join(Survey, SurveyResult.survey_id == Survey.id)
        .where(Survey.area_id == area_id, Survey.period_end >= start,
               Survey.period_start <= end).order_by(Survey.period_start, SurveyResult.id)
        .limit(40)).all()
    for r, s in results:
        out.append(Finding("survey_result", str(r.id),
                           f"{s.title}: {r.question} – {sv.number(r.value, 1)} "
                           f"({r.area_label})", ("otrygghet",)))
    obs = session.execute(
        select(WalkObservation, Walk).join(Walk, WalkObservation.walk_id == Walk.id)
        .where(Walk.area_id == area_id, Walk.starts_at >= lo, Walk.starts_at < hi,
               WalkObservation.note.is_not(None))
        .order_by(Walk.starts_at, WalkObservation.id).limit(40)).all()
    for o, w in obs:
        note = (o.note or "").strip().replace("\n", " ")
        out.append(Finding("walk_observation", str(o.id),
                           f"{w.title}: {note[:160]}", ("otrygghet",)))
    for d in session.scalars(select(Dialogue).where(
            Dialogue.area_id == area_id, Dialogue.held_on >= start, Dialogue.held_on <= end)
            .order_by(Dialogue.held_on).limit(40)):
        themes = ", ".join(t.free_theme for t in d.themes if t.free_theme)
        out.append(Finding("dialogue", str(d.id), f"{d.title} ({d.held_on:%Y-%m-%d})"
                           + (f": {themes}" if themes else ""), ("dialog",)))
    return out


@dataclass(frozen=True)
class HeldSource:
    """A source actually held in the period (for the promise's Lägesbild paragraph)."""

    key: str
    label_sv: str
    n: int | None
    detail_sv: str
    names: tuple[str, ...] = ()


INPUT_KEYS = ("trygghetsvandringar", "digital_vandring", "dialoger", "trygghetsmatning", "ntu",
              "kommun_enkat")


def held_sources(session: Session, area_id: int, start: date, end: date,
                 tz: str = "Europe/Stockholm") -> list[HeldSource]:
    """Return the walks, dialogues and surveys held in the period, with their names.

    Which sources were used, their n and detail come from the lägesbild's declared sources
    (:func:`est.inputs.sources.declared_sources`); the names of the walks, dialogues and
    surveys are read here.
    """
    from est.inputs.sources import declared_sources

    zone = ZoneInfo(tz)
    lo = datetime.combine(start, time(0), zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), zone)
    walks = tuple(f"{w.title} ({w.starts_at.astimezone(zone):%Y-%m-%d})" for w in session.scalars(
        select(Walk).where(Walk.area_id == area_id, Walk.starts_at >= lo, Walk.starts_at < hi,
                           Walk.status != "planned").order_by(Walk.starts_at).limit(8)))
    dialogues = tuple(f"{d.title} ({d.held_on:%Y-%m-%d})" for d in session.scalars(
        select(Dialogue).where(Dialogue.area_id == area_id, Dialogue.held_on >= start,
                               Dialogue.held_on <= end).order_by(Dialogue.held_on).limit(8)))
    surveys = {kind: tuple(s.title for s in session.scalars(
        select(Survey).where(Survey.kind == kind, Survey.period_end >= start,
                             Survey.period_start <= end).order_by(Survey.period_start)
        .limit(8))) for kind in ("polisens_trygghetsmatning", "ntu", "kommun")}
    names = {"trygghetsvandringar": walks, "dialoger": dialogues,
             "trygghetsmatning": surveys["polisens_trygghetsmatning"], "ntu": surveys["ntu"],
             "kommun_enkat": surveys["kommun"]}
    return [HeldSource(s.key, s.label_sv, s.n, s.detail_sv, names.get(s.key, ()))
            for s in declared_sources(session, area_id, start, end, tz)
            if s.used and s.key in INPUT_KEYS]


def plan_basis(session: Session, plan, today: date) -> tuple[date, date]:
    """Return the lägesbild period a plan answers: its saved version's, else the year before
    its start (at most up to yesterday)."""
    from est.models.plans import LagesbildVersion

    if plan.lagesbild_version_id:
        version = session.get(LagesbildVersion, plan.lagesbild_version_id)
        if version is not None:
            return version.period_start, version.period_end
    end = min(plan.period_start, today) - timedelta(days=1)
    return end - timedelta(days=364), end


def saved_lagesbild(session: Session, plan) -> Lagesbild | None:
    """Return the internal lägesbild of the plan's saved version exactly as it was saved (the
    figures frozen with the fingerprint), or None when the plan has no saved version."""
    from est.errors import NotFound
    from est.lagesbild.versions import frozen
    from est.models.plans import LagesbildVersion

    if not plan.lagesbild_version_id:
        return None
    version = session.get(LagesbildVersion, plan.lagesbild_version_id)
    if version is None:
        return None
    try:
        return frozen(version, "internal")
    except NotFound:
        return None
