"""The åtgärdsplan and the yearly follow-up as documents (DOCX, PDF, XLSX, Markdown, HTML).

Both are :class:`est.lagesbild.render.Document` shapes (title, subtitle, sections, tables), so
the lägesbild's renderers print them: DOCX is A4 and editable, PDF goes through WeasyPrint,
XLSX through :mod:`est.exports` (no cell starts like a formula).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import format as sv
from est.lagesbild.model import Section, Table, TableRow
from est.models import Organisation
from est.models.plans import ActionPlan, PlanRow
from est.models.promises import Promise
from est.plans.findings import LINK_LABELS
from est.plans.status import COLOUR_SV, PlanStatus, RowStatus, plan_status
from est.promises.indicators import (
    INDICATOR_COLUMNS,
    IndicatorResult,
    compute_indicator,
    indicator_rows,
)

PLAN_COLUMNS = ["Nr", "Orsak (koppling till lägesbilden)", "Åtgärd (kopplade åtgärder)",
                "Operativt mål", "När", "Vem", "Uppföljning", "Gruppens anteckning"]
STATUS_SV = {"draft": "Utkast", "decided": "Beslutad", "closed": "Avslutad"}


@dataclass
class PlanDocument:
    """A renderable document (see :mod:`est.lagesbild.render`)."""

    title: str
    min_cell: int
    sections: list[Section]
    subtitle: str = ""


def _who(session: Session, row: PlanRow) -> str:
    org = session.get(Organisation, row.organisation_id) if row.organisation_id else None
    parts = [p for p in (org.name if org else None, row.contact_role) if p]
    return ", ".join(parts) or "ej angivet"


def colour_text(status: RowStatus) -> str:
    """Return "Grön" or "Röd (beräknad: Gul)" and the reasons, for a table cell."""
    shown = COLOUR_SV[status.colour]
    if status.overridden:
        shown += f" (gruppens bedömning; beräknad {COLOUR_SV[status.computed].lower()})"
    return f"{shown}. {' '.join(status.reasons)}"


def plan_rows(session: Session, status: PlanStatus) -> list[TableRow]:
    """Return the plan table: one line per row (Orsak → Åtgärd → mål → när → vem → status)."""
    promises = {p.id: p.title for p in session.scalars(select(Promise).where(
        Promise.area_id == status.plan.area_id))}
    out: list[TableRow] = []
    for rs in status.rows:
        row, cause = rs.row, rs.cause
        link = LINK_LABELS.get(cause.link_kind, cause.link_kind)
        if cause.link_label:
            link += f": {cause.link_label}"
        actions = "; ".join(f"{e.action.title} ({e.action.organisation.name})"
                            for e in rs.actions)
        kind = "löpande arbete" if row.regular_work else "engångsinsats"
        promise = promises.get(row.promise_id or 0)
        when = (f"{row.starts_on.isoformat() if row.starts_on else '–'} – "
                f"{row.due_on.isoformat() if row.due_on else '–'}")
        out.append([
            cause.number, f"{cause.text} ({link})",
            row.measure + (f" ({actions})" if actions else "") + f"; {kind}"
            + (f"; kommuniceras i {promise}" if promise else ""),
            f"{row.indicator}: {row.target}", when, _who(session, row), colour_text(rs),
            row.judgement_note or "",
        ])
    return out


def plan_document(session: Session, plan: ActionPlan, *, today: date, k: int = 5,
                  tz: str = "Europe/Stockholm") -> PlanDocument:
    """Return the åtgärdsplan as a document with its follow-up as of ``today``."""
    status = plan_status(session, plan, today=today, k=k, tz=tz)
    head = [f"Period {sv.period(plan.period_start, plan.period_end)}. "
            f"Status: {STATUS_SV.get(plan.status, plan.status).lower()}."]
    if plan.decided_by or plan.decided_on:
        head.append("Beslutad av " + (plan.decided_by or "ej angivet")
                    + (f" {plan.decided_on:%Y-%m-%d}" if plan.decided_on else "") + ".")
    head.append("Planen följer Brås mall: orsak (kopplad till lägesbilden) → åtgärd → "
                "operativt mål → när → vem → uppföljning (grön/gul/röd, beräknad ur "
                "åtgärdernas uppföljning och indikatorerna; gruppens bedömning går före).")
    counts = status.counts
    summary = (f"Grön {counts['green']}, gul {counts['yellow']}, röd {counts['red']} av "
               f"{len(status.rows)} rader per {today:%Y-%m-%d}.")
    sections = [
        Section("om", "Om planen", head),
        Section("plan", "Åtgärdsplan", [summary] if status.rows else ["Inga rader ännu."],
                [Table("plan", "Åtgärdsplan", PLAN_COLUMNS, plan_rows(session, status))]
                if status.rows else []),
    ]
    results = [r.result for r in status.rows if r.result is not None]
    if results:
        sections.append(Section("indikatorer", "Indikatorer", [
            "Varje indikator räknas över radens period (start–klart) och jämförs med lika lång "
            f"tid före. Antal under {k} visas inte."],
            [Table("indikatorer", "Indikatorer", INDICATOR_COLUMNS, indicator_rows(results, k))]))
    return PlanDocument(f"Åtgärdsplan: {plan.title}", k, sections,
                        f"Framtagen {today:%Y-%m-%d} med EST lägesbild.")


def indicator_colour(result: IndicatorResult) -> str:
    """Return green (fewer than before), red (more), yellow (same or not measurable).

    For the share of moderated reports, higher is better.
    """
    if result.change is None:
        return "yellow"
    better = result.change > 0 if result.kind == "share_public_moderated" else result.change < 0
    if result.change == 0:
        return "yellow"
    return "green" if better else "red"


def yearly_report(session: Session, area_id: int, year: int, *, today: date, k: int = 5,
                  tz: str = "Europe/Stockholm") -> PlanDocument:
    """Return "Uppföljning av medborgarlöften och åtgärdsplan <year>" for the area."""
    from est.models import Area
    from est.services.actions import follow_up

    area = session.get(Area, area_id)
    first, last = date(year, 1, 1), date(year, 12, 31)
    as_of = min(today, last + timedelta(days=1))
    sections = [Section("inledning", "Inledning", [
        f"Uppföljning av medborgarlöften och åtgärdsplan för {area.name if area else ''} "
        f"{year}, per {as_of - timedelta(days=1):%Y-%m-%d}. Indikatorerna räknas ur "
        "rapporterna i EST för löftesperioden (till och med uppföljningsdagen) och jämförs "
        f"med lika lång tid före. Antal under {k} visas inte. Grön: bättre än före; gul: "
        "oförändrat eller inte mätbart; röd: sämre."])]
    promises = list(session.scalars(select(Promise).where(
        Promise.area_id == area_id, Promise.period_start <= last, Promise.period_end >= first)
        .order_by(Promise.period_start, Promise.id)))
    if not promises:
        sections.append(Section("loften", "Medborgarlöften", [
            f"Inga medborgarlöften gällde under {year}."]))
    for p in promises:
        results = [r for ind in p.indicators
                   if (r := compute_indicator(session, p, ind, as_of=as_of, k=k, tz=tz))]
        rows = indicator_rows(results, k)
        for row, r in zip(rows, results, strict=True):
            row.append(COLOUR_SV[indicator_colour(r)])
        tables = [Table(f"indikatorer_{p.id}", f"Indikatorer: {p.title}",
                        [*INDICATOR_COLUMNS, "Status"], rows)] if rows else []
        actions: list[TableRow] = []
        from est.promises.indicators import linked_actions

        for a in linked_actions(session, p):
            fu = follow_up(session, a, today=as_of, tz=tz)
            actions.append([a.title, a.organisation.name, a.status, a.starts_on.isoformat(),
                            _count(fu.before, k) if fu.measurable else "–",
                            _count(fu.after, k) if fu.measurable else "–"])
        if actions:
            tables.append(Table(f"atgarder_{p.id}", f"Åtgärder: {p.title}",
                                ["Åtgärd", "Ansvarig", "Status", "Start", "Före", "Efter"],
                                actions))
        linked = list(session.scalars(select(PlanRow).where(PlanRow.promise_id == p.id)
                                      .order_by(PlanRow.id)))
        if linked:
            from est.plans.status import row_status

            commitments: list[TableRow] = []
            for plan_row in linked:
                rs = row_status(session, plan_row.cause.plan, plan_row.cause, plan_row,
                                today=as_of, k=k, tz=tz)
                r = rs.result
                commitments.append([plan_row.measure,
                                    f"{plan_row.indicator}: {plan_row.target}",
                                    _figure(r.now if r else None),
                                    _figure(r.before if r else None), colour_text(rs)])
            tables.insert(0, Table(f"loften_rader_{p.id}", f"Löftena i åtgärdsplanen: {p.title}",
                                   ["Åtgärd", "Operativt mål", "Under perioden", "Före",
                                    "Uppföljning"], commitments))
        sections.append(Section(f"loften_{p.id}", p.title, [
            f"Period {sv.period(p.period_start, p.period_end)}."],
            tables, bullets=[i.text for i in p.items]))
    plans = list(session.scalars(select(ActionPlan).where(
        ActionPlan.area_id == area_id, ActionPlan.period_start <= last,
        ActionPlan.period_end >= first).order_by(ActionPlan.period_start, ActionPlan.id)))
    if not plans:
        sections.append(Section("plan", "Åtgärdsplan", [f"Ingen åtgärdsplan för {year}."]))
    for plan in plans:
        status = plan_status(session, plan, today=as_of, k=k, tz=tz)
        c = status.counts
        sections.append(Section(f"plan_{plan.id}", f"Åtgärdsplan: {plan.title}", [
            f"Grön {c['green']}, gul {c['yellow']}, röd {c['red']} av {len(status.rows)} "
            "rader."],
            [Table(f"plan_{plan.id}", plan.title, PLAN_COLUMNS, plan_rows(session, status))]
            if status.rows else []))
    name = area.name if area else ""
    return PlanDocument(f"Uppföljning av medborgarlöften och åtgärdsplan {name} {year}", k,
                        sections, f"Framtagen {today:%Y-%m-%d} med EST lägesbild, för "
                        "kommunstyrelsen och polisen.")


def _figure(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return sv.number(value, 1)


def _count(n: int, k: int) -> int | str:
    return n if n == 0 or n >= k else f"<{k}"
