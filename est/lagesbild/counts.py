"""Lägesbild sections built from counts: the summary and the categories by month."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Row, select

from est import format as sv
from est.lagesbild import charts
from est.lagesbild.context import Context, last_year
from est.lagesbild.model import Chart, Section, Table, TableRow
from est.lagesbild.suppress import fmt, number
from est.models import Category, Organisation, Report

KIND_LABELS = {"incident": "Händelser", "otrygghet": "Otrygghet"}

# One counted report of the period: category code, label, kind and sort order, occurred_at,
# time precision, source and organisation name (None for reports without an organisation).
PeriodRow = Row[str, str, str, int, datetime, str, str, str | None]
# A cell of the category tables: (category code, kind or "all"; month index or column name).
CategoryKey = tuple[str, int | str]


def period_rows(ctx: Context) -> Sequence[PeriodRow]:
    """Return the counted reports of the period (no text, no position)."""
    stmt = (
        select(Category.code, Category.label_sv, Category.kind, Category.sort_order,
               Report.occurred_at, Report.time_precision, Report.source, Organisation.name)
        .join(Category, Category.id == Report.category_id)
        .outerjoin(Organisation, Organisation.id == Report.organisation_id)
        .where(ctx.where(ctx.start, ctx.end))
    )
    return ctx.s.execute(stmt).all()


def summary(ctx: Context, rows: Sequence[PeriodRow]) -> Section:
    """Return the summary: how many reports, of which kind."""
    k = ctx.k
    by_kind = Counter(r.kind for r in rows)
    cells = {"all": len(rows), "incident": by_kind["incident"],
             "otrygghet": by_kind["otrygghet"]}
    out = ctx.suppress(cells, [("all", ["incident", "otrygghet"])])
    ctx.facts.total = out["all"]
    text_ = (
        f"Lägesbilden omfattar {ctx.area.name} ({ctx.area.code}) "
        f"{sv.period(ctx.start, ctx.end)} ({sv.number(ctx.days)} dagar). "
        f"Under perioden registrerades {fmt(out['all'], k)} rapporter: "
        f"{fmt(out['incident'], k)} händelser och "
        f"{fmt(out['otrygghet'], k)} om otrygga platser."
    )
    return Section("summary", "Sammanfattning", [text_])


def _change(a, b) -> int | None:
    na, nb = number(a), number(b)
    if na is None or nb is None or nb == 0:
        return None
    return round(100.0 * (na - nb) / nb)


def categories(ctx: Context, rows: Sequence[PeriodRow]) -> Section:
    """Return reports per category and month, and the comparison with earlier periods."""
    k = ctx.k
    months = ctx.months()
    month_labels = [sv.month(y, m) for y, m in months]
    col = {ym: j for j, ym in enumerate(months)}
    labels: dict[str, tuple[str, str, int]] = {}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
    for r in rows:
        local = r.occurred_at.astimezone(ctx.zone)
        counts[r.code][col[(local.year, local.month)]] += 1
        labels[r.code] = (r.label_sv, r.kind, r.sort_order)
    prev_first, prev_last = ctx.start - timedelta(days=ctx.days), ctx.start - timedelta(days=1)
    ly_first, ly_last = last_year(ctx.start), last_year(ctx.end)
    has_prev, has_ly = ctx.has_data_from(prev_first), ctx.has_data_from(ly_first)
    prev = ctx.totals_by_category(prev_first, prev_last) if has_prev else Counter()
    ly = ctx.totals_by_category(ly_first, ly_last) if has_ly else Counter()
    for code in list(prev) + list(ly):
        if code not in labels:
            cat = ctx.s.scalars(select(Category).where(Category.code == code)).one()
            labels[code] = (cat.label_sv, cat.kind, cat.sort_order)
    order = sorted(labels, key=lambda c: (labels[c][1] != "incident",
                                          -sum(counts[c]) if c in counts else 0,
                                          labels[c][0]))
    # One set of equations: categories × months, row totals, kind subtotals, grand total.
    cells: dict[CategoryKey, int] = {}
    lines: list[tuple[CategoryKey, list[CategoryKey]]] = []
    for code in order:
        vals = counts[code] if code in counts else [0] * len(months)
        for j, v in enumerate(vals):
            cells[(code, j)] = v
        cells[(code, "tot")] = sum(vals)
        lines.append(((code, "tot"), [(code, j) for j in range(len(months))]))
        cells[(code, "prev")] = prev.get(code, 0)
        cells[(code, "ly")] = ly.get(code, 0)
    for kind in ("incident", "otrygghet"):
        members = [c for c in order if labels[c][1] == kind]
        for j in [*range(len(months)), "tot", "prev", "ly"]:
            cells[(kind, j)] = sum(cells[(c, j)] for c in members)
            lines.append(((kind, j), [(c, j) for c in members]))
        lines.append(((kind, "tot"), [(kind, j) for j in range(len(months))]))
    for j in [*range(len(months)), "tot", "prev", "ly"]:
        cells[("all", j)] = cells[("incident", j)] + cells[("otrygghet", j)]
        lines.append((("all", j), [("incident", j), ("otrygghet", j)]))
    lines.append((("all", "tot"), [("all", j) for j in range(len(months))]))
    out = ctx.suppress(cells, lines)
    if not has_prev:
        out.update({key: sv.MISSING for key in out if key[1] == "prev"})
    if not has_ly:
        out.update({key: sv.MISSING for key in out if key[1] == "ly"})

    month_rows: list[TableRow] = []
    for kind in ("incident", "otrygghet"):
        for code in (c for c in order if labels[c][1] == kind):
            if cells[(code, "tot")] == 0:
                continue
            month_rows.append([labels[code][0], KIND_LABELS[kind],
                               *(out[(code, j)] for j in range(len(months))),
                               out[(code, "tot")]])
    for kind in ("incident", "otrygghet"):
        month_rows.append([f"Summa {KIND_LABELS[kind].lower()}", KIND_LABELS[kind],
                           *(out[(kind, j)] for j in range(len(months))), out[(kind, "tot")]])
    month_rows.append(["Totalt", "", *(out[("all", j)] for j in range(len(months))),
                       out[("all", "tot")]])
    month_table = Table("by_month", "Rapporter per kategori och månad",
                        ["Kategori", "Typ", *month_labels, "Summa"], month_rows)

    compare_rows: list[TableRow] = []
    for code in order:
        now, before, year_ago = out[(code, "tot")], out[(code, "prev")], out[(code, "ly")]
        if not any(cells[(code, j)] for j in ("tot", "prev", "ly")):
            continue
        compare_rows.append([labels[code][0], KIND_LABELS[labels[code][1]], now, before,
                             sv.change(_change(now, before)), year_ago,
                             sv.change(_change(now, year_ago))])
    for key, label in (("incident", "Summa händelser"), ("otrygghet", "Summa otrygghet"),
                       ("all", "Totalt")):
        now, before, year_ago = out[(key, "tot")], out[(key, "prev")], out[(key, "ly")]
        compare_rows.append([label, "", now, before, sv.change(_change(now, before)), year_ago,
                             sv.change(_change(now, year_ago))])
    note = (f"Föregående period: {sv.period(prev_first, prev_last)}. Samma period i fjol: "
            f"{sv.period(ly_first, ly_last)}.")
    if not (has_prev and has_ly):
        note += " ”saknas”: det finns inga rapporter så långt tillbaka."
    compare_table = Table(
        "compare", "Jämförelse med föregående period och samma period i fjol",
        ["Kategori", "Typ", "Perioden", "Föregående period", "Förändring",
         "Samma period i fjol", "Förändring i fjol"], compare_rows, note=note)
    ctx.facts.previous_total = out[("all", "prev")] if has_prev else None
    ctx.facts.last_year_total = out[("all", "ly")] if has_ly else None
    _category_facts(ctx, order, labels, cells, out)

    top = [c for c in order if cells[(c, "tot")] or cells[(c, "prev")]][:12]
    chart_cat = charts.compare_categories(
        [labels[c][0] for c in top], [out[(c, "tot")] for c in top],
        [out[(c, "prev")] for c in top], [out[(c, "ly")] for c in top], k)
    chart_month = charts.monthly_by_kind(
        month_labels, {kind: [out[(kind, j)] for j in range(len(months))]
                       for kind in ("incident", "otrygghet")}, KIND_LABELS, k)
    return Section(
        "categories", "Rapporter per kategori och månad",
        ["Antal rapporter per kategori och kalendermånad under perioden, och förändringen "
         "mot föregående period av samma längd och mot samma period förra året. "
         "Dubbletter och rapporter som väntar på granskning eller har avvisats räknas inte."],
        [month_table, compare_table],
        [Chart("chart_months", "Rapporter per månad", chart_month,
               "Staplar per månad, händelser och otrygghet"),
         Chart("chart_categories", "Kategorier jämfört med tidigare perioder", chart_cat,
               "Staplar per kategori för perioden, föregående period och i fjol")])


def _category_facts(ctx: Context, order: list[str], labels: dict, cells: dict,
                    out: dict) -> None:
    incident_codes = [c for c in order if labels[c][1] == "incident"]
    ranked = sorted(incident_codes, key=lambda c: -cells[(c, "tot")])
    ctx.facts.top_categories = [
        {"code": c, "label": labels[c][0], "count": out[(c, "tot")]}
        for c in ranked[:3] if number(out[(c, "tot")])
    ]
    growing = []
    for c in order:
        pct = _change(out[(c, "tot")], out[(c, "prev")])
        if pct is not None and pct >= 20:
            growing.append({"code": c, "label": labels[c][0], "kind": labels[c][1],
                            "count": out[(c, "tot")], "previous": out[(c, "prev")],
                            "change_pct": pct})
    ctx.facts.growing_categories = sorted(growing, key=lambda g: -g["change_pct"])[:3]
