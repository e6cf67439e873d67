"""Lägesbild sections about places: hot spots, otrygga platser and the count grid."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import mapping, shape
from sqlalchemy import func, select, text

from est import format as sv
from est.errors import ValidationError
from est.lagesbild import charts
from est.lagesbild.context import Context, published
from est.lagesbild.model import Chart, Section, Table, TableRow
from est.lagesbild.naming import place_names
from est.lagesbild.suppress import fmt
from est.models import Category, Report, report_reason
from est.models.hotspots import CLASS_LABELS, Hotspot, HotspotRun
from est.queries import COUNTED_STATUSES

HOTSPOT_TITLE = "Hot spots (brännpunkter)"
MAX_HOTSPOTS = 10
MAX_PLACES = 8
# A cell of a per-place breakdown: ("c" or "r", label) per category or reason, or "tot".
BreakdownKey = tuple[str, str] | str


def skipped_hotspots() -> Section:
    """Return the hot spot section of an export built without detection."""
    return Section("hotspots", HOTSPOT_TITLE, ["Hot spots beräknades inte för den här exporten."])


def hotspots(ctx: Context) -> Section:
    """Return the period's hot spots (polygons with at least k reports), ranked."""
    from est.services.hotspots import get_or_detect

    k = ctx.k
    lo, hi = ctx.window(ctx.start, ctx.end)
    section = Section("hotspots", HOTSPOT_TITLE)
    run, message = None, ""
    for weeks in (12, 0):  # fall back to no classes when the baseline cannot be used
        try:
            run = get_or_detect(ctx.s, area_code=ctx.area.code if ctx.area.kind ==
                                "municipality" else None, start=lo, end=hi,
                                baseline_weeks=weeks, crs=ctx.crs, tz=str(ctx.zone))
            break
        except ValidationError as exc:
            message = str(exc)
    if run is None:
        section.paragraphs.append(f"Inga hot spots kunde beräknas: {message}")
        return section
    shown = [h for h in run.hotspots if h.count >= k][:MAX_HOTSPOTS]
    left_out = len(run.hotspots) - len(shown)
    rows: list[TableRow] = []
    polys = [to_shape(h.polygon) for h in shown]
    names = place_names(ctx, [(h.lineage_id, p) for h, p in zip(shown, polys, strict=True)])
    for h, poly, place in zip(shown, polys, names, strict=True):
        by_cat = {ctx.label(code): n for code, n in
                  (h.counts.get("by_category") or {}).items()}
        cat_cells: dict[BreakdownKey, int] = {
            **{("c", lab): n for lab, n in by_cat.items()}, "tot": h.count}
        cat_out = ctx.suppress(cat_cells, [("tot", [("c", lab) for lab in by_cat])])
        top = sorted(by_cat, key=lambda lab: -by_cat[lab])[:3]
        top_text = ", ".join(f"{lab} {fmt(cat_out[('c', lab)], k)}" for lab in top)
        weekly = _weekly_classes(ctx, poly, lo, hi)
        weekly_text = ", ".join(f"{CLASS_LABELS.get(c, c)} {n}" for c, n in
                                weekly.most_common()) or "–"
        name = place
        area_ha = round(h.area_m2 / 10_000, 2)
        rows.append([h.rank, place, CLASS_LABELS.get(h.klass, h.klass), h.count, area_ha,
                     top_text, weekly_text])
        props = {
            "layer": "hotspot", "name": name, "rank": h.rank, "class": h.klass,
            "class_sv": CLASS_LABELS.get(h.klass, h.klass), "count": h.count,
            "area_ha": area_ha,
            "by_category": {lab: published(cat_out[("c", lab)], k) for lab in by_cat},
            "weekly_classes": dict(weekly), "lineage_id": str(h.lineage_id),
            "busiest_weekdays": h.profile.get("busiest_weekdays", []),
            "busiest_hours": h.profile.get("busiest_hours", []),
        }
        ctx.hotspot_features.append({"type": "Feature", "geometry": mapping(poly),
                                     "properties": props})
        ctx.facts.hotspots.append({
            "rank": h.rank, "name": name, "place": place, "class": h.klass,
            "count": h.count, "top": top_text, "lineage_id": str(h.lineage_id),
            "geometry": mapping(poly), "categories": top,
        })
    section.paragraphs.append(
        f"Hot spots (brännpunkter) är avgränsade platser med tydligt fler rapporter än "
        f"omgivningen (metod {run.method}, beräknad på perioden och jämförd med "
        f"{sv.number(run.baseline_weeks)} veckor före). Klassen anger utvecklingen; "
        "”veckans klasser” räknar klasserna i de veckovisa EST-genomgångarna under "
        "perioden på samma plats.")
    if left_out:
        section.paragraphs.append(f"{sv.number(left_out)} hot spots med färre än {k} rapporter "
                                  "eller lägre rang visas inte.")
    if not shown:
        section.paragraphs.append("Inga hot spots under perioden.")
        return section
    section.tables.append(Table(
        "hotspots", "Hot spots (brännpunkter) under perioden",
        ["Rang", "Plats", "Klass", "Rapporter", "Yta (ha)", "Vanligaste kategorier",
         "Veckans klasser"], rows))
    district_features = [{"geometry": json.loads(g)} for _, g in ctx.districts()]
    section.charts.append(Chart(
        "chart_hotspot_map", "Karta över hot spots (brännpunkter)",
        charts.hotspot_map(ctx.outline(), district_features, ctx.hotspot_features),
        "Karta med hot spot-områden numrerade efter rang"))
    return section


def _weekly_classes(ctx: Context, poly, lo: datetime, hi: datetime) -> Counter:
    stmt = (select(Hotspot.klass).join(HotspotRun, HotspotRun.id == Hotspot.run_id)
            .where(HotspotRun.area_id == ctx.area.id, HotspotRun.window_start >= lo,
                   HotspotRun.window_end <= hi,
                   HotspotRun.window_end - HotspotRun.window_start <= timedelta(days=8),
                   func.ST_Intersects(Hotspot.polygon, from_shape(poly, srid=4326))))
    return Counter(c for c in ctx.s.scalars(stmt) if c)


def otrygghet(ctx: Context) -> Section:
    """Return otrygghet reasons and the places (grid cells with at least k reports)."""
    k = ctx.k
    cell = float(ctx.cell_m)
    x = func.floor(func.ST_X(func.ST_Transform(Report.geom, ctx.crs)) / cell)
    y = func.floor(func.ST_Y(func.ST_Transform(Report.geom, ctx.crs)) / cell)
    stmt = (select(Report.id, x, y, Category.label_sv)
            .join(Category, Category.id == Report.category_id)
            .where(ctx.where(ctx.start, ctx.end), Report.kind == "otrygghet"))
    reports = ctx.s.execute(stmt).all()
    ids = [r[0] for r in reports]
    reasons: dict[uuid.UUID, list[str]] = defaultdict(list)
    if ids:
        rr = ctx.s.execute(
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
    section.paragraphs.append(
        f"{fmt(ctx.protect(len(reports)), k)} rapporter om otrygga platser. En rapport kan "
        f"ange flera skäl. Platserna är rutor på {sv.number(ctx.cell_m)} × "
        f"{sv.number(ctx.cell_m)} m; rutor med färre än {k} rapporter redovisas bara "
        "sammanslagna.")
    reason_labels = [lab for lab, _ in by_reason.most_common()]
    cells: dict[BreakdownKey, int] = {
        **{("r", lab): by_reason[lab] for lab in reason_labels}, "tot": len(reports)}
    # Conservative: treat the reasons as if they summed to the number of reports.
    out = ctx.suppress(cells, [("tot", [("r", lab) for lab in reason_labels])])
    ctx.facts.otrygghet_reasons = [{"label": lab, "count": out[("r", lab)]}
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
    rows: list[TableRow] = []
    geoms = [ctx.cell_geojson(*c) for c in big[:MAX_PLACES]]
    names = place_names(ctx, [(None, shape(g)) for g in geoms])
    for c, geom, place in zip(big[:MAX_PLACES], geoms, names, strict=True):
        rc = by_cell[c]
        rcells: dict[BreakdownKey, int] = {
            **{("r", lab): m for lab, m in rc.items()}, "tot": cell_n[c]}
        rout = ctx.suppress(rcells, [("tot", [("r", lab) for lab in rc])])
        top = ", ".join(f"{lab} {fmt(rout[('r', lab)], k)}" for lab, _ in rc.most_common(3))
        rows.append([place, cell_n[c], top])
        ctx.facts.otrygghet_places.append({"name": place, "place": place,
                                           "count": cell_n[c], "reasons": top,
                                           "geometry": geom})
        ctx.features.append({"type": "Feature", "geometry": geom, "properties": {
            "layer": "otrygghet_place", "name": place,
            "count": cell_n[c], "reasons": {lab: published(rout[("r", lab)], k) for lab in rc},
        }})
    rest = sum(cell_n[c] for c in big[MAX_PLACES:]) + sum(cell_n[c] for c in small)
    if rest:
        n_rest = len(big[MAX_PLACES:]) + len(small)
        rows.append([f"Övriga platser ({sv.number(n_rest)} rutor)", ctx.protect(rest), ""])
    if rows:
        section.tables.append(Table("otrygghet_places", "Otrygga platser",
                                    ["Plats", "Rapporter", "Vanligaste skäl"], rows))
    return section


def grid(ctx: Context) -> int:
    """Add incident count cells with at least ``k`` reports; return how many were left out."""
    k = ctx.k
    lo, hi = ctx.window(ctx.start, ctx.end)
    area_cond = ("r.area_id = :area_id" if ctx.area.kind == "municipality"
                 else "ST_Intersects(r.geom, (SELECT geom FROM area WHERE id = :area_id))")
    sql = text(f"""
        WITH pts AS (
            SELECT r.kind, ST_Transform(r.geom, :crs) AS g FROM report r
            WHERE {area_cond} AND r.occurred_at >= :lo AND r.occurred_at < :hi
              AND r.status = ANY(:statuses) AND r.duplicate_of IS NULL
        ), cells AS (
            SELECT floor(ST_X(g) / :cell) AS cx, floor(ST_Y(g) / :cell) AS cy, count(*) AS n
            FROM pts WHERE kind = 'incident' GROUP BY 1, 2
        )
        SELECT n, CASE WHEN n >= :k THEN ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(
                   cx * :cell, cy * :cell, (cx + 1) * :cell, (cy + 1) * :cell, :crs),
                   4326), 6) END AS geojson
        FROM cells ORDER BY n DESC, cx, cy
    """)
    rows = ctx.s.execute(sql, {"area_id": ctx.area.id, "lo": lo, "hi": hi, "crs": ctx.crs,
                               "statuses": list(COUNTED_STATUSES), "cell": float(ctx.cell_m),
                               "k": k}).all()
    left_out = 0
    for n, geojson in rows:
        if n < k:
            left_out += 1
            continue
        # Incidents only: otrygghet cells are the separate "otrygghet_place" layer, so no
        # published difference can reveal a small count.
        ctx.features.append({"type": "Feature", "geometry": json.loads(geojson),
                             "properties": {"layer": "count_cell", "kind": "incident",
                                            "cell_m": ctx.cell_m, "count": n}})
    return left_out
