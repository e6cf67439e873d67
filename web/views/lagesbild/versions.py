"""Saved lägesbild versions: save, list, show (from the frozen JSON), compare, decide, publish.

``/lagesbild/publik`` needs no sign-in: the newest decided version for the public audience.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask import abort, current_app, redirect, render_template, request, url_for

from est import access
from est import format as sv
from est.audience import AUDIENCE_LABELS, AUDIENCES, parse_audience
from est.errors import PermissionDenied, ValidationError
from est.lagesbild import FORMATS, parse_period, resolve_area
from est.lagesbild import versions as service
from est.lagesbild.group import MANAGE
from est.lagesbild.render import check_layer, html_fragment
from est.lagesbild.suppress import fmt
from web.auth import current_actor, roles_required
from web.db import get_session
from web.views.lagesbild import (
    STAFF,
    bp,
    build_args,
    cache,
    period_args,
    send_export,
)
from web.views.tenancy import current_code


def _area(staff: bool = True):
    """Return the area asked for; staff pages only of the user's own municipality."""
    settings = current_app.config["EST_SETTINGS"]
    area = resolve_area(get_session(), request.args.get("area")
                        or (current_code() if staff else settings.municipality))
    if staff and not access.in_municipality(current_actor(), service.municipality_id(area)):
        raise PermissionDenied("Området hör inte till din kommun.")
    return area


def _today():
    return datetime.now(current_app.config["EST_SETTINGS"].tz).date()


@bp.post("/lagesbild/versioner")
@roles_required("actions")
def save_version():
    """Freeze the lägesbild of the period (all three audiences) as the next version."""
    args = build_args("internal")
    args.pop("audience")
    parse_period(args["start"], args["end"])
    version = service.save_version(get_session(), current_actor(), cache(), **args)
    return redirect(url_for("lagesbild.version", number=version.number,
                            area=args["area_code"]))


@bp.get("/lagesbild/versioner")
@roles_required(*STAFF)
def versions():
    """List the area's saved versions, newest first, with their decisions."""
    area = _area()
    return render_template("lagesbild/versions.html", area=area, args=period_args(),
                           versions=service.list_versions(get_session(), area),
                           tz=current_app.config["EST_SETTINGS"].tz)


@bp.get("/lagesbild/versioner/<int:number>")
@roles_required(*STAFF)
def version(number: int):
    """Show a saved version exactly as it was frozen, for the chosen audience."""
    return _version(number)


def _version(number: int, errors: dict | None = None, posted: dict | None = None):
    session = get_session()
    area = _area()
    v = service.get_version(session, area, number)
    audience = parse_audience(request.args.get("audience"), default="internal")
    lb = service.frozen(v, audience, session)
    return render_template(
        "lagesbild/version.html", area=area, v=v, lb=lb, body=html_fragment(lb),
        audience=audience, audiences=[(a, AUDIENCE_LABELS[a]) for a in AUDIENCES],
        formats=[f for f in FORMATS], deciders=service.DECIDERS,
        previous=service.previous_of(session, v), errors=errors or {},
        form=posted or {"decided_by": v.decided_by or "",
                        "decided_on": v.decided_on.isoformat() if v.decided_on else "",
                        "decision_note": v.decision_note or ""},
        manage=access.can(current_actor(), MANAGE), today=_today(),
        tz=current_app.config["EST_SETTINGS"].tz), 400 if errors else 200


@bp.post("/lagesbild/versioner/<int:number>/beslut")
@roles_required("actions")
def decide(number: int):
    """Record the decision on a version (decided by, date, note)."""
    session = get_session()
    area = _area()
    v = service.get_version(session, area, number)
    form = {k: request.form.get(k, "") for k in ("decided_by", "decided_on", "decision_note")}
    try:
        service.decide(session, current_actor(), v, decided_by=form["decided_by"],
                       decided_on=form["decided_on"], note=form["decision_note"],
                       today=_today())
    except ValidationError as exc:
        return _version(number, exc.errors, form)
    return redirect(url_for("lagesbild.version", number=number, area=area.code))


@bp.get("/lagesbild/versioner/<int:number>/jamfor")
@roles_required(*STAFF)
def compare(number: int):
    """Compare a version with the one saved before it: figure deltas and text changes."""
    session = get_session()
    area = _area()
    v = service.get_version(session, area, number)
    previous = service.previous_of(session, v)
    if previous is None:
        abort(404, description="Det finns ingen tidigare version att jämföra med.")
    deltas, texts = service.compare(previous, v)
    rows = [(d.table, d.row, d.column, fmt(d.before, 1), fmt(d.after, 1),
             sv.signed(d.change, 0 if isinstance(d.change, int) else 1) or "–")
            for d in deltas]
    return render_template("lagesbild/compare.html", area=area, v=v, previous=previous,
                           deltas=rows, texts=texts)


@bp.get("/lagesbild/versioner/<int:number>/export.<fmt>")
@roles_required(*STAFF)
def version_export(number: int, fmt: str):
    """Download a saved version for ``audience`` (default public), from the frozen JSON."""
    if fmt not in FORMATS:
        raise ValidationError(f"Okänt format {fmt!r}; välj {', '.join(FORMATS)}.", field="format")
    audience = parse_audience(request.args.get("audience"))
    layer = check_layer(request.args.get("layer")) if fmt == "geojson" else None
    area = _area()
    session = get_session()
    v = service.get_version(session, area, number)
    suffix = ("" if audience == "public" else f"-{audience}") + (f"-{layer}" if layer else "")
    return send_export(service.frozen(v, audience, session), fmt, layer,
                       f"lagesbild-{area.code}-version-{number}{suffix}")


# Left out of the public page: times finer than a day (the public privacy model,
# est/public.py) and the actions table (titles are the group's working text).
PUBLIC_OMITTED = ("when", "actions")


@bp.get("/lagesbild/publik")
def public():
    """Show the newest decided lägesbild for the public (no sign-in; public audience)."""
    area = _area(staff=False)
    v = service.latest_decided(get_session(), area)
    lb = service.frozen(v, "public", get_session()) if v is not None else None
    if lb is not None:
        lb = replace(lb, sections=[s for s in lb.sections if s.key not in PUBLIC_OMITTED])
    return render_template("lagesbild/public.html", area=area, v=v, lb=lb,
                           body=html_fragment(lb) if lb is not None else "")
