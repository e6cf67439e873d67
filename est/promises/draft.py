"""Draft a medborgarlöfte from a lägesbild, structured like the real ones.

Inledning, Syfte, Lägesbild <period>, Medborgarlöften under perioden … (``Polisen lovar …`` /
``Kommunen lovar …`` placeholders for the EST group to edit), Effekter, Uppföljning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from est import format as sv
from est.lagesbild.model import Lagesbild, Section, Table
from est.lagesbild.suppress import fmt, number
from est.models.hotspots import CLASS_LABELS

PLACEHOLDER = "[…]"


@dataclass
class PromiseDraft:
    """A proposed promise document plus the focus and indicators it suggests."""

    title: str
    area_code: str
    area_name: str
    period_start: date
    period_end: date
    basis_start: date
    basis_end: date
    min_cell: int
    sections: list[Section]
    focus: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)  # (party kind, text)
    # From an åtgärdsplan (est.promises.from_plan.Commitment): party, activity, place, theme …
    commitments: list = field(default_factory=list)

    @property
    def subtitle(self) -> str:
        """Return the line under the title."""
        return ("Utkast framtaget ur lägesbilden "
                f"{self.basis_start:%Y-%m-%d} – {self.basis_end:%Y-%m-%d}. Text inom "
                f"{PLACEHOLDER} fylls i av EST-gruppen.")


def draft_promise(lb: Lagesbild, *, period_start: date, period_end: date,
                  police: str | None = None, municipality: str | None = None,
                  patterns: list | None = None) -> PromiseDraft:
    """Propose a promise for ``period_start`` … ``period_end`` from the facts of ``lb``.

    With ``patterns`` (the activity library, :mod:`est.plans.library`) each commitment names a
    concrete activity that fits its finding; without, the activity is a ``[…]`` placeholder.
    """
    used: set[str] = set()

    def activity(keys: list[str]):
        from est.plans.library import fitting

        found = fitting(list(patterns or []), keys)
        fresh = [p for p in found if p.code not in used]
        pick = (fresh or found)[0] if (fresh or found) else None
        if pick is not None:
            used.add(pick.code)
        return pick

    k = lb.min_cell
    kommun = municipality or f"{lb.area_name}s kommun"
    polis = police or f"lokalpolisområde {lb.area_name}"
    f = lb.facts
    basis = f"{lb.start:%Y-%m-%d} – {lb.end:%Y-%m-%d}"
    period = f"{period_start:%Y-%m-%d} – {period_end:%Y-%m-%d}"

    # A comparison without data ("saknas") is left out of the text, never written as 0.
    earlier = [f"{label} {fmt(value, k)}" for label, value in (
        ("föregående period", f.previous_total), ("samma period året innan", f.last_year_total))
        if value is not None and value != sv.MISSING]
    missing = [label for label, value in (
        ("föregående period", f.previous_total), ("samma period året innan", f.last_year_total))
        if value is None or value == sv.MISSING]
    facts: list[str] = [
        f"Under {basis} registrerades {fmt(f.total, k)} rapporter om händelser och otrygga "
        f"platser" + (f" ({', '.join(earlier)})." if earlier else ".")
        + (f" Uppgift för {' och '.join(missing)} saknas: det finns inga rapporter att "
           "jämföra med." if missing else "")]
    if f.top_categories:
        facts.append("Vanligaste kategorier: " + ", ".join(
            f"{c['label'].lower()} ({fmt(c['count'], k)})" for c in f.top_categories) + ".")
    if f.growing_categories:
        facts.append("Ökande: " + ", ".join(
            f"{c['label'].lower()} ({fmt(c['previous'], k)} → {fmt(c['count'], k)}, "
            f"{sv.change(c['change_pct'])})" for c in f.growing_categories) + ".")
    persistent = [h for h in f.hotspots if h["class"] in CANDIDATE_CLASSES]
    if persistent:
        facts.append("Nya, återkommande, ihållande eller ökande hot spots: " + "; ".join(
            f"{h['name']} ({class_sv(h['class'])}, {sv.number(h['count'])} rapporter: "
            f"{h['top']})" for h in persistent[:3]) + ".")
    if f.otrygghet_places:
        facts.append("Otrygga platser: " + "; ".join(
            f"{p['name']} ({sv.number(p['count'])} rapporter: {p['reasons']})"
            for p in f.otrygghet_places[:3]) + ".")

    focus: list[dict] = []
    indicators: list[dict] = []
    items: list[tuple[str, str]] = []
    for c in (f.growing_categories or f.top_categories)[:2]:
        if c.get("kind", "incident") != "incident":
            continue
        focus.append({"label": c["label"], "category": c["code"],
                      "why": f"{fmt(c['count'], k)} rapporter under perioden"
                      + (f", {sv.change(c['change_pct'])} mot perioden före" if "change_pct" in c
                         else "")})
        indicators.append({"kind": "count_per_month", "label": f"{c['label']} per månad i "
                           f"{lb.area_name}", "categories": [c["code"]]})
        pat = activity([c["code"]])
        if pat is not None:
            kind = pat.parties[0] if pat.parties else "kommun"
            items.append((kind, f"{PARTY_SV.get(kind, 'Kommunen')} lovar att {pat.text} för att "
                                f"minska {c['label'].lower()} i {lb.area_name}."))
        else:
            items.append(("polis", f"Polisen lovar att {PLACEHOLDER} för att minska "
                                   f"{c['label'].lower()} i {lb.area_name}."))
    for h in persistent[:2]:
        focus.append({"label": h["name"], "lineage_id": h["lineage_id"],
                      "geometry": h["geometry"],
                      "why": f"{class_sv(h['class'])} hot spot, "
                             f"{sv.number(h['count'])} rapporter"})
        indicators.append({"kind": "count_per_month", "label": f"Rapporter per månad, {h['name']}",
                           "geometry": h["geometry"], "lineage_id": h["lineage_id"]})
        pat = activity(["hotspot"])
        if pat is not None:
            items.append(("polis", f"Polisen och kommunen lovar att {pat.text} vid {h['name']} "
                                   f"({class_sv(h['class'])} hot spot: {h['top']})."))
        else:
            items.append(("polis", f"Polisen lovar att {PLACEHOLDER} vid {h['name']} "
                                   f"({h['top']})."))
            items.append(("kommun", f"Kommunen lovar att {PLACEHOLDER} vid {h['name']}."))
    for p in f.otrygghet_places[:1]:
        focus.append({"label": p["name"], "geometry": p["geometry"],
                      "why": f"otrygg plats, {sv.number(p['count'])} rapporter: {p['reasons']}"})
        indicators.append({"kind": "count_per_month",
                           "label": f"Otrygghetsrapporter per månad, {p['name']}",
                           "geometry": p["geometry"], "categories_kind": "otrygghet"})
        pat = activity(["otrygghet"])
        what = pat.text if pat is not None else PLACEHOLDER
        items.append(("kommun", f"Kommunen lovar att {what} för att öka tryggheten vid "
                                f"{p['name']} ({p['reasons']})."))
    indicators.append({"kind": "share_public_moderated", "days": 7,
                       "label": "Andel rapporter från allmänheten som är granskade efter 7 dagar"})
    items.append(("kommun", f"Kommunen lovar att granska och återkoppla på invånarnas "
                            f"rapporter inom en vecka {PLACEHOLDER}."))
    if not any(kind == "polis" for kind, _ in items):
        items.append(("polis", f"Polisen lovar att {PLACEHOLDER}."))

    promises = [text for _kind, text in items]
    sections = [
        Section("inledning", "Inledning", [
            f"{kommun} och {polis} har kommit överens om att arbeta med medborgarlöften. "
            "Medborgarlöften utgår från den lokala lägesbilden och är en beskrivning av vad "
            "polisen och kommunen lovar att åstadkomma tillsammans. Lägesbilden bygger på "
            "rapporter i EST – effektiv samordning för trygghet – från kommunen, polisen, "
            f"fastighetsägare, skolor och invånare, samt {PLACEHOLDER} (medborgardialoger, "
            "trygghetsvandringar, trygghetsundersökningar)."]),
        Section("syfte", "Syfte", [
            "Syftet med medborgarlöftet är att genom samverkan öka tryggheten och minska "
            "brottsligheten, och att medborgar- och medarbetarperspektiven tas tillvara. "
            f"{PLACEHOLDER}"]),
        Section("lagesbild", f"Lägesbild {basis}", facts),
        Section("fokus", "Förslag på fokusområden", [
            "Förslagen bygger på de största och ökande kategorierna, ihållande hot spots och "
            "otrygga platser i lägesbilden. Välj, stryk eller lägg till."],
            [Table("focus", "Fokusområden", ["Fokus", "Varför"],
                   [[x["label"], x["why"]] for x in focus])] if focus else []),
        Section("loften", f"Medborgarlöften under perioden {period}", [], [], [],
                promises),
        Section("effekter", "Effekter", [
            f"Löftena för perioden {period} förväntas ge färre rapporter på de utvalda "
            "platserna och i de utvalda kategorierna och en ökad upplevd trygghet. "
            f"{PLACEHOLDER}"],
            [Table("indicators", "Indikatorer som följs upp",
                   ["Indikator", "Typ"],
                   [[i["label"], INDICATOR_SV[i["kind"]]] for i in indicators])]),
        Section("uppfoljning", "Uppföljning", [
            "Löftena följs upp kontinuerligt i EST-gruppens veckomöten och i det "
            "brottsförebyggande rådet (BRÅ). Indikatorerna räknas i EST lägesbild för "
            "löftesperioden och jämförs med lika lång tid före; uppföljningen redovisas i "
            "nästa lägesbild inför förnyelsen av medborgarlöftena.",
            f"Ort och datum: {PLACEHOLDER}",
            f"Lokalpolisområdeschef: {PLACEHOLDER}    Kommunstyrelsens ordförande: "
            f"{PLACEHOLDER}"]),
    ]
    return PromiseDraft(
        title=f"Medborgarlöften {lb.area_name} {period_start:%Y}–{period_end:%Y}"
        if period_start.year != period_end.year else
        f"Medborgarlöften {lb.area_name} {period_start:%Y}",
        area_code=lb.area_code, area_name=lb.area_name, period_start=period_start,
        period_end=period_end, basis_start=lb.start, basis_end=lb.end, min_cell=k,
        sections=sections, focus=focus, indicators=indicators, items=items)


CLASS_SV = {"new": "ny", "persistent": "ihållande", "intensifying": "ökande",
            "diminishing": "minskande", "sporadic": "sporadisk"}
PERSISTENT_CLASSES = ("persistent", "intensifying", "consecutive")
# Hot spots a promise may take up: new and consecutive ones as well as persistent ones.
CANDIDATE_CLASSES = ("new", "consecutive", "persistent", "intensifying")
PARTY_SV = {"kommun": "Kommunen", "polis": "Polisen", "bostadsbolag": "Bostadsbolaget",
            "skola": "Skolan", "socialtjanst": "Socialtjänsten", "fritid": "Fritidsförvaltningen"}


def class_sv(klass: str | None) -> str:
    """Return a hot spot class in lower-case Swedish for running text."""
    return CLASS_SV.get(klass or "") or CLASS_LABELS.get(klass or "", klass or "").lower()
INDICATOR_SV = {"count_per_month": "Antal per månad, jämfört med före perioden",
                "share_public_moderated": "Andel, jämfört med före perioden"}

__all__ = ["PromiseDraft", "draft_promise", "number"]
