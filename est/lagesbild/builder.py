"""Build a lägesbild for an area and a period from the stored reports.

Every figure leaves this module already protected: counts below the minimum are hidden
(``<k``), sums that would reveal them get a second cell hidden, hot spots and grid cells
with too few reports are left out, and no contact data, free text or single report's
position is read at all.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import Row, and_, func, select, text
from sqlalchemy.orm import Session

from est.errors import NotFound, ValidationError
from est.lagesbild import charts
from est.lagesbild.model import Chart, Facts, Lagesbild, Section, Table, TableRow
from est.lagesbild.suppress import (
    SMALL,
    Hidden,
    Value,
    fmt,
    number,
    protect,
    suppress,
    suppress_matrix,
)
from est.models import Area, Category, Organisation, Report, report_reason
from est.models.hotspots import CLASS_LABELS
from est.queries import COUNTED_STATUSES, area_by_code

DEFAULT_MIN_CELL = 5
DEFAULT_CELL_M = 250
MAX_DAYS = 3 * 366
KIND_LABELS = {"incident": "Händelser", "otrygghet": "Otrygghet"}
SOURCE_LABELS = {"public": "Allmänheten", "import": "Import", "api": "API (system)"}
WEEKDAYS = ["Mån", "Tis", "Ons", "Tor", "Fre", "Lör", "Sön"]
HOUR_BINS = ["00–03", "03–06", "06–09", "09–12", "12–15", "15–18", "18–21", "21–24"]
TOP_CATEGORIES_IN_SOURCES = 6
MAX_HOTSPOTS = 10
MAX_PLACES = 8

# One counted report of the period: category code, label, kind and sort order, occurred_at,
# time precision, source and organisation name (None for reports without an organisation).
PeriodRow = Row[str, str, str, int, datetime, str, str, str | None]
# A cell of the category tables: (category code, kind or "all"; month index or column name).
CategoryKey = tuple[str, int | str]
# A cell of a per-place breakdown: ("c" or "r", label) per category or reason, or "tot".
BreakdownKey = tuple[str, str] | str


def parse_period(start: str | date | None, end: str | date | None) -> tuple[date, date]:
    """Parse and check a period given as ISO dates (both inclusive)."""
    errors = {}
    parsed: list[date] = []
    for name, value in (("from", start), ("to", end)):
        if isinstance(value, date):
            parsed.append(value)
            continue
        try:
            parsed.append(date.fromisoformat(str(value or "").strip()))
        except ValueError:
            errors[name] = f"Ogiltigt datum {value!r}: skriv ÅÅÅÅ-MM-DD."
    if errors:
        raise ValidationError(errors)
    first, last = parsed
    if last < first:
        raise ValidationError("Slutdatum är före startdatum.", field="to")
    if (last - first).days >= MAX_DAYS:
        raise ValidationError(f"Perioden får vara högst {MAX_DAYS} dagar.", field="to")
    return first, last


def resolve_area(session: Session, code: str) -> Area:
    """Return the municipality (or district) with ``code``."""
    code = (code or "").strip()
    if not code:
        raise ValidationError("Ange ett område (kommunkod).", field="area")
    try:
        return area_by_code(session, code)
    except NotFound:
        district = session.scalar(select(Area).where(Area.kind == "district", Area.code == code))
        if district is None:
            raise
        return district


def last_year(d: date) -> date:
    """Return the same day one year earlier (28 February for 29 February)."""
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def build_lagesbild(session: Session, *, area_code: str, start: date, end: date,
                    min_cell: int = DEFAULT_MIN_CELL, tz: str = "Europe/Stockholm",
                    crs: int = 3006, cell_m: int = DEFAULT_CELL_M, today: date | None = None,
                    hotspots: bool = True) -> Lagesbild:
    """Build the lägesbild of ``area_code`` for ``start`` … ``end`` (dates inclusive, local).

    Detecting the period's hot spots stores a hot spot run (:func:`get_or_detect`) the
    first time; everything else only reads.
    """
    start, end = parse_period(start, end)
    if min_cell < 1:
        raise ValidationError("Minsta antal per cell måste vara minst 1.", field="min_cell")
    area = resolve_area(session, area_code)
    zone = ZoneInfo(tz)
    today = today or datetime.now(zone).date()
    b = _Builder(session, area, start, end, min_cell, zone, crs, cell_m, today)
    return b.build(hotspots=hotspots)


class _Builder:
    def __init__(self, session: Session, area: Area, start: date, end: date, k: int,
                 zone: ZoneInfo, crs: int, cell_m: int, today: date):
        self.s = session
        self.area = area
        self.start, self.end, self.k = start, end, k
        self.zone, self.crs, self.cell_m, self.today = zone, crs, cell_m, today
        self.days = (end - start).days + 1
        self.facts = Facts()
        self.features: list[dict] = []
        self.hotspot_features: list[dict] = []

    # -- time and filters ------------------------------------------------------------------

    def _dt(self, d: date) -> datetime:
        return datetime.combine(d, time(0), self.zone)

    def _window(self, first: date, last: date) -> tuple[datetime, datetime]:
        return self._dt(first), self._dt(last + timedelta(days=1))

    def _where(self, first: date, last: date, counted: bool = True):
        lo, hi = self._window(first, last)
        conds = [Report.occurred_at >= lo, Report.occurred_at < hi]
        if self.area.kind == "municipality":
            conds.append(Report.area_id == self.area.id)
        else:
            conds.append(func.ST_Intersects(Report.geom, self.area.geom))
        if counted:
            conds += [Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None)]
        return and_(*conds)

    def _months(self) -> list[tuple[int, int]]:
        months, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return months

    # -- build -----------------------------------------------------------------------------

    def build(self, hotspots: bool) -> Lagesbild:
        rows = self._period_rows()
        sections = [self._intro(rows)]
        sections.append(self._categories(rows))
        sections.append(self._hotspots() if hotspots else Section(
            "hotspots", "Hot spots", ["Hot spots beräknades inte för den här exporten."]))
        sections.append(self._otrygghet())
        sections.append(self._when(rows))
        sections.append(self._sources(rows))
        sections.append(self._actions())
        sections.append(self._quality(rows))
        sections.append(self._followup())
        sections.append(self._privacy())
        outline = self._outline()
        left_out = self._grid()
        geojson = {
            "type": "FeatureCollection",
            "name": f"lagesbild_{self.area.code}_{self.start}_{self.end}",
            "properties": {"area": self.area.code, "from": self.start.isoformat(),
                           "to": self.end.isoformat(), "min_cell": self.k,
                           "cell_m": self.cell_m, "cells_left_out": left_out,
                           "note": "Aggregated counts only; cells and hot spots with fewer "
                                   f"than {self.k} reports are left out; '<{self.k}' and "
                                   "'..' mark hidden values."},
            "features": self.hotspot_features + self.features,
        }
        return Lagesbild(area_code=self.area.code, area_name=self.area.name, start=self.start,
                         end=self.end, min_cell=self.k, generated_on=self.today,
                         sections=sections, geojson=geojson, facts=self.facts,
                         outline=outline)

    def _period_rows(self) -> Sequence[PeriodRow]:
        stmt = (
            select(Category.code, Category.label_sv, Category.kind, Category.sort_order,
                   Report.occurred_at, Report.time_precision, Report.source,
                   Organisation.name)
            .join(Category, Category.id == Report.category_id)
            .outerjoin(Organisation, Organisation.id == Report.organisation_id)
            .where(self._where(self.start, self.end))
        )
        return self.s.execute(stmt).all()

    def _totals_by_category(self, first: date, last: date) -> Counter:
        stmt = (select(Category.code, func.count(Report.id))
                .join(Category, Category.id == Report.category_id)
                .where(self._where(first, last)).group_by(Category.code))
        return Counter(dict(self.s.execute(stmt).all()))

    # -- sections --------------------------------------------------------------------------

    def _intro(self, rows) -> Section:
        n = len(rows)
        by_kind = Counter(r.kind for r in rows)
        cells = {"all": n, "incident": by_kind["incident"], "otrygghet": by_kind["otrygghet"]}
        out = suppress(cells, [("all", ["incident", "otrygghet"])], self.k)
        self.facts.total = out["all"]
        text_ = (
            f"Lägesbilden omfattar {self.area.name} ({self.area.code}) "
            f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d} ({self.days} dagar). "
            f"Under perioden registrerades {fmt(out['all'], self.k)} rapporter: "
            f"{fmt(out['incident'], self.k)} händelser och "
            f"{fmt(out['otrygghet'], self.k)} om otrygga platser."
        )
        return Section("summary", "Sammanfattning", [text_])

    def _categories(self, rows) -> Section:
        k = self.k
        months = self._months()
        month_labels = [f"{y}-{m:02d}" for y, m in months]
        col = {ym: j for j, ym in enumerate(months)}
        labels: dict[str, tuple[str, str, int]] = {}
        counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
        for r in rows:
            local = r.occurred_at.astimezone(self.zone)
            counts[r.code][col[(local.year, local.month)]] += 1
            labels[r.code] = (r.label_sv, r.kind, r.sort_order)
        prev_first = self.start - timedelta(days=self.days)
        prev = self._totals_by_category(prev_first, self.start - timedelta(days=1))
        ly = self._totals_by_category(last_year(self.start), last_year(self.end))
        for code in list(prev) + list(ly):
            if code not in labels:
                cat = self.s.scalars(select(Category).where(Category.code == code)).one()
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
        out = suppress(cells, lines, k)

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
                               *(out[(kind, j)] for j in range(len(months))),
                               out[(kind, "tot")]])
        month_rows.append(["Totalt", "", *(out[("all", j)] for j in range(len(months))),
                           out[("all", "tot")]])
        month_table = Table("by_month", "Rapporter per kategori och månad",
                            ["Kategori", "Typ", *month_labels, "Summa"], month_rows)

        def change(a, b):
            na, nb = number(a), number(b)
            if na is None or nb is None or nb == 0:
                return None
            return round(100.0 * (na - nb) / nb)

        compare_rows: list[TableRow] = []
        for code in order:
            now, before, year_ago = out[(code, "tot")], out[(code, "prev")], out[(code, "ly")]
            if not any(cells[(code, j)] for j in ("tot", "prev", "ly")):
                continue
            compare_rows.append([labels[code][0], KIND_LABELS[labels[code][1]], now, before,
                                 _pct(change(now, before)), year_ago,
                                 _pct(change(now, year_ago))])
        for key, label in (("incident", "Summa händelser"), ("otrygghet", "Summa otrygghet"),
                           ("all", "Totalt")):
            now, before, year_ago = out[(key, "tot")], out[(key, "prev")], out[(key, "ly")]
            compare_rows.append([label, "", now, before, _pct(change(now, before)), year_ago,
                                 _pct(change(now, year_ago))])
        compare_table = Table(
            "compare", "Jämförelse med föregående period och samma period i fjol",
            ["Kategori", "Typ", "Perioden", "Föregående period", "Förändring",
             "Samma period i fjol", "Förändring i fjol"], compare_rows,
            note=(f"Föregående period: {prev_first:%Y-%m-%d} – "
                  f"{self.start - timedelta(days=1):%Y-%m-%d}. Samma period i fjol: "
                  f"{last_year(self.start):%Y-%m-%d} – {last_year(self.end):%Y-%m-%d}."))
        self.facts.previous_total = out[("all", "prev")]
        self.facts.last_year_total = out[("all", "ly")]
        incident_codes = [c for c in order if labels[c][1] == "incident"]
        ranked = sorted(incident_codes, key=lambda c: -cells[(c, "tot")])
        self.facts.top_categories = [
            {"code": c, "label": labels[c][0], "count": out[(c, "tot")]}
            for c in ranked[:3] if number(out[(c, "tot")])
        ]
        growing = []
        for c in order:
            pct = change(out[(c, "tot")], out[(c, "prev")])
            if pct is not None and pct >= 20:
                growing.append({"code": c, "label": labels[c][0], "kind": labels[c][1],
                                "count": out[(c, "tot")], "previous": out[(c, "prev")],
                                "change_pct": pct})
        self.facts.growing_categories = sorted(growing, key=lambda g: -g["change_pct"])[:3]

        top = [c for c in order if cells[(c, "tot")] or cells[(c, "prev")]][:12]
        chart_cat = charts.compare_categories(
            [labels[c][0] for c in top], [out[(c, "tot")] for c in top],
            [out[(c, "prev")] for c in top], [out[(c, "ly")] for c in top], k)
        chart_month = charts.monthly_by_kind(
            month_labels,
            {kind: [out[(kind, j)] for j in range(len(months))]
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

    def _hotspots(self) -> Section:
        from est.services.hotspots import get_or_detect

        k = self.k
        lo, hi = self._window(self.start, self.end)
        section = Section("hotspots", "Hot spots")
        run = None
        for weeks in (12, 0):  # fall back to no classes when the baseline cannot be used
            try:
                run = get_or_detect(self.s, area_code=self.area.code if self.area.kind ==
                                    "municipality" else None, start=lo, end=hi,
                                    baseline_weeks=weeks, crs=self.crs, tz=str(self.zone))
                break
            except ValidationError as exc:
                message = str(exc)
        if run is None:
            section.paragraphs.append(f"Inga hot spots kunde beräknas: {message}")
            return section
        shown = [h for h in run.hotspots if h.count >= k][:MAX_HOTSPOTS]
        left_out = len(run.hotspots) - len(shown)
        rows: list[TableRow] = []
        districts = self._districts()
        for h in shown:
            poly = to_shape(h.polygon)
            place = _district_of(districts, poly.representative_point()) or self.area.name
            by_cat = {self._label(code): n for code, n in
                      (h.counts.get("by_category") or {}).items()}
            cat_cells: dict[BreakdownKey, int] = {
                **{("c", lab): n for lab, n in by_cat.items()}, "tot": h.count}
            cat_out = suppress(cat_cells, [("tot", [("c", lab) for lab in by_cat])], k)
            top = sorted(by_cat, key=lambda lab: -by_cat[lab])[:3]
            top_text = ", ".join(f"{lab} {fmt(cat_out[('c', lab)], k)}" for lab in top)
            weekly = self._weekly_classes(poly, lo, hi)
            weekly_text = ", ".join(f"{CLASS_LABELS.get(c, c)} {n}" for c, n in
                                    weekly.most_common()) or "–"
            name = f"Hot spot {h.rank}, {place}"
            rows.append([h.rank, place, CLASS_LABELS.get(h.klass, h.klass), h.count,
                         f"{h.area_m2 / 10_000:.2f}", top_text, weekly_text])
            props = {
                "layer": "hotspot", "name": name, "rank": h.rank, "class": h.klass,
                "class_sv": CLASS_LABELS.get(h.klass, h.klass), "count": h.count,
                "area_ha": round(h.area_m2 / 10_000, 2),
                "by_category": {lab: _published(cat_out[("c", lab)], k) for lab in by_cat},
                "weekly_classes": dict(weekly), "lineage_id": str(h.lineage_id),
                "busiest_weekdays": h.profile.get("busiest_weekdays", []),
                "busiest_hours": h.profile.get("busiest_hours", []),
            }
            self.hotspot_features.append({"type": "Feature", "geometry": mapping(poly),
                                          "properties": props})
            self.facts.hotspots.append({
                "rank": h.rank, "name": name, "place": place, "class": h.klass,
                "count": h.count, "top": top_text, "lineage_id": str(h.lineage_id),
                "geometry": mapping(poly), "categories": top,
            })
        section.paragraphs.append(
            f"Hot spots är avgränsade platser med tydligt fler rapporter än omgivningen "
            f"(metod {run.method}, beräknad på perioden och jämförd med "
            f"{run.baseline_weeks} veckor före). Klassen anger utvecklingen; "
            "”veckans klasser” räknar klasserna i de veckovisa EST-genomgångarna under "
            "perioden på samma plats.")
        if left_out:
            section.paragraphs.append(f"{left_out} hot spots med färre än {k} rapporter eller "
                                      "lägre rang visas inte.")
        if not shown:
            section.paragraphs.append("Inga hot spots under perioden.")
            return section
        section.tables.append(Table(
            "hotspots", "Hot spots under perioden",
            ["Rang", "Område", "Klass", "Rapporter", "Yta (ha)", "Vanligaste kategorier",
             "Veckans klasser"], rows))
        district_features = [{"geometry": json.loads(g)} for _, g in districts]
        section.charts.append(Chart(
            "chart_hotspot_map", "Karta över hot spots",
            charts.hotspot_map(self._outline(), district_features, self.hotspot_features),
            "Karta med hot spot-områden numrerade efter rang"))
        return section

    def _otrygghet(self) -> Section:
        k = self.k
        cell = float(self.cell_m)
        x = func.floor(func.ST_X(func.ST_Transform(Report.geom, self.crs)) / cell)
        y = func.floor(func.ST_Y(func.ST_Transform(Report.geom, self.crs)) / cell)
        stmt = (select(Report.id, x, y, Category.label_sv)
                .join(Category, Category.id == Report.category_id)
                .where(self._where(self.start, self.end), Report.kind == "otrygghet"))
        reports = self.s.execute(stmt).all()
        ids = [r[0] for r in reports]
        reasons: dict[uuid.UUID, list[str]] = defaultdict(list)
        if ids:
            rr = self.s.execute(
                select(report_reason.c.report_id, Category.label_sv)
                .join(Category, Category.id == report_reason.c.category_id)
                .where(report_reason.c.report_id.in_(ids)))
            for rid, label in rr:
                reasons[rid].append(label)
        by_reason: Counter = Counter()
        by_cell: dict[tuple, Counter] = defaultdict(Counter)
        cell_n: Counter = Counter()
        for rid, cx, cy, label in reports:
            labs = reasons.get(rid) or [label]
            by_reason.update(labs)
            by_cell[(cx, cy)].update(labs)
            cell_n[(cx, cy)] += 1
        section = Section("otrygghet", "Otrygga platser och skäl")
        n = len(reports)
        section.paragraphs.append(
            f"{fmt(protect(n, k), k)} rapporter om otrygga platser. En rapport kan ange flera "
            f"skäl. Platserna är rutor på {self.cell_m} × {self.cell_m} m; rutor med färre än "
            f"{k} rapporter redovisas bara sammanslagna.")
        reason_labels = [lab for lab, _ in by_reason.most_common()]
        cells: dict[BreakdownKey, int] = {
            **{("r", lab): by_reason[lab] for lab in reason_labels}, "tot": n}
        # Conservative: treat the reasons as if they summed to the number of reports.
        out = suppress(cells, [("tot", [("r", lab) for lab in reason_labels])], k)
        self.facts.otrygghet_reasons = [{"label": lab, "count": out[("r", lab)]}
                                        for lab in reason_labels]
        if reason_labels:
            section.tables.append(Table("otrygghet_reasons", "Skäl till otrygghet",
                                        ["Skäl", "Rapporter"],
                                        [[lab, out[("r", lab)]] for lab in reason_labels]))
            section.charts.append(Chart(
                "chart_reasons", "Skäl till otrygghet",
                charts.bars(reason_labels, [out[("r", lab)] for lab in reason_labels], k),
                "Staplar per skäl till otrygghet"))
        big = [c for c, m in cell_n.most_common() if m >= k]
        small = [c for c in cell_n if cell_n[c] < k]
        districts = self._districts()
        rows: list[TableRow] = []
        for i, c in enumerate(big[:MAX_PLACES], start=1):
            geom = self._cell_geojson(*c)
            from shapely.geometry import shape

            place = _district_of(districts, shape(geom).centroid) or self.area.name
            rc = by_cell[c]
            rcells: dict[BreakdownKey, int] = {
                **{("r", lab): m for lab, m in rc.items()}, "tot": cell_n[c]}
            rout = suppress(rcells, [("tot", [("r", lab) for lab in rc])], k)
            top = ", ".join(f"{lab} {fmt(rout[('r', lab)], k)}"
                            for lab, _ in rc.most_common(3))
            rows.append([f"Plats {i}", place, cell_n[c], top])
            self.facts.otrygghet_places.append({"name": f"Plats {i}, {place}", "place": place,
                                                "count": cell_n[c], "reasons": top,
                                                "geometry": geom})
            self.features.append({"type": "Feature", "geometry": geom, "properties": {
                "layer": "otrygghet_place", "name": f"Plats {i}", "district": place,
                "count": cell_n[c], "reasons": {lab: _published(rout[("r", lab)], k)
                                                for lab in rc},
            }})
        rest = sum(cell_n[c] for c in big[MAX_PLACES:]) + sum(cell_n[c] for c in small)
        if rest:
            rows.append([f"Övriga platser ({len(big[MAX_PLACES:]) + len(small)} rutor)", "",
                         protect(rest, k), ""])
        if rows:
            section.tables.append(Table("otrygghet_places", "Otrygga platser",
                                        ["Plats", "Område", "Rapporter", "Vanligaste skäl"],
                                        rows))
        return section

    def _when(self, rows) -> Section:
        exact = [r for r in rows if r.time_precision == "exact"]
        matrix = [[0] * len(HOUR_BINS) for _ in WEEKDAYS]
        for r in exact:
            local = r.occurred_at.astimezone(self.zone)
            matrix[local.weekday()][local.hour // 3] += 1
        body, row_tot, col_tot, total = suppress_matrix(matrix, self.k)
        table_rows: list[TableRow] = [[WEEKDAYS[i], *body[i], row_tot[i]] for i in range(7)]
        table_rows.append(["Summa", *col_tot, total])
        return Section(
            "when", "När: veckodag och tid på dygnet",
            [f"Rapporter med exakt tidpunkt ({fmt(total, self.k)} st), lokal tid, per veckodag "
             "och tretimmarsintervall."],
            [Table("weekday_hour", "Veckodag × tid på dygnet", ["Veckodag", *HOUR_BINS, "Summa"],
                   table_rows)],
            [Chart("chart_weekday_hour", "Veckodag × tid på dygnet",
                   charts.weekday_hour(body, WEEKDAYS, HOUR_BINS, self.k),
                   "Värmekarta över veckodag och tid på dygnet")])

    def _sources(self, rows) -> Section:
        def source_of(r) -> str:
            if r.source == "organisation":
                return r.name or "Organisation (okänd)"
            return SOURCE_LABELS.get(r.source, r.source)

        by_cat = Counter(r.label_sv for r in rows)
        top = [lab for lab, _ in by_cat.most_common(TOP_CATEGORIES_IN_SOURCES)]
        cols = [*top, "Övriga kategorier"] if len(by_cat) > len(top) else top
        sources = sorted({source_of(r) for r in rows})
        matrix = [[0] * len(cols) for _ in sources]
        for r in rows:
            j = cols.index(r.label_sv) if r.label_sv in top else len(cols) - 1
            matrix[sources.index(source_of(r))][j] += 1
        body, row_tot, col_tot, total = suppress_matrix(matrix, self.k) if sources else \
            ([], [], [], 0)
        table_rows: list[TableRow] = [[src, *body[i], row_tot[i]]
                                      for i, src in enumerate(sources)]
        if sources:
            table_rows.append(["Summa", *col_tot, total])
        return Section(
            "sources", "Vem rapporterar vad",
            ["Rapporter per avsändare (organisation eller allmänheten) och kategori."],
            [Table("sources", "Avsändare × kategori", ["Avsändare", *cols, "Summa"],
                   table_rows)])

    def _actions(self) -> Section:
        from est.services.actions import STATUS_LABELS, follow_up, list_actions

        k = self.k
        section = Section("actions", "Åtgärder och effekt")
        actions = list_actions(self.s, self._municipality_id(),
                               active_between=(self.start, self.end))
        as_of = min(self.today, self.end + timedelta(days=1))
        rows: list[TableRow] = []
        for a in actions:
            fu = follow_up(self.s, a, today=as_of, tz=str(self.zone))
            before, after = protect(fu.before, k), protect(fu.after, k)
            if fu.measurable and number(before) is not None and number(after) is not None:
                effect = _pct(round(fu.change_pct)) if fu.change_pct is not None else None
            else:
                effect = None
            target = a.place_name or (a.category.label_sv if a.category else "Hot spot")
            rows.append([a.title, target, a.organisation.name, STATUS_LABELS.get(a.status,
                         a.status), a.starts_on.isoformat(), fu.weeks, before, after, effect])
        section.paragraphs.append(
            "Åtgärder beslutade i EST-gruppen som pågått under perioden, med antal rapporter "
            "på platsen (eller i kategorin) lika många hela veckor före och efter start. "
            "Åtgärdernas beskrivningar, kontaktpersoner och utfallsanteckningar är fritext "
            "och ingår inte i exporten.")
        if rows:
            section.tables.append(Table(
                "actions", "Åtgärder", ["Åtgärd", "Plats/kategori", "Ansvarig", "Status",
                                        "Start", "Veckor", "Före", "Efter", "Förändring"],
                rows))
        else:
            section.paragraphs.append("Inga åtgärder under perioden.")
        return section

    def _quality(self, rows) -> Section:
        k = self.k
        n = len(rows)
        not_exact = sum(r.time_precision != "exact" for r in rows)
        dup = self.s.scalar(select(func.count(Report.id)).where(
            self._where(self.start, self.end, counted=False),
            Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_not(None))) or 0
        pending = self.s.scalar(select(func.count(Report.id)).where(
            self._where(self.start, self.end, counted=False), Report.status == "pending")) or 0
        rejected = self.s.scalar(select(func.count(Report.id)).where(
            self._where(self.start, self.end, counted=False), Report.status == "rejected")) or 0
        share = (f"{round(100 * not_exact / n)} %" if n >= k else fmt(SMALL, k)) if n else "–"
        rows_: list[TableRow] = [
            ["Rapporter som räknas", protect(n, k)],
            ["Andel utan exakt tidpunkt (tidsfönster eller okänd)", share],
            ["Dubbletter borttagna", protect(dup, k)],
            ["Väntar på granskning (räknas inte)", protect(pending, k)],
            ["Avvisade (räknas inte)", protect(rejected, k)],
        ]
        return Section("quality", "Datakvalitet",
                       ["Rapporter utan exakt tidpunkt ingår i månadstabellerna men inte i "
                        "veckodag × tid."],
                       [Table("quality", "Datakvalitet", ["Mått", "Värde"], rows_)])

    def _followup(self) -> Section:
        from est.promises.indicators import followup_tables

        section = Section("followup", "Uppföljning av medborgarlöften")
        tables, paragraphs = followup_tables(self.s, self._municipality_id(), self.start,
                                             self.end, k=self.k,
                                             tz=str(self.zone), today=self.today)
        section.tables += tables
        section.paragraphs += paragraphs or ["Inga medborgarlöften att följa upp för perioden."]
        return section

    def _privacy(self) -> Section:
        k = self.k
        return Section("privacy", "Om uppgifterna", [
            f"Exporten innehåller bara sammanräknade antal och hot spot-områden. Antal mellan 1 "
            f"och {k - 1} visas som ”<{k}”; ”..” betyder att ett värde dolts för att ett annat "
            "litet värde inte ska kunna räknas fram. Kontaktuppgifter, fritext och enskilda "
            "rapporters platser ingår aldrig. Geografiska rutor och hot spots med färre än "
            f"{k} rapporter redovisas inte."])

    # -- geometry helpers ------------------------------------------------------------------

    def _municipality_id(self) -> int:
        """Return the id of the area's municipality (the area itself or a district's parent)."""
        if self.area.kind == "municipality":
            return self.area.id
        if self.area.parent_id is None:
            raise ValueError(f"district {self.area.code} belongs to no municipality")
        return self.area.parent_id

    def _districts(self) -> list[tuple[str, str]]:
        parent = self.area.id if self.area.kind == "municipality" else self.area.parent_id
        return list(self.s.execute(select(Area.name, func.ST_AsGeoJSON(Area.geom, 6))
                                   .where(Area.parent_id == parent, Area.kind == "district")
                                   .order_by(Area.code)).all())

    def _outline(self) -> dict:
        geojson = self.s.scalar(select(func.ST_AsGeoJSON(Area.geom, 6))
                                .where(Area.id == self.area.id))
        if geojson is None:
            raise ValueError(f"area {self.area.code} has no outline")
        return json.loads(geojson)

    def _cell_geojson(self, cx: float, cy: float) -> dict:
        c = float(self.cell_m)
        g = self.s.scalar(text(
            "SELECT ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(:x0, :y0, :x1, :y1, :crs), 4326), 6)"
        ), {"x0": cx * c, "y0": cy * c, "x1": (cx + 1) * c, "y1": (cy + 1) * c, "crs": self.crs})
        return json.loads(g)

    def _weekly_classes(self, poly, lo: datetime, hi: datetime) -> Counter:
        from geoalchemy2.shape import from_shape

        from est.models.hotspots import Hotspot, HotspotRun

        stmt = (select(Hotspot.klass).join(HotspotRun, HotspotRun.id == Hotspot.run_id)
                .where(HotspotRun.area_id == self.area.id, HotspotRun.window_start >= lo,
                       HotspotRun.window_end <= hi,
                       HotspotRun.window_end - HotspotRun.window_start <= timedelta(days=8),
                       func.ST_Intersects(Hotspot.polygon, from_shape(poly, srid=4326))))
        return Counter(c for c in self.s.scalars(stmt) if c)

    def _label(self, code: str) -> str:
        if not hasattr(self, "_labels"):
            self._labels = dict(self.s.execute(select(Category.code, Category.label_sv)).all())
        return self._labels.get(code, code)

    def _grid(self) -> int:
        """Add incident count cells with at least ``k`` reports; return how many were left out."""
        k = self.k
        lo, hi = self._window(self.start, self.end)
        area_cond = ("r.area_id = :area_id" if self.area.kind == "municipality"
                     else "ST_Intersects(r.geom, (SELECT geom FROM area WHERE id = :area_id))")
        sql = text(f"""
            WITH pts AS (
                SELECT r.kind, ST_Transform(r.geom, :crs) AS g FROM report r
                WHERE {area_cond} AND r.occurred_at >= :lo AND r.occurred_at < :hi
                  AND r.status = ANY(:statuses) AND r.duplicate_of IS NULL
            ), cells AS (
                SELECT floor(ST_X(g) / :cell) AS cx, floor(ST_Y(g) / :cell) AS cy,
                       count(*) AS n, 0 AS otr
                FROM pts WHERE kind = 'incident' GROUP BY 1, 2
            )
            SELECT n, otr, CASE WHEN n >= :k THEN ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(
                       cx * :cell, cy * :cell, (cx + 1) * :cell, (cy + 1) * :cell, :crs),
                       4326), 6) END AS geojson
            FROM cells ORDER BY n DESC, cx, cy
        """)
        rows = self.s.execute(sql, {"area_id": self.area.id, "lo": lo, "hi": hi, "crs": self.crs,
                                    "statuses": list(COUNTED_STATUSES),
                                    "cell": float(self.cell_m), "k": k}).all()
        left_out = 0
        for n, _otr, geojson in rows:
            if n < k:
                left_out += 1
                continue
            # Incidents only: otrygghet cells are the separate "otrygghet_place" layer, so no
            # published difference can reveal a small count.
            self.features.append({"type": "Feature", "geometry": json.loads(geojson),
                                  "properties": {"layer": "count_cell", "kind": "incident",
                                                 "cell_m": self.cell_m, "count": n}})
        return left_out


def _district_of(districts: list[tuple[str, str]], point) -> str | None:
    from shapely.geometry import shape

    for name, geojson in districts:
        if shape(json.loads(geojson)).contains(point):
            return name
    return None


def _published(value: Value, k: int) -> int | str:
    """Return a count as published in GeoJSON: the number, or its hidden label."""
    return value if isinstance(value, int) else value.label(k)


def _pct(value: int | None) -> str | None:
    if value is None:
        return None
    return f"{value:+d} %" if value else "±0 %"


__all__ = ["build_lagesbild", "parse_period", "resolve_area", "DEFAULT_MIN_CELL", "Hidden"]
