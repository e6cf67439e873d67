"""Lägesbild sections: when, who reports, actions, data quality, follow-up, privacy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from est import format as sv
from est.lagesbild import charts
from est.lagesbild.context import Context
from est.lagesbild.counts import PeriodRow
from est.lagesbild.model import Chart, Section, Table, TableRow
from est.lagesbild.suppress import SMALL, fmt, number
from est.models import Report
from est.queries import COUNTED_STATUSES

SOURCE_LABELS = {"public": "Allmänheten", "import": "Import", "api": "API (system)"}
WEEKDAYS = ["Mån", "Tis", "Ons", "Tor", "Fre", "Lör", "Sön"]
HOUR_BINS = ["00–03", "03–06", "06–09", "09–12", "12–15", "15–18", "18–21", "21–24"]
TOP_CATEGORIES_IN_SOURCES = 6
ACTION_COLUMNS = ["Åtgärd", "Plats/kategori", "Ansvarig", "Status", "Start", "Veckor", "Före",
                  "Efter", "Förändring"]


def when(ctx: Context, rows: Sequence[PeriodRow]) -> Section:
    """Return weekday × time of day for reports with an exact time."""
    matrix = [[0] * len(HOUR_BINS) for _ in WEEKDAYS]
    for r in rows:
        if r.time_precision != "exact":
            continue
        local = r.occurred_at.astimezone(ctx.zone)
        matrix[local.weekday()][local.hour // 3] += 1
    body, row_tot, col_tot, total = ctx.suppress_matrix(matrix)
    table_rows: list[TableRow] = [[WEEKDAYS[i], *body[i], row_tot[i]] for i in range(7)]
    table_rows.append(["Summa", *col_tot, total])
    return Section(
        "when", "När: veckodag och tid på dygnet",
        [f"Rapporter med exakt tidpunkt ({fmt(total, ctx.k)} st), lokal tid, per veckodag "
         "och tretimmarsintervall."],
        [Table("weekday_hour", "Veckodag × tid på dygnet", ["Veckodag", *HOUR_BINS, "Summa"],
               table_rows)],
        [Chart("chart_weekday_hour", "Veckodag × tid på dygnet",
               charts.weekday_hour(body, WEEKDAYS, HOUR_BINS, ctx.k),
               "Värmekarta över veckodag och tid på dygnet")])


def sources(ctx: Context, rows: Sequence[PeriodRow]) -> Section:
    """Return reports per sender (organisation or the public) and category."""
    def source_of(r) -> str:
        if r.source == "organisation":
            return r.name or "Organisation (okänd)"
        return SOURCE_LABELS.get(r.source, r.source)

    by_cat = Counter(r.label_sv for r in rows)
    top = [lab for lab, _ in by_cat.most_common(TOP_CATEGORIES_IN_SOURCES)]
    cols = [*top, "Övriga kategorier"] if len(by_cat) > len(top) else top
    senders = sorted({source_of(r) for r in rows})
    matrix = [[0] * len(cols) for _ in senders]
    for r in rows:
        j = cols.index(r.label_sv) if r.label_sv in top else len(cols) - 1
        matrix[senders.index(source_of(r))][j] += 1
    body, row_tot, col_tot, total = ctx.suppress_matrix(matrix) if senders else \
        ([], [], [], 0)
    table_rows: list[TableRow] = [[src, *body[i], row_tot[i]] for i, src in enumerate(senders)]
    if senders:
        table_rows.append(["Summa", *col_tot, total])
    return Section(
        "sources", "Vem rapporterar vad",
        ["Rapporter per avsändare (organisation eller allmänheten) och kategori."],
        [Table("sources", "Avsändare × kategori", ["Avsändare", *cols, "Summa"], table_rows)])


def actions(ctx: Context) -> Section:
    """Return the actions active in the period with reports before and after their start."""
    from est.services.actions import STATUS_LABELS, follow_up, list_actions

    section = Section("actions", "Åtgärder och effekt")
    found = list_actions(ctx.s, ctx.municipality_id(), active_between=(ctx.start, ctx.end))
    as_of = min(ctx.today, ctx.end + timedelta(days=1))
    rows: list[TableRow] = []
    for a in found:
        fu = follow_up(ctx.s, a, today=as_of, tz=str(ctx.zone))
        before, after = ctx.protect(fu.before), ctx.protect(fu.after)
        effect = None
        if fu.measurable and number(before) is not None and number(after) is not None \
                and fu.change_pct is not None:
            effect = sv.change(fu.change_pct)
        target = a.place_name or (a.category.label_sv if a.category else "Hot spot")
        rows.append([a.title, target, a.organisation.name, STATUS_LABELS.get(a.status, a.status),
                     a.starts_on.isoformat(), fu.weeks, before, after, effect])
    section.paragraphs.append(
        "Åtgärder beslutade i EST-gruppen som pågått under perioden, med antal rapporter "
        "på platsen (eller i kategorin) lika många hela veckor före och efter start. "
        "Åtgärdernas beskrivningar, kontaktpersoner och utfallsanteckningar är fritext "
        "och ingår inte i exporten.")
    if rows:
        section.tables.append(Table("actions", "Åtgärder", ACTION_COLUMNS, rows))
    else:
        section.paragraphs.append("Inga åtgärder under perioden.")
    return section


def quality(ctx: Context, rows: Sequence[PeriodRow]) -> Section:
    """Return data quality figures: counted, without exact time, duplicates, pending."""
    k = ctx.k
    n = len(rows)
    not_exact = sum(r.time_precision != "exact" for r in rows)
    everything = ctx.where(ctx.start, ctx.end, counted=False)
    dup = ctx.s.scalar(select(func.count(Report.id)).where(
        everything, Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_not(None))) or 0
    pending = ctx.s.scalar(select(func.count(Report.id)).where(
        everything, Report.status == "pending")) or 0
    rejected = ctx.s.scalar(select(func.count(Report.id)).where(
        everything, Report.status == "rejected")) or 0
    precision = Counter(r.time_precision for r in rows)
    inside = ctx.s.scalar(select(func.count(Report.id)).where(
        ctx.where(ctx.start, ctx.end), func.ST_Intersects(Report.geom, ctx.area.geom))) or 0

    def share(part: int) -> str:
        if not n:
            return sv.NOT_APPLICABLE
        if n >= ctx.protection.k:
            return sv.percent(100 * part / n)
        return fmt(SMALL, k)

    rows_: list[TableRow] = [
        ["Rapporter som räknas", ctx.protect(n)],
        ["Andel med exakt tidpunkt", share(precision["exact"])],
        ["Andel med bara datum", share(precision["day"])],
        ["Andel med bara månad", share(precision["month"])],
        ["Andel med tidsfönster, återkommande eller okänd tid",
         share(sum(precision[p] for p in ("window", "recurring", "unknown")))],
        ["Andel utan exakt tidpunkt (tidsfönster eller okänd)", share(not_exact)],
        ["Andel med position inom området", share(inside)],
        ["Dubbletter borttagna", ctx.protect(dup)],
        ["Väntar på granskning (räknas inte)", ctx.protect(pending)],
        ["Avvisade (räknas inte)", ctx.protect(rejected)],
    ]
    return Section("quality", "Datakvalitet",
                   ["Rapporter utan exakt tidpunkt ingår i månadstabellerna men inte i "
                    "veckodag × tid. Rapporter med bara månad räknas i sin månad men inte "
                    "i veckodag × tid eller per dag."],
                   [Table("quality", "Datakvalitet", ["Mått", "Värde"], rows_)])


def followup(ctx: Context) -> Section:
    """Return the follow-up of the area's medborgarlöften over the period."""
    from est.promises.indicators import followup_tables

    section = Section("followup", "Uppföljning av medborgarlöften")
    tables, paragraphs = followup_tables(ctx.s, ctx.municipality_id(), ctx.start, ctx.end,
                                         k=ctx.protection.k, tz=str(ctx.zone), today=ctx.today)
    section.tables += tables
    section.paragraphs += paragraphs or ["Inga medborgarlöften att följa upp för perioden."]
    return section


def privacy(ctx: Context) -> Section:
    """Return the note on what the document contains and what is hidden."""
    k = ctx.k
    if ctx.protection.audience == "internal":
        counts = ("Underlaget är internt för EST-gruppen: tabellerna visar exakta antal. "
                  "Sprid det inte utanför gruppen; ta fram en export för samverkanspartner "
                  "eller allmänheten i stället. ")
    elif ctx.protection.secondary:
        counts = (f"Antal mellan 1 och {k - 1} visas som ”<{k}”; ”..” betyder att ett värde "
                  "dolts för att ett annat litet värde inte ska kunna räknas fram. ")
    else:
        counts = f"Antal mellan 1 och {k - 1} visas som ”<{k}”. "
    return Section("privacy", "Om uppgifterna", [
        "Exporten innehåller bara sammanräknade antal och hot spot-områden. " + counts
        + "Kontaktuppgifter, fritext och enskilda rapporters platser ingår aldrig. "
        f"Geografiska rutor och hot spots med färre än {k} rapporter redovisas inte. "
        "”saknas” betyder att det inte finns rapporter så långt tillbaka."])
