"""The lägesbild as Lag (2023:196) 4 § structures it: kartläggning, annan information, analys.

:func:`structure` takes a built lägesbild (the figures, already protected for the audience)
and the group's own part (:mod:`est.lagesbild.group`) with the declared sources
(:mod:`est.lagesbild.inputs`) and returns one document in the law's order:

1. **Kartläggning**: crime and disorder by type, place, time and trend (the figures), and
   the **consequences** (who is affected, otrygghet, costs where the group records them).
2. **Annan information**: safety walks, dialogues, surveys, official statistics and the
   planned changes (construction, new businesses, population change).
3. **Analys**: the key figures beside the group's patterns, suspected causes and
   conclusions.
4. **Källor och datakvalitet**: the sources used (period and n) and those lacking and why,
   what that means for the conclusions, and the data quality figures.
5. **Åtgärder och uppföljning**, then what the document contains (privacy).

It only rearranges and adds; it reads no database, so a frozen version renders the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from est import format as sv
from est.lagesbild.group import CHANGE_KINDS, GroupInput
from est.lagesbild.model import Cell, Lagesbild, Section, Table, TableRow
from est.models.hotspots import CLASS_LABELS

KARTLAGGNING = "1. Kartläggning"
ANNAN = "2. Annan information"
ANALYS = "3. Analys"
KALLOR = "4. Källor och datakvalitet"
UPPFOLJNING = "5. Åtgärder och uppföljning"
OM = "Om uppgifterna"
# Built sections (by key) -> part; the group's sections are placed by :func:`structure`.
PART_OF = {"summary": KARTLAGGNING, "categories": KARTLAGGNING, "hotspots": KARTLAGGNING,
           "otrygghet": KARTLAGGNING, "when": KARTLAGGNING, "sources": KALLOR,
           "quality": KALLOR, "actions": UPPFOLJNING, "followup": UPPFOLJNING,
           "privacy": OM}
NO_TEXT = "Gruppen har inte skrivit något här ännu."
# Sources shown under "Annan information" (the rest are reports and statistics).
OTHER_SOURCES = ("trygghetsvandringar", "digital_vandring", "dialoger", "trygghetsmatning",
                 "ntu", "kommun_enkat")
STATISTICS_SOURCES = ("polisens_handelser", "bra_statistik", "kolada", "scb_befolkning")
SOURCE_COLUMNS = ["Källa", "Används", "Period", "Antal (n)", "Kommentar"]


def paragraphs(text: str | None) -> list[str]:
    """Return a group text as paragraphs (blank lines separate them)."""
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _text(group: GroupInput, key: str) -> list[str]:
    return paragraphs(group.texts.get(key)) or [NO_TEXT]


def _period(src: dict) -> str:
    first, last = src.get("from"), src.get("to")
    if not first or not last:
        return sv.MISSING
    return sv.period(date.fromisoformat(first), date.fromisoformat(last))


def _source_row(src: dict) -> TableRow:
    n = src.get("n")
    return [src["label"], "Ja" if src.get("used") else "Nej", _period(src),
            n if isinstance(n, int | str) else sv.MISSING, src.get("detail") or ""]


def _compare_value(lb: Lagesbild, label: str, column: str) -> Cell:
    try:
        table = lb.table("compare")
    except StopIteration:
        return None
    col = table.columns.index(column)
    return next((row[col] for row in table.rows if row[0] == label), None)


def _or(value: Cell, default: str) -> Cell:
    """Return ``value``, or ``default`` when there is none (0 stays 0)."""
    return default if value is None else value


def key_figures(lb: Lagesbild) -> Table:
    """Return the figures the analysis is read beside: totals, trends, hot spots."""
    f = lb.facts
    rows: list[TableRow] = [
        ["Rapporter under perioden", f.total],
        ["Föregående period", f.previous_total if f.previous_total is not None else sv.MISSING],
        ["Förändring mot föregående period",
         _or(_compare_value(lb, "Totalt", "Förändring"), sv.NOT_APPLICABLE)],
        ["Samma period i fjol",
         f.last_year_total if f.last_year_total is not None else sv.MISSING],
        ["Förändring mot i fjol",
         _or(_compare_value(lb, "Totalt", "Förändring i fjol"), sv.NOT_APPLICABLE)],
        ["Rapporter om otrygghet",
         _or(_compare_value(lb, "Summa otrygghet", "Perioden"), sv.NOT_APPLICABLE)],
        ["Hot spots (brännpunkter)", len(f.hotspots)],
        ["Otrygga platser", len(f.otrygghet_places)],
    ]
    for c in f.top_categories:
        rows.append([f"Vanligaste kategori: {c['label']}", c["count"]])
    for g in f.growing_categories:
        rows.append([f"Ökar: {g['label']}", _or(sv.change(g["change_pct"]), sv.NOT_APPLICABLE)])
    for h in f.hotspots[:5]:
        label = CLASS_LABELS.get(h.get("class"), h.get("class") or sv.MISSING)
        rows.append([f"Hot spot: {h.get('name') or sv.MISSING} ({label})", h.get("count")])
    return Table("key_figures", "Nyckeltal bredvid analysen", ["Mått", "Värde"], rows)


def consequences(lb: Lagesbild, group: GroupInput) -> Section:
    """Return who is affected, otrygghet and costs: the group's text with the figures."""
    reasons = [[r["label"], r["count"]] for r in lb.facts.otrygghet_reasons]
    section = Section("consequences", "Konsekvenser", part=KARTLAGGNING)
    section.paragraphs += _text(group, "consequences")
    costs = paragraphs(group.texts.get("costs"))
    section.paragraphs += [f"Kostnader: {p}" for p in costs] or \
        ["Kostnader: inga kostnader har registrerats av gruppen."]
    rows: list[TableRow] = [
        ["Rapporter om otrygghet",
         _or(_compare_value(lb, "Summa otrygghet", "Perioden"), sv.NOT_APPLICABLE)],
        ["Otrygga platser", len(lb.facts.otrygghet_places)]]
    rows += [[f"Skäl: {label}", count] for label, count in reasons[:5]]
    section.tables.append(Table("consequence_figures", "Otrygghet i siffror",
                                ["Mått", "Värde"], rows))
    return section


# Tables of the other information shown with the walks, dialogues and surveys; the rest go
# with the official statistics.
HELD_TABLES = ("table_walks", "table_dialogue_themes", "table_surveys")


def _other_table(key: str, value: dict) -> Table:
    """Return one table of :func:`est.lagesbild.inputs.other_information` (None = saknas)."""
    return Table(key.removeprefix("table_"), str(value.get("title") or ""),
                 [str(c) for c in value.get("columns") or []],
                 [[sv.MISSING if v is None else _cell(v) for v in row]
                  for row in value.get("rows") or []],
                 str(value.get("note") or ""))


def _cell(value) -> Cell:
    if isinstance(value, int | float | str):
        return value
    return str(value)


def other_information(lb: Lagesbild, group: GroupInput, sources: list[dict],
                      other: dict | None) -> list[Section]:
    """Return walks, dialogues and surveys; official statistics; the planned changes."""
    by_key = {s["key"]: s for s in sources}
    held = Section("other_inputs", "Trygghetsvandringar, dialoger och enkäter", part=ANNAN)
    held.paragraphs.append(
        "Underlag utöver rapporterna: vad som genomförts under perioden och hur många som "
        "deltog eller svarade.")
    held.tables.append(Table("other_inputs", "Genomfört under perioden", SOURCE_COLUMNS,
                             [_source_row(by_key[k]) for k in OTHER_SOURCES if k in by_key]))
    other = other or {}
    held.tables += [_other_table(k, v) for k, v in other.items() if k in HELD_TABLES]
    stats = Section("statistics", "Officiell statistik och polisens händelser", part=ANNAN)
    stats.paragraphs.append(
        "Statistik från Brå, Kolada, SCB och polisens händelser ger sammanhang. Polisens "
        "händelser har grov platsangivelse och ingår inte i hot spot-beräkningen.")
    stats.tables.append(Table("statistics_sources", "Statistikkällor", SOURCE_COLUMNS,
                              [_source_row(by_key[k]) for k in STATISTICS_SOURCES
                               if k in by_key]))
    stats.tables += [_other_table(k, v) for k, v in other.items() if k not in HELD_TABLES]
    changes = Section("planned_changes", "Planerade förändringar", part=ANNAN)
    changes.paragraphs.append(
        "Förändringar i området som kan påverka brottsligheten och tryggheten: byggnation, "
        "nya verksamheter, befolkningsförändringar. Listan förs av EST-gruppen.")
    if group.planned_changes:
        changes.tables.append(Table(
            "planned_changes", "Planerade förändringar", ["Typ", "Förändring", "Plats", "När"],
            [[CHANGE_KINDS.get(c.get("kind", ""), c.get("kind") or ""), c.get("text") or "",
              c.get("place") or sv.MISSING, c.get("when") or sv.MISSING]
             for c in group.planned_changes]))
    else:
        changes.paragraphs.append("Inga planerade förändringar har registrerats.")
    return [held, stats, changes]


def analysis(lb: Lagesbild, group: GroupInput) -> list[Section]:
    """Return the group's patterns (with the key figures), suspected causes and conclusions."""
    patterns = Section("analysis", "Mönster", _text(group, "patterns"), [key_figures(lb)],
                       part=ANALYS)
    causes = Section("causes", "Misstänkta orsaker", _text(group, "causes"), part=ANALYS)
    conclusions = Section("conclusions", "Gruppens slutsatser", _text(group, "conclusions"),
                          part=ANALYS)
    return [patterns, causes, conclusions]


def declared_sources(group: GroupInput, sources: list[dict]) -> Section:
    """Return the sources used and lacking (Brå), and what the gaps mean for the conclusions."""
    used = [s for s in sources if s.get("used")]
    lacking = [s for s in sources if not s.get("used")]
    section = Section("declared_sources", "Källor som använts och som saknas", part=KALLOR)
    section.paragraphs.append(
        f"Lägesbilden bygger på {len(used)} av {len(sources)} möjliga källor. Perioden och "
        "antalet (n) anges för varje källa.")
    if lacking:
        section.paragraphs.append(
            "Saknas för perioden: " + ", ".join(s["label"] for s in lacking) + ".")
    gaps = paragraphs(group.texts.get("source_gaps"))
    if gaps:
        section.paragraphs += [f"Vad det betyder för slutsatserna: {p}" for p in gaps]
    elif lacking:
        section.paragraphs.append(
            "Vad det betyder för slutsatserna: gruppen har inte bedömt det ännu. Slutsatser om "
            "det som saknade källor skulle ha visat bygger bara på rapporterna i EST.")
    section.tables.append(Table("declared_sources", "Källor", SOURCE_COLUMNS,
                                [_source_row(s) for s in sources]))
    return section


def structure(lb: Lagesbild, group: GroupInput, sources: list[dict],
              other: dict | None = None) -> Lagesbild:
    """Return ``lb`` in the law's order with the group's texts and the declared sources."""
    built = {s.key: s for s in lb.sections}

    def part(keys: tuple[str, ...], name: str) -> list[Section]:
        return [replace(built[k], part=name) for k in keys if k in built]

    sections = [
        *part(("summary", "categories", "hotspots", "otrygghet", "when"), KARTLAGGNING),
        consequences(lb, group),
        *other_information(lb, group, sources, other),
        *analysis(lb, group),
        declared_sources(group, sources),
        *part(("quality", "sources"), KALLOR),
        *part(("actions", "followup"), UPPFOLJNING),
    ]
    placed = {s.key for s in sections} | {"privacy"}
    sections += [replace(s, part=PART_OF.get(s.key, UPPFOLJNING)) for s in lb.sections
                 if s.key not in placed]
    sections += part(("privacy",), OM)
    return replace(lb, sections=sections)

