"""Åtgärdsplan pages (``/atgardsplan``): the plan, its causes and rows, the BRÅ dashboard,
exports, promise drafts from the plan, the yearly follow-up and the activity library.

Reading needs ``review.view`` (``review`` or ``actions``), changes ``action.manage``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from est import access
from est.errors import ValidationError
from est.lagesbild.render import html_fragment
from est.models import Area
from est.models.plans import JUDGEMENTS, PLAN_STATUSES, LagesbildVersion
from est.models.promises import Promise
from est.plans import findings, library, service
from est.plans.document import STATUS_SV, plan_document, yearly_report
from est.plans.findings import LINK_LABELS
from est.plans.indicators import KIND_LABELS, KINDS
from est.plans.status import COLOUR_SV, data_link, plan_status
from est.promises.from_plan import draft_from_plan
from est.promises.layouts import DEFAULT_LAYOUT, LAYOUTS
from est.queries import area_by_code
from est.services.actions import list_actions
from web.auth import current_actor, permission_required
from web.db import get_session
from web.views.lagesbild import cache, download, min_cell
from web.views.tenancy import current_code

bp = Blueprint("plans", __name__)
COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}
EXPORTS = ("docx", "pdf", "xlsx", "md", "html")
FORM_FIELDS = ("measure", "indicator", "indicator_kind", "indicator_ref", "target",
               "target_value", "starts_on", "due_on", "organisation_id", "contact_role",
               "regular_work", "activity_pattern_id", "promise_id")


def _settings():
    return current_app.config["EST_SETTINGS"]


def _today() -> date:
    return datetime.now(_settings().tz).date()


def _area():
    return area_by_code(get_session(), current_code())


def _plan(plan_id: int):
    plan = service.get_plan(get_session(), plan_id)
    service.require_read(current_actor(), plan.area_id)
    return plan


def _basis(plan) -> tuple[date, date]:
    """The lägesbild a plan answers: its saved version's period, else the year before it."""
    return findings.plan_basis(get_session(), plan, _today())


def _lagesbild(plan):
    """The plan's saved lägesbild version as frozen, else the lägesbild of its basis (cached)."""
    saved = findings.saved_lagesbild(get_session(), plan)
    if saved is not None:
        return saved
    start, end = _basis(plan)
    area = get_session().get(Area, plan.area_id)
    s = _settings()
    return cache().build(get_session(), area_code=area.code, start=start, end=end,
                         min_cell=min_cell(), audience="internal", tz=s.timezone,
                         crs=s.projected_crs)


@bp.get("/atgardsplan")
@permission_required("review.view")
def index():
    """List the municipality's plans and offer a new one."""
    session, area = get_session(), _area()
    start, end = service.plan_period_default(_today())
    return render_template("plans/index.html", area=area, plans=service.list_plans(
        session, area.id), errors={}, form={"period_start": start, "period_end": end},
        versions=_versions(area.id), year=_today().year,
        manage=access.can(current_actor(), "action.manage"))


def _versions(area_id: int):
    return list(get_session().scalars(select(LagesbildVersion).where(
        LagesbildVersion.area_id == area_id).order_by(LagesbildVersion.number.desc())))


@bp.post("/atgardsplan")
@permission_required("action.manage")
def create():
    """Create a plan for a period."""
    session, area = get_session(), _area()
    try:
        plan = service.create_plan(session, current_actor(), area.id, request.form.to_dict())
    except ValidationError as exc:
        return render_template("plans/index.html", area=area, plans=service.list_plans(
            session, area.id), errors=exc.errors, form=request.form, year=_today().year,
            versions=_versions(area.id), manage=True), 400
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.get("/atgardsplan/<int:plan_id>")
@permission_required("review.view")
def show(plan_id: int):
    """The plan: causes with their rows and follow-up, and the forms to extend it."""
    return _show(plan_id)


def _show(plan_id: int, errors: dict | None = None, form: dict | None = None,
          anchor: str | None = None):
    session = get_session()
    plan = _plan(plan_id)
    manage = access.can(current_actor(), "action.manage")
    status = plan_status(session, plan, today=_today(), k=min_cell(),
                         tz=_settings().timezone)
    choices: list = []
    if manage:
        basis = _basis(plan)
        choices = findings.lagesbild_findings(_lagesbild(plan)) + findings.input_findings(
            session, plan.area_id, *basis, tz=_settings().timezone)
    return render_template(
        "plans/show.html", plan=plan, status=status, manage=manage, errors=errors or {},
        form=form or MultiDict(), anchor=anchor, choices=choices, basis=_basis(plan),
        link_labels=LINK_LABELS, colours=COLOURS, colour_sv=COLOUR_SV, judgements=JUDGEMENTS,
        kinds=KINDS, kind_labels=KIND_LABELS, statuses=PLAN_STATUSES, status_sv=STATUS_SV,
        patterns=library.list_patterns(session), versions=_versions(plan.area_id),
        organisations=service.organisations(session, plan.area_id),
        actions=list_actions(session, plan.area_id) if manage else [],
        promises=list(session.scalars(select(Promise).where(Promise.area_id == plan.area_id)))
        if manage else [], data_link=data_link, layouts=LAYOUTS,
        exports=EXPORTS), 400 if errors else 200


def _post(plan_id: int, anchor: str, call):
    try:
        call()
    except ValidationError as exc:
        return _show(plan_id, errors=exc.errors, form=request.form, anchor=anchor)
    return redirect(url_for("plans.show", plan_id=plan_id) + f"#{anchor}")


@bp.post("/atgardsplan/<int:plan_id>")
@permission_required("action.manage")
def update(plan_id: int):
    """Change the plan's head (title, period, status, decision, lägesbild version)."""
    return _post(plan_id, "planen", lambda: service.update_plan(
        get_session(), current_actor(), plan_id, request.form.to_dict()))


@bp.post("/atgardsplan/<int:plan_id>/orsaker")
@permission_required("action.manage")
def add_cause(plan_id: int):
    """Add a numbered cause linked to a finding of the lägesbild."""
    return _post(plan_id, "ny-orsak", lambda: service.add_cause(
        get_session(), current_actor(), plan_id, request.form.to_dict()))


@bp.post("/atgardsplan/<int:plan_id>/orsaker/<int:cause_id>/rader")
@permission_required("action.manage")
def add_row(plan_id: int, cause_id: int):
    """Add a row (åtgärd, mål, när, vem) to a cause, linking existing actions."""
    data = {f: request.form.get(f"{cause_id}-{f}", "") for f in FORM_FIELDS}
    data["action_ids"] = request.form.getlist(f"{cause_id}-action_ids")
    _same_plan(plan_id, cause_id=cause_id)
    try:
        service.add_row(get_session(), current_actor(), cause_id, data)
    except ValidationError as exc:
        return _show(plan_id, errors={f"{cause_id}-{k}": v for k, v in exc.errors.items()},
                     form=request.form, anchor=f"orsak-{cause_id}")
    return redirect(url_for("plans.show", plan_id=plan_id) + f"#orsak-{cause_id}")


def _same_plan(plan_id: int, *, cause_id: int | None = None, row_id: int | None = None):
    session = get_session()
    cause = service.get_cause(session, cause_id) if cause_id else \
        service.get_row(session, row_id or 0).cause
    if cause.plan_id != plan_id:
        raise ValidationError("Raden hör till en annan plan.", field="plan")


@bp.post("/atgardsplan/<int:plan_id>/orsaker/<int:cause_id>/ta-bort")
@permission_required("action.manage")
def delete_cause(plan_id: int, cause_id: int):
    """Remove a cause and its rows."""
    _same_plan(plan_id, cause_id=cause_id)
    service.delete_cause(get_session(), current_actor(), cause_id)
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.post("/atgardsplan/<int:plan_id>/rader/<int:row_id>/bedomning")
@permission_required("action.manage")
def judge(plan_id: int, row_id: int):
    """Record the group's judgement of a row (overrides the computed colour)."""
    _same_plan(plan_id, row_id=row_id)
    data = {"judgement": request.form.get("judgement", ""),
            "judgement_note": request.form.get("judgement_note", "")}
    try:
        service.judge_row(get_session(), current_actor(), row_id, data)
    except ValidationError as exc:
        return _show(plan_id, errors={f"r{row_id}-{k}": v for k, v in exc.errors.items()},
                     form=request.form, anchor=f"rad-{row_id}")
    return redirect(url_for("plans.show", plan_id=plan_id) + f"#rad-{row_id}")


@bp.post("/atgardsplan/<int:plan_id>/rader/<int:row_id>/atgard")
@permission_required("action.manage")
def new_action(plan_id: int, row_id: int):
    """Create an action at the cause's place (or category) and link it to the row."""
    _same_plan(plan_id, row_id=row_id)
    data = {f: request.form.get(f, "") for f in ("title", "organisation_id", "starts_on",
                                                 "due_on", "category_id")}
    try:
        service.create_row_action(get_session(), current_actor(), row_id, data)
    except ValidationError as exc:
        return _show(plan_id, errors={f"a{row_id}-{k}": v for k, v in exc.errors.items()},
                     form=request.form, anchor=f"rad-{row_id}")
    return redirect(url_for("plans.show", plan_id=plan_id) + f"#rad-{row_id}")


@bp.route("/atgardsplan/<int:plan_id>/rader/<int:row_id>/andra", methods=["GET", "POST"])
@permission_required("action.manage")
def edit_row(plan_id: int, row_id: int):
    """Change a row: measure, activity, actions, indicator, target, when, who."""
    _same_plan(plan_id, row_id=row_id)
    session = get_session()
    plan, row = _plan(plan_id), service.get_row(session, row_id)
    errors: dict = {}
    if request.method == "POST":
        data = {f: request.form.get(f, "") for f in FORM_FIELDS}
        data["action_ids"] = request.form.getlist("action_ids")
        data["judgement"], data["judgement_note"] = row.judgement, row.judgement_note
        try:
            service.update_row(session, current_actor(), row_id, data)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("plans.show", plan_id=plan_id) + f"#rad-{row_id}")
        form = request.form
    else:
        values = [(f, "" if getattr(row, f) is None else str(getattr(row, f)))
                  for f in FORM_FIELDS if f != "regular_work"]
        values += [("regular_work", "1")] if row.regular_work else []
        values += [("action_ids", str(a.id)) for a in service.row_actions(session, row_id)]
        form = MultiDict(values)
    return render_template(
        "plans/row_edit.html", plan=plan, row=row, form=form, errors=errors,
        patterns=library.list_patterns(session), kinds=KINDS, kind_labels=KIND_LABELS,
        actions=list_actions(session, plan.area_id),
        organisations=service.organisations(session, plan.area_id),
        promises=list(session.scalars(select(Promise).where(Promise.area_id == plan.area_id)))
    ), 400 if errors else 200


@bp.post("/atgardsplan/<int:plan_id>/rader/<int:row_id>/ta-bort")
@permission_required("action.manage")
def delete_row(plan_id: int, row_id: int):
    """Remove a row (its actions stay)."""
    _same_plan(plan_id, row_id=row_id)
    service.delete_row(get_session(), current_actor(), row_id)
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.get("/atgardsplan/<int:plan_id>/status")
@permission_required("review.view")
def dashboard(plan_id: int):
    """The plan's status for the BRÅ meeting: colours, late and due rows, figures."""
    plan = _plan(plan_id)
    status = plan_status(get_session(), plan, today=_today(), k=min_cell(),
                         tz=_settings().timezone)
    return render_template("plans/dashboard.html", plan=plan, status=status, colours=COLOURS,
                           colour_sv=COLOUR_SV, data_link=data_link, k=min_cell())


@bp.get("/atgardsplan/<int:plan_id>.<fmt>")
@permission_required("review.view")
def export(plan_id: int, fmt: str):
    """Download the plan as DOCX (A4, editable), PDF, XLSX, Markdown or HTML."""
    if fmt not in EXPORTS:
        raise ValidationError(f"Välj {', '.join(EXPORTS)}.", field="format")
    from est.lagesbild.render import render

    plan = _plan(plan_id)
    doc = plan_document(get_session(), plan, today=_today(), k=min_cell(),
                        tz=_settings().timezone)
    return download(render(doc, fmt), fmt, f"atgardsplan-{plan.id}")


def _draft(plan):
    layout = request.values.get("layout") or DEFAULT_LAYOUT
    if layout not in LAYOUTS:
        raise ValidationError("Välj en dokumentmall.", field="layout")
    return draft_from_plan(get_session(), plan, layout=layout, lb=_lagesbild(plan),
                           basis=_basis(plan), min_cell=min_cell(), tz=_settings().timezone)


@bp.get("/atgardsplan/<int:plan_id>/medborgarloften")
@permission_required("review.view")
def promise_draft(plan_id: int):
    """A promise draft from the plan and its lägesbild, in a real document's layout."""
    plan = _plan(plan_id)
    draft = _draft(plan)
    return render_template("plans/draft.html", plan=plan, draft=draft,
                           body=_focusable(html_fragment(draft)), layouts=LAYOUTS,
                           layout=request.values.get("layout") or DEFAULT_LAYOUT,
                           manage=access.can(current_actor(), "promise.manage"))


@bp.post("/atgardsplan/<int:plan_id>/medborgarloften")
@permission_required("promise.manage")
def save_promise(plan_id: int):
    """Save the draft as a promise linked to the plan's rows and actions."""
    from est.services.promises.from_plan import create_from_plan_draft

    plan = _plan(plan_id)
    promise = create_from_plan_draft(get_session(), current_actor(), plan, _draft(plan))
    return redirect(url_for("promises.show", promise_id=promise.id))


@bp.get("/atgardsplan/uppfoljning")
@permission_required("review.view")
def yearly():
    """The yearly follow-up of promises and plan (``?year=``), as a page or a download."""
    from est.lagesbild.render import render

    year = request.args.get("year") or str(_today().year)
    if not (year.isdigit() and 2000 <= int(year) <= _today().year + 1):
        raise ValidationError(f"Ange ett år 2000–{_today().year + 1}.", field="year")
    fmt = request.args.get("format")
    if fmt and fmt not in ("docx", "pdf", "md"):
        raise ValidationError("Välj docx, pdf eller md.", field="format")
    doc = yearly_report(get_session(), _area().id, int(year), today=_today(), k=min_cell(),
                        tz=_settings().timezone)
    if fmt:
        return download(render(doc, fmt), fmt, f"uppfoljning-{year}")
    return render_template("plans/yearly.html", doc=doc, body=_focusable(html_fragment(doc)),
                           year=year)


def _focusable(html: str) -> str:
    """Let keyboard users scroll the wide tables of a document fragment (tabindex)."""
    return html.replace('<table class="lb"', '<table class="lb" tabindex="0"')


@bp.route("/aktiviteter", methods=["GET", "POST"])
@permission_required("review.view")
def patterns():
    """The activity library; coordinators add their own activities."""
    session = get_session()
    errors: dict = {}
    if request.method == "POST":
        data = request.form.to_dict()
        data["parties"] = request.form.getlist("parties")
        try:
            library.add_pattern(session, current_actor(), data)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("plans.patterns") + "#bibliotek")
    from est.models.core import ORGANISATION_KINDS

    return render_template("plans/patterns.html", patterns=library.list_patterns(
        session, active_only=False), errors=errors, form=request.form, kinds=KINDS,
        kind_labels=KIND_LABELS, parties=ORGANISATION_KINDS, party_sv=library.PARTY_SV,
        manage=access.can(current_actor(), "action.manage")), 400 if errors else 200


@bp.post("/aktiviteter/<int:pattern_id>/<any(visa, dolj):what>")
@permission_required("action.manage")
def toggle_pattern(pattern_id: int, what: str):
    """Show or hide an activity in the choices."""
    library.set_active(get_session(), current_actor(), pattern_id, what == "visa")
    return redirect(url_for("plans.patterns") + "#bibliotek")
