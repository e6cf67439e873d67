"""Medborgarlöften pages: draft from a lägesbild, save, edit, link actions, and follow up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from est import access
from est.errors import ValidationError
from est.lagesbild.builder import parse_period
from est.lagesbild.render import DOCUMENT_FORMATS, html_fragment, render
from est.promises.draft import draft_promise
from est.queries import area_by_code
from est.services import promises as service
from web.auth import current_actor, roles_required
from web.db import get_session
from web.guards import arg_date
from web.views.lagesbild import STAFF, build_from_request, download, min_cell, period_args

bp = Blueprint("promises", __name__)
MANAGERS = ("admin", "coordinator")


def _draft():
    lb = build_from_request()
    first = arg_date("start", lb.end + timedelta(days=1), source=request.values)
    assert first is not None
    try:
        year_later = first.replace(year=first.year + 1)
    except ValueError:  # 29 February
        year_later = first + timedelta(days=365)
    last = arg_date("end", year_later - timedelta(days=1), source=request.values)
    try:
        period_start, period_end = parse_period(first, last)
    except ValidationError as exc:
        raise ValidationError({"start" if k == "from" else "end": v
                               for k, v in exc.errors.items()}) from None
    from est.plans.library import list_patterns

    return draft_promise(lb, period_start=period_start, period_end=period_end,
                         patterns=list_patterns(get_session()))


def _today() -> date:
    return datetime.now(current_app.config["EST_SETTINGS"].tz).date()


@bp.get("/promises")
@roles_required(*STAFF)
def index():
    """List the area's promises and offer a new draft."""
    args = period_args()
    area = area_by_code(get_session(), args["area_code"])
    return render_template("promises/index.html", area=area, args=args,
                           promises=service.list_promises(get_session(), area.id))


@bp.get("/promises/draft")
@roles_required(*STAFF)
def draft():
    """Show a promise draft built from the lägesbild of ``from`` … ``to``."""
    d = _draft()
    return render_template("promises/draft.html", draft=d, body=html_fragment(d),
                           args=period_args(), period={"start": d.period_start.isoformat(),
                                                       "end": d.period_end.isoformat()},
                           formats=DOCUMENT_FORMATS)


@bp.get("/promises/draft.<fmt>")
@roles_required(*STAFF)
def draft_export(fmt: str):
    """Download the draft as docx, md, pdf or html."""
    if fmt not in DOCUMENT_FORMATS:
        raise ValidationError(f"Välj {', '.join(DOCUMENT_FORMATS)}.", field="format")
    d = _draft()
    return download(render(d, fmt), fmt, f"medborgarloften-{d.area_code}-{d.period_start}")


@bp.post("/promises")
@roles_required(*MANAGERS)
def create():
    """Save the draft as a promise (status draft) with its focus and indicators."""
    d = _draft()
    promise = service.create_from_draft(get_session(), d)
    return redirect(url_for("promises.show", promise_id=promise.id))


@bp.get("/promises/<int:promise_id>")
@roles_required(*STAFF)
def show(promise_id: int):
    """Follow up one promise: its text, indicators vs the baseline, actions and snapshots."""
    return _show(promise_id)


def _show(promise_id: int, errors: dict | None = None):
    session = get_session()
    promise = service.get_promise(session, promise_id)
    tz = current_app.config["EST_SETTINGS"].timezone
    today = _today()
    report = service.followup(session, promise, today=today, k=min_cell(), tz=tz)
    # The actions are listed by the page itself, with their effect and the unlink buttons.
    body = html_fragment(replace(report, sections=[s for s in report.sections
                                                   if s.key != "actions"]))
    manage = access.can(current_actor(), "promise.manage")
    return render_template(
        "promises/show.html", promise=promise, body=body, report=report, manage=manage,
        actions=service.linked_action_effects(session, promise, today=today, tz=tz),
        linkable=service.linkable_actions(session, promise) if manage else [],
        followups=service.list_followups(session, promise.id), errors=errors or {},
        ordered_sections=service.ordered_sections(promise),
        party_labels=service.PARTY_LABELS, notice=request.args.get("notice"),
        k=min_cell(), **_closing_the_loop(session, promise, report, today, tz)), \
        400 if errors else 200


def _closing_the_loop(session, promise, report, today: date, tz: str) -> dict:
    """Each indicator against its target with its colour and the reports behind it, and the
    åtgärdsplan rows that the promise communicates, with their follow-up."""
    from sqlalchemy import select

    from est.models import Category
    from est.models.plans import PlanRow
    from est.plans.document import indicator_colour
    from est.plans.status import COLOUR_SV, data_link, row_status
    from web.views.plans import COLOURS

    codes = {c.id: c.code for c in session.scalars(select(Category))}
    by_label = {ind.label: ind for ind in promise.indicators}
    indicators = []
    for r in report.results:
        ind = by_label.get(r.label)
        args = {"from": r.start.isoformat(), "to": r.end.isoformat()}
        if ind is not None and len(ind.category_ids or []) == 1:
            args["category"] = codes.get(int(ind.category_ids[0]))
        indicators.append({"result": r, "colour": indicator_colour(r), "args": args})
    rows = []
    for row in session.scalars(select(PlanRow).where(PlanRow.promise_id == promise.id)
                               .order_by(PlanRow.id)):
        rows.append(row_status(session, row.cause.plan, row.cause, row, today=today,
                               k=min_cell(), tz=tz))
    return {"loop_indicators": indicators, "plan_rows": rows, "colours": COLOURS,
            "colour_sv": COLOUR_SV, "data_link": data_link}


@bp.route("/promises/<int:promise_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(promise_id: int):
    """Edit a promise's texts, parties and commitments, and add or remove indicators."""
    session = get_session()
    promise = service.get_promise(session, promise_id)
    service.require_manage(current_actor(), promise)
    errors: dict = {}
    if request.method == "POST":
        data = _form_from_request(promise)
        try:
            service.update_promise(session, current_actor(), promise_id, data)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("promises.show", promise_id=promise_id, notice="saved"))
        promise = service.get_promise(session, promise_id)
    else:
        data = service.form_data(promise)
    return render_template("promises/edit.html", promise=promise, form=data, errors=errors,
                           **_edit_choices(promise)), 400 if errors else 200


def _form_from_request(promise) -> dict:
    form = request.form
    parties = []
    for i in range(min(_int(form.get("party_count")), 50)):
        parties.append({"id": form.get(f"party-{i}-id") or None,
                        "name": form.get(f"party-{i}-name", ""),
                        "kind": form.get(f"party-{i}-kind", ""),
                        "items": form.get(f"party-{i}-items", ""),
                        "remove": bool(form.get(f"party-{i}-remove"))})
    indicators = [{"id": ind_id, "label": form.get(f"indicator-{ind_id}-label", ""),
                   "target": form.get(f"indicator-{ind_id}-target", ""),
                   "category_ids": form.getlist(f"indicator-{ind_id}-categories"),
                   "days": form.get(f"indicator-{ind_id}-days", ""),
                   "remove": bool(form.get(f"indicator-{ind_id}-remove"))}
                  for ind_id in form.getlist("indicator_ids")]
    kinds = {str(i.id): i.kind for i in promise.indicators}
    for row in indicators:
        row["kind"] = kinds.get(str(row["id"]), "")
    return {
        "title": form.get("title", ""), "status": form.get("status", ""),
        "period_start": form.get("period_start", ""), "period_end": form.get("period_end", ""),
        "sections": {key: form.get(f"section-{key}", "")
                     for key in service.section_keys(promise) if f"section-{key}" in form},
        "parties": parties, "shared_items": form.get("shared_items", ""),
        "indicators": indicators,
        "new_indicator": {"kind": form.get("new-kind", ""), "label": form.get("new-label", ""),
                          "category_ids": form.getlist("new-categories"),
                          "place": form.get("new-place", "area"),
                          "days": form.get("new-days", ""), "target": form.get("new-target", "")},
    }


def _edit_choices(promise) -> dict:
    from est.models import Area
    from est.models.promises import INDICATOR_KINDS, PROMISE_STATUSES
    from est.review import CLASS_LABELS, districts
    from est.services.categories import list_categories
    from est.services.hotspots import latest_run, list_hotspots

    session = get_session()
    area = session.get(Area, promise.area_id)
    run = latest_run(session, area_code=area.code)
    district_list = districts(session, area.id)
    names = {d.id: d.name for d in district_list}
    places = {}
    for ind in promise.indicators:
        if ind.geom is not None:
            places[ind.id] = "hot spot" if ind.lineage_id else "utvald plats"
        elif ind.area_id and ind.area_id != promise.area_id:
            places[ind.id] = names.get(ind.area_id, "kommundel")
        else:
            places[ind.id] = f"hela {area.name}"
    return {
        "area": area, "categories": list_categories(session), "districts": district_list,
        "hotspots": [(h, CLASS_LABELS.get(h.klass, h.klass or "")) for h in
                     (list_hotspots(session, run.id) if run else [])],
        "run": run, "places": places, "statuses": PROMISE_STATUSES,
        "status_labels": {"draft": "Utkast", "adopted": "Antaget", "closed": "Avslutat"},
        "kinds": INDICATOR_KINDS, "kind_labels": KIND_LABELS,
        "party_kinds": service.PARTY_LABELS, "section_titles": service.EDITABLE_SECTIONS,
    }


KIND_LABELS = {"count_per_month": "Rapporter per månad (valda kategorier, på en plats)",
               "share_public_moderated": "Andel rapporter från allmänheten som inte längre "
                                         "väntar på granskning efter N dagar"}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@bp.post("/promises/<int:promise_id>/actions")
@roles_required(*MANAGERS)
def link_action(promise_id: int):
    """Link one of the area's actions to the promise."""
    try:
        service.link_action(get_session(), current_actor(), promise_id,
                            _int(request.form.get("action_id")))
    except ValidationError as exc:
        return _show(promise_id, errors=exc.errors)
    return redirect(url_for("promises.show", promise_id=promise_id, notice="linked")
                    + "#atgarder")


@bp.post("/promises/<int:promise_id>/actions/<int:action_id>/unlink")
@roles_required(*MANAGERS)
def unlink_action(promise_id: int, action_id: int):
    """Remove the link between an action and the promise."""
    try:
        service.unlink_action(get_session(), current_actor(), promise_id, action_id)
    except ValidationError as exc:
        return _show(promise_id, errors=exc.errors)
    return redirect(url_for("promises.show", promise_id=promise_id, notice="unlinked")
                    + "#atgarder")


@bp.post("/promises/<int:promise_id>/followups")
@roles_required(*MANAGERS)
def record_followup(promise_id: int):
    """Store a snapshot of every indicator as of today."""
    session = get_session()
    promise = service.get_promise(session, promise_id)
    service.require_manage(current_actor(), promise)
    service.record_followup(session, promise.id, today=_today(), k=min_cell(),
                            tz=current_app.config["EST_SETTINGS"].timezone)
    return redirect(url_for("promises.show", promise_id=promise_id, notice="recorded")
                    + "#uppfoljningar")


@bp.get("/promises/<int:promise_id>/followup.<fmt>")
@roles_required(*STAFF)
def followup_export(promise_id: int, fmt: str):
    """Download the follow-up as docx, md, pdf or html."""
    if fmt not in DOCUMENT_FORMATS:
        raise ValidationError(f"Välj {', '.join(DOCUMENT_FORMATS)}.", field="format")
    session = get_session()
    promise = service.get_promise(session, promise_id)
    report = service.followup(session, promise, today=_today(), k=min_cell(),
                              tz=current_app.config["EST_SETTINGS"].timezone)
    return download(render(report, fmt), fmt, f"uppfoljning-{promise.id}")
