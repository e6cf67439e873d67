"""Medborgarlöften pages: draft from a lägesbild, save, list, and follow up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from est.errors import ValidationError
from est.lagesbild.builder import parse_period
from est.lagesbild.render import DOCUMENT_FORMATS, html_fragment, render
from est.promises.draft import draft_promise
from est.queries import area_by_code
from est.services import promises as service
from web.auth import roles_required
from web.db import get_session
from web.views.lagesbild import STAFF, build_from_request, download, min_cell, period_args

bp = Blueprint("promises", __name__)
MANAGERS = ("admin", "coordinator")


def _draft():
    lb = build_from_request()
    first = request.values.get("start") or (lb.end + timedelta(days=1)).isoformat()
    last = request.values.get("end") or (date.fromisoformat(first).replace(
        year=date.fromisoformat(first).year + 1) - timedelta(days=1)).isoformat()
    try:
        period_start, period_end = parse_period(first, last)
    except ValidationError as exc:
        raise ValidationError({"start" if k == "from" else "end": v
                               for k, v in exc.errors.items()}) from None
    return draft_promise(lb, period_start=period_start, period_end=period_end)


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
    """Follow up one promise: indicators vs the baseline, and the linked actions."""
    session = get_session()
    promise = service.get_promise(session, promise_id)
    settings = current_app.config["EST_SETTINGS"]
    report = service.followup(session, promise, today=_today(), k=min_cell(),
                              tz=settings.timezone)
    return render_template("promises/show.html", promise=promise, body=html_fragment(report),
                           report=report)


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
