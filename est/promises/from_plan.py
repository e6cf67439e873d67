"""Promise drafts built from an åtgärdsplan and the lägesbild, in a real document's layout.

Every commitment comes from a plan row: the party (the row's organisation, else the activity's
first party), the activity (from the activity library, else the row's measure), the place
(the cause's hot spot or otrygg plats, by name) or theme, and the indicator that follows it
up (the row's operativt mål). The lägesbild paragraph gives the figures (a comparison without
data is said to be missing, never written as 0), the causes, and names the walks, dialogues
and surveys actually held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from est import format as sv
from est.lagesbild.model import Lagesbild, Section, Table, TableRow
from est.lagesbild.suppress import fmt
from est.models import Area, Category, Organisation
from est.models.plans import ActionPlan, ActivityPattern, PlanCause, PlanRow
from est.plans import indicators
from est.plans.findings import HeldSource, held_sources
from est.plans.library import PARTY_SV
from est.plans.service import cause_place
from est.promises.draft import PromiseDraft
from est.promises.layouts import DEFAULT_LAYOUT, LAYOUTS, Layout, SectionSpec

PARTNER_SV = {"kommun": "kommunen", "polis": "polisen", "bostadsbolag": "bostadsbolagen",
              "skola": "skolan", "socialtjanst": "socialtjänsten", "vaktare": "väktarbolagen",
              "fritid": "fritidsförvaltningen", "annan": "andra aktörer"}


@dataclass
class Commitment:
    """One commitment of a draft, with what makes it signable and followable."""

    party_kind: str
    party: str
    activity: str
    place: str | None
    theme: str
    indicator: str
    target: str | None
    text: str
    row_id: int
    cause_number: int


def place_of(cause: PlanCause) -> str | None:
    """Return the named place of a cause (its hot spot or otrygg plats), else None."""
    return cause_place(cause)


def _theme(session: Session, cause: PlanCause, pattern: ActivityPattern | None) -> str:
    if pattern is not None:
        return pattern.theme
    if cause.link_kind == "category_trend" and cause.link_ref:
        cat = session.scalar(select(Category).where(Category.code == cause.link_ref))
        if cat is not None:
            return cat.label_sv
    return (cause.link_label or cause.text).split(":")[0][:80]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " och " + words[-1]


def commitment_of(session: Session, layout: Layout, cause: PlanCause, row: PlanRow,
                  area_name: str) -> Commitment:
    """Return the commitment a plan row makes."""
    pattern = session.get(ActivityPattern, row.activity_pattern_id) \
        if row.activity_pattern_id else None
    org = session.get(Organisation, row.organisation_id) if row.organisation_id else None
    kinds = list(pattern.parties) if pattern and pattern.parties else []
    lead = org.kind if org else (kinds[0] if kinds else "kommun")
    partners = [k for k in kinds if k != lead]
    party = PARTY_SV.get(lead, lead)
    if org is None and sorted(kinds) == ["kommun", "polis"]:
        # A joint commitment ("Kommunen och polisen ska …", as in Hällefors and Kungsör).
        party = f"{party} och {PARTNER_SV[partners[0]]}"
        partners = []
    activity = (pattern.text if pattern else row.measure).strip().rstrip(".")
    if activity[:2].istitle():  # "Grannsamverkan …" reads "… lovar att grannsamverkan …"
        activity = activity[0].lower() + activity[1:]
    place = place_of(cause)
    theme = _theme(session, cause, pattern)
    sentence = f"{party} {layout.verb} {activity}"
    if place and place.lower() not in activity.lower():
        sentence += f" vid {place}"
    elif not place and area_name.lower() not in activity.lower():
        sentence += f" i {area_name}"
    if partners and "samverkan" not in activity:
        sentence += f", i samverkan med {_join([PARTNER_SV.get(k, k) for k in partners])}"
    text = sentence + "."
    if pattern and row.measure and row.measure.strip().rstrip(".").lower() != activity.lower():
        text += f" {row.measure.strip().rstrip('.')}."
    return Commitment(lead, party, activity, place, theme, row.indicator, row.target, text,
                      row.id, cause.number)


SEASONS = {12: "vintern", 1: "vintern", 2: "vintern", 3: "våren", 4: "våren", 5: "våren",
           6: "sommaren", 7: "sommaren", 8: "sommaren", 9: "hösten", 10: "hösten",
           11: "hösten"}


def season(day: date) -> str:
    """Return "hösten 2020" for a day in September–November 2020 (and so on)."""
    return f"{SEASONS[day.month]} {day.year}"


def _period_years(start: date, end: date) -> str:
    return f"{start:%Y}" if start.year == end.year else f"{start:%Y}-{end:%Y}"


def _lagesbild_paragraphs(lb: Lagesbild | None, plan: ActionPlan, sources: list[HeldSource],
                          basis: tuple[date, date]) -> list[str]:
    out: list[str] = []
    period = sv.period(*basis)
    if lb is not None:
        k, f = lb.min_cell, lb.facts
        comparisons = []
        missing = []
        for label, value in (("föregående period", f.previous_total),
                             ("samma period året innan", f.last_year_total)):
            if value is None or value == sv.MISSING:
                missing.append(label)
            else:
                comparisons.append(f"{label} {fmt(value, k)}")
        line = (f"Under {period} registrerades {fmt(f.total, k)} rapporter om händelser och "
                "otrygga platser i EST")
        line += f" ({', '.join(comparisons)})." if comparisons else "."
        if missing:
            line += (f" Uppgift för {' och '.join(missing)} saknas: det finns inga rapporter "
                     "att jämföra med.")
        out.append(line)
    causes = [c for c in plan.causes]
    if causes:
        out.append("Lägesbilden och analysen pekar ut: " + "; ".join(
            c.text.rstrip(".") + (f" ({c.link_label})" if c.link_label else "")
            for c in causes) + ".")
    if sources:
        parts = []
        for s in sources:
            if s.names:
                parts.append(f"{s.label_sv.lower()}: {'; '.join(s.names)}")
            else:
                parts.append(f"{s.label_sv.lower()} ({s.detail_sv})")
        out.append("Underlag utöver rapporterna i EST: " + "; ".join(parts) + ".")
    else:
        out.append("Inga trygghetsvandringar, dialoger eller trygghetsundersökningar är "
                   f"registrerade i EST för {period}; lägesbilden bygger på rapporterna.")
    return out


def _indicator_dicts(session: Session, plan: ActionPlan, commitments: list[Commitment],
                     rows: dict[int, tuple[PlanCause, PlanRow]]) -> list[dict]:
    out = []
    otrygghet = [c.code for c in session.scalars(select(Category).where(
        Category.kind == "otrygghet"))]
    for c in commitments:
        cause, row = rows[c.row_id]
        spec = indicators.parse_spec(row.indicator_kind, row.indicator_ref)
        if spec is None or spec.kind == "actions_done":
            continue
        entry: dict = {"kind": spec.kind, "label": row.indicator, "target": row.target}
        if spec.kind == "count_per_month":
            codes = [x for code in spec.codes for x in (otrygghet if code == "otrygghet"
                                                        else [code])]
            entry["categories"] = codes
        else:
            entry["days"] = spec.days
        if cause.link_kind == "lineage":
            poly = indicators.lineage_polygon(session, cause.link_ref, plan.area_id)
            if poly is not None:
                from geoalchemy2.shape import to_shape

                entry["geometry"] = mapping(to_shape(poly))
                entry["lineage_id"] = cause.link_ref
        out.append(entry)
    return out


def draft_from_plan(session: Session, plan: ActionPlan, *, layout: str = DEFAULT_LAYOUT,
                    lb: Lagesbild | None = None, period_start: date | None = None,
                    period_end: date | None = None, basis: tuple[date, date] | None = None,
                    min_cell: int = 5, tz: str = "Europe/Stockholm") -> PromiseDraft:
    """Draft a medborgarlöfte from ``plan`` (and the lägesbild ``lb``) in ``layout``."""
    lay = LAYOUTS[layout]
    area = session.get(Area, plan.area_id)
    assert area is not None
    start, end = period_start or plan.period_start, period_end or plan.period_end
    if basis is None:
        basis = (lb.start, lb.end) if lb else (start - timedelta(days=365),
                                              start - timedelta(days=1))
    kommun = f"{area.name}s kommun"
    polis = f"lokalpolisområde {area.name}"
    for kind in ("kommun", "polis"):
        org = session.scalar(select(Organisation).where(
            Organisation.kind == kind, Organisation.area_id == area.id).limit(1))
        if org is not None and kind == "kommun":
            kommun = org.name
    rows = {row.id: (cause, row) for cause in plan.causes for row in cause.rows}
    commitments = [commitment_of(session, lay, cause, row, area.name)
                   for cause, row in rows.values()]
    sources = held_sources(session, plan.area_id, *basis, tz=tz)
    values = {"kommun": kommun, "polis": polis, "start": f"{start:%Y-%m-%d}",
              "end": f"{end:%Y-%m-%d}", "basis_year": _period_years(*basis),
              "period_years": _period_years(start, end), "season": season(basis[1])}
    sections: list[Section] = []
    for spec in lay.sections:
        sections += _sections(spec, lay, values, commitments, plan, lb, sources, basis)
    indicator_dicts = _indicator_dicts(session, plan, commitments, rows)
    focus = [{"label": (c.link_label or c.text)[:300],
              "category": c.link_ref if c.link_kind == "category_trend" else None}
             for c in plan.causes]
    title = next((s.title for s in sections if s.key == "ingress"), None) or \
        f"Medborgarlöften {area.name} {values['period_years']}"
    return PromiseDraft(
        title=title, area_code=area.code, area_name=area.name, period_start=start,
        period_end=end, basis_start=basis[0], basis_end=basis[1], min_cell=min_cell,
        sections=sections, focus=focus, indicators=indicator_dicts,
        items=[(c.party_kind, c.text) for c in commitments], commitments=commitments)


def _sections(spec: SectionSpec, lay: Layout, values: dict, commitments: list[Commitment],
              plan: ActionPlan, lb: Lagesbild | None, sources: list[HeldSource],
              basis: tuple[date, date]) -> list[Section]:
    title = spec.title.format(theme="", **values).strip()
    texts = [t.format(**values) for t in spec.text]
    if spec.kind == "text":
        return [Section(spec.key, title, texts)]
    if spec.kind == "lagesbild":
        return [Section(spec.key, title,
                        texts + _lagesbild_paragraphs(lb, plan, sources, basis))]
    if spec.kind == "loften":
        bullets = [f"{i}. {c.text}" if lay.numbered else c.text
                   for i, c in enumerate(commitments, 1)]
        return [Section(spec.key, title, [] if bullets else ["Inga löften ännu."],
                        bullets=bullets)]
    if spec.kind == "problembild":
        paragraphs = [c.text for c in plan.causes]
        return [Section(spec.key, title, paragraphs or ["[…]"],
                        bullets=[c.text for c in commitments])]
    if spec.kind == "teman":
        out = []
        themes: dict[str, list[Commitment]] = {}
        for c in commitments:
            themes.setdefault(c.theme, []).append(c)
        causes = {c.number: c for c in plan.causes}
        for i, (theme, items) in enumerate(themes.items(), 1):
            cause_texts = list(dict.fromkeys(causes[c.cause_number].text for c in items))
            out.append(Section(f"tema_{i}", theme, cause_texts, bullets=[c.text for c in items]))
        return out
    if spec.kind == "effekter":
        rows: list[TableRow] = [[c.indicator, c.target or "–", c.text] for c in commitments]
        return [Section(spec.key, title, [*texts,
            f"Löftena för perioden {values['start']} – {values['end']} förväntas ge färre "
            "rapporter i de utvalda kategorierna och på de utvalda platserna och en ökad "
            "upplevd trygghet. Varje löfte följs upp med sin indikator."],
            [Table("indikatorer", "Indikatorer som följs upp", ["Indikator", "Mål", "Löfte"],
                   rows)] if rows else [])]
    if spec.kind == "ingress":
        return [Section(spec.key, title, [
            f"Polisen och kommunen har beslutat om medborgarlöften för {values['kommun']} "
            f"{values['period_years']}. Vi fokuserar på " + _join(
                list(dict.fromkeys(c.theme.lower() for c in commitments)) or ["[…]"]) + "."])]
    if spec.kind == "om":
        return [Section(spec.key, title, [
            "Medborgarlöftena grundar sig på samverkan och dialog mellan medborgare, polis och "
            "kommun, och på lägesbilden i EST. Syftet är att öka tryggheten och minska "
            "brottsligheten i kommunen.",
            *_lagesbild_paragraphs(lb, plan, sources, basis)[-1:]])]
    if spec.kind == "ska":
        return [Section(spec.key, title, [], bullets=[
            "förebygga brott och öka tryggheten",
            "öka medborgarnas och lokalsamhällets delaktighet i det brottsförebyggande och "
            "trygghetsskapande arbetet", "stärka förtroendet för polisen"])]
    if spec.kind == "giltighet":
        return [Section(spec.key, title, [
            f"Medborgarlöftet gäller under tiden {values['start']} – {values['end']}."])]
    if spec.kind == "underskrifter":
        return [Section(spec.key, title, [
            "Ort och datum: […]",
            "Lokalpolisområdeschef: […]    Kommunstyrelsens ordförande: […]",
            "Kommundirektör: […]"])]
    raise ValueError(f"unknown section kind {spec.kind!r}")
