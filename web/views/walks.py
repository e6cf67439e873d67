"""Trygghetsvandringar: list, new walk, the phone walk page, the walk report (HTML, PDF, DOCX).

Recording (new walk, route, observations, proposals) needs the ``report`` permission; the
list and the report need ``review`` (or ``report``, so a walk leader sees what they recorded);
deciding on proposals and turning them into actions needs ``actions``. The phone page sends
JSON/multipart requests (``Accept: application/json``) and gets JSON back; errors are 400
with ``{"fields": {field: message}}`` like every JSON answer of the app.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from est import access, queries
from est import format as sv
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Area, Organisation, Photo, WalkObservation
from est.models.inputs import WALK_LIGHT, WALK_RATINGS
from est.photos import PhotoError, read_photo
from est.services.categories import list_categories
from est.walks import digital, documents, observations, proposals, rules, store, summary
from web.auth import current_actor, permission_required
from web.db import get_session
from web.maps.assets import js_json
from web.views.tenancy import current_code

bp = Blueprint("walks", __name__)
SEE = ("review.view", "report.create_staff")


def _settings():
    return current_app.config["EST_SETTINGS"]


def _town() -> Area:
    return queries.area_by_code(get_session(), current_code())


def _walk(walk_id: int, *, record: bool = False):
    return store.get_walk(get_session(), current_actor(), walk_id, record=record)


def _form_data(form) -> dict:
    data = {k: form.get(k, "") for k in ("title", "purpose", "weather", "accessibility_notes",
                                          "light", "starts_at", "ends_at", "area_id",
                                          "organiser_id", "digital_walk_id")}
    data["organisation_ids"] = form.getlist("organisation_ids")
    data["participants"] = rules.participants_from_form(form)
    return data


def _walk_form_context(town: Area, values: dict, errors: dict, walk=None) -> dict:
    session = get_session()
    return {
        "values": values, "errors": errors, "walk": walk, "town": town,
        "areas": list(session.scalars(
            select(Area).where((Area.id == town.id) | (Area.parent_id == town.id))
            .order_by(Area.parent_id.nullsfirst(), Area.name))),
        "organisations": list(session.scalars(select(Organisation).order_by(Organisation.name))),
        "campaigns": digital.list_campaigns(session, current_actor(), town.id),
        "light_labels": rules.LIGHT_LABELS, "lights": WALK_LIGHT,
        "age_bands": rules.AGE_BANDS, "age_labels": rules.AGE_LABELS,
        "genders": rules.GENDERS, "gender_labels": rules.GENDER_LABELS,
    }


@bp.app_template_global("walk_proposal_for")
def walk_proposal_for(action_id: int) -> dict | None:
    """Return the walk proposal an action came from (for the action page), if any."""
    return proposals.proposal_for_action(get_session(), action_id)


@bp.get("/vandringar")
@permission_required(*SEE)
def index():
    """List the municipality's walks and digital walks."""
    town = _town()
    session = get_session()
    return render_template(
        "walks/index.html", town=town,
        walks=store.list_walks(session, current_actor(), town.id),
        campaigns=digital.list_campaigns(session, current_actor(), town.id),
        status_labels=rules.STATUS_LABELS, tz=_settings().tz,
        can_record=access.can(current_actor(), "report.create_staff"),
        can_campaign=access.can(current_actor(), digital.MANAGE))


@bp.route("/vandringar/ny", methods=["GET", "POST"])
@permission_required("report.create_staff")
def new():
    """Plan a walk: purpose, area, time, light, organisations, participants (counts only)."""
    town = _town()
    errors: dict = {}
    if request.method == "POST":
        values = _form_data(request.form)
        try:
            walk = store.create_walk(get_session(), current_actor(), values, tz=_settings().tz)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("walks.phone", walk_id=walk.id))
    else:
        values = {"starts_at": datetime.now(_settings().tz).strftime("%Y-%m-%dT%H:%M"),
                  "area_id": town.id, "light": "dagsljus", "participants": {},
                  "organiser_id": current_actor().organisation_id}  # type: ignore[union-attr]
    return render_template("walks/form.html", **_walk_form_context(town, values, errors)), \
        400 if errors else 200


@bp.route("/vandringar/<int:walk_id>/redigera", methods=["GET", "POST"])
@permission_required("report.create_staff")
def edit(walk_id: int):
    """Change a walk's facts."""
    walk = _walk(walk_id, record=True)
    town = _town()
    errors: dict = {}
    if request.method == "POST":
        values = _form_data(request.form)
        try:
            store.update_walk(get_session(), current_actor(), walk_id, values,
                              tz=_settings().tz)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("walks.show", walk_id=walk_id))
    else:
        tz = _settings().tz
        campaign = digital.campaign_for_walk(get_session(), walk.id)
        values = {"title": walk.title, "purpose": walk.purpose or "",
                  "weather": walk.weather or "", "light": walk.light,
                  "accessibility_notes": walk.accessibility_notes or "",
                  "starts_at": walk.starts_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
                  "ends_at": walk.ends_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
                  if walk.ends_at else "", "area_id": walk.area_id,
                  "organiser_id": walk.organiser_id, "organisation_ids": walk.organisation_ids,
                  "participants": walk.participants or {},
                  "digital_walk_id": campaign.id if campaign else ""}
    return render_template("walks/form.html", **_walk_form_context(town, values, errors, walk)), \
        400 if errors else 200


@bp.get("/vandringar/<int:walk_id>/telefon")
@permission_required("report.create_staff")
def phone(walk_id: int):
    """The phone walk page: full-screen map, tap to observe, record or draw the route."""
    session = get_session()
    walk = _walk(walk_id, record=True)
    if walk.status == "finished":
        return redirect(url_for("walks.show", walk_id=walk_id))
    settings = _settings()
    campaign = digital.campaign_for_walk(session, walk.id)
    outline = queries.area_geojson(session, walk.area_id)
    data = {
        "walk": {"id": walk.id, "title": walk.title},
        "urls": {"route": url_for("walks.route", walk_id=walk.id),
                 "observe": url_for("walks.observe", walk_id=walk.id),
                 "start": url_for("walks.start", walk_id=walk.id)},
        "tiles": {"url": settings.tile_url, "attribution": settings.tile_attribution},
        "bounds": outline["bounds"],
        "route": [[lat, lon] for lon, lat in store.route_coords(walk)],
        "observations": [{"lat": p["lat"], "lon": p["lon"],
                          "safe": p["observation"].safe_place}
                         for p in observations.observation_points(session, walk)],
        "pins": digital.campaign_pins(session, current_actor(), campaign) if campaign else [],
    }
    return render_template(
        "walks/phone.html", walk=walk, data=js_json(data),
        ratings=[(k, rules.RATING_LABELS[k]) for k in WALK_RATINGS],
        safety_labels=rules.SAFETY_LABELS,
        reasons=list_categories(session, kind="otrygghet"),
        incident_categories=list_categories(session, kind="incident"))


@bp.post("/vandringar/<int:walk_id>/start")
@permission_required("report.create_staff")
def start(walk_id: int):
    """Mark the walk as started (the phone page's first use)."""
    walk = store.start_walk(get_session(), current_actor(), walk_id)
    return jsonify({"status": walk.status})


@bp.post("/vandringar/<int:walk_id>/rutt")
@permission_required("report.create_staff")
def route(walk_id: int):
    """Store the route: JSON ``{"points": [[lon, lat], …], "append": bool}`` (WGS84)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("Skicka rutten som JSON.", field="route")
    walk = store.set_route(get_session(), current_actor(), walk_id, body.get("points"),
                           append=bool(body.get("append")))
    return jsonify({"points": len(store.route_coords(walk))})


def _observation_data(form) -> dict:
    return {
        "lon": form.get("lon"), "lat": form.get("lat"), "safety": form.get("safety"),
        "note": form.get("note"), "safe_place": form.get("safe_place"),
        "observed_at": form.get("observed_at"), "category": form.get("category"),
        "reasons": form.getlist("reasons"),
        "ratings": {k: form.get(f"rating_{k}") for k in WALK_RATINGS
                    if form.get(f"rating_{k}") not in (None, "")},
    }


@bp.post("/vandringar/<int:walk_id>/observationer")
@permission_required("report.create_staff")
def observe(walk_id: int):
    """Add an observation (multipart form: fields, ratings ``rating_<key>``, ``photo``)."""
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    try:
        obs = observations.add_observation(get_session(), current_actor(), walk_id,
                                           _observation_data(request.form), tz=_settings().tz,
                                           photo=photo)
    except PhotoError as exc:
        raise ValidationError(exc.message, field=exc.field) from None
    count = len(_walk(walk_id).observations)
    return jsonify({"id": obs.id, "number": count, "safe": obs.safe_place,
                    "report": str(obs.report_id) if obs.report_id else None}), 201


@bp.post("/vandringar/observationer/<int:observation_id>/ta-bort")
@permission_required("report.create_staff")
def delete_observation(observation_id: int):
    """Remove an observation recorded by mistake (and its report)."""
    obs = get_session().get(WalkObservation, observation_id)
    walk_id = obs.walk_id if obs else None
    observations.delete_observation(get_session(), current_actor(), observation_id)
    return redirect(url_for("walks.show", walk_id=walk_id))


@bp.post("/vandringar/<int:walk_id>/avsluta")
@permission_required("report.create_staff")
def finish(walk_id: int):
    """Finish the walk and show its summary."""
    store.finish_walk(get_session(), current_actor(), walk_id)
    return redirect(url_for("walks.show", walk_id=walk_id, notice="finished"))


@bp.post("/vandringar/<int:walk_id>/uppfoljning")
@permission_required("report.create_staff")
def follow_up(walk_id: int):
    """Record the feedback date and the planned re-walk."""
    try:
        store.set_follow_up(get_session(), current_actor(), walk_id, request.form)
    except ValidationError as exc:
        return _show(walk_id, exc.errors)
    return redirect(url_for("walks.show", walk_id=walk_id, notice="saved"))


@bp.post("/vandringar/observationer/<int:observation_id>/forslag")
@permission_required("report.create_staff")
def add_proposal(observation_id: int):
    """Add a proposal to an observation."""
    obs = get_session().get(WalkObservation, observation_id)
    if obs is None:
        abort(404)
    try:
        proposals.add_proposal(get_session(), current_actor(), observation_id, request.form)
    except ValidationError as exc:
        return _show(obs.walk_id, {f"proposal-{observation_id}-{k}": v
                                   for k, v in exc.errors.items()})
    return redirect(url_for("walks.show", walk_id=obs.walk_id, notice="saved")
                    + f"#obs-{observation_id}")


def _proposal_walk(proposal_id: int) -> int:
    from est.models import WalkProposal
    proposal = get_session().get(WalkProposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal.observation.walk_id


@bp.post("/vandringar/forslag/<int:proposal_id>")
@permission_required("action.manage")
def update_proposal(proposal_id: int):
    """Follow up a proposal: status (rejected with a reason)."""
    walk_id = _proposal_walk(proposal_id)
    try:
        proposals.update_proposal(get_session(), current_actor(), proposal_id,
                                  {k: request.form[k] for k in ("status", "reject_reason")
                                   if k in request.form})
    except ValidationError as exc:
        return _show(walk_id, {f"p{proposal_id}-{k}": v for k, v in exc.errors.items()})
    return redirect(url_for("walks.show", walk_id=walk_id, notice="saved") + "#forslag")


@bp.post("/vandringar/forslag/<int:proposal_id>/atgard")
@permission_required("action.manage")
def to_action(proposal_id: int):
    """Turn a proposal into an action (åtgärd) and open it."""
    walk_id = _proposal_walk(proposal_id)
    try:
        action = proposals.proposal_to_action(
            get_session(), current_actor(), proposal_id,
            data={k: request.form.get(k) for k in ("organisation_id", "starts_on", "due_on")
                  if request.form.get(k)},
            today=datetime.now(_settings().tz).date())
    except ValidationError as exc:
        return _show(walk_id, {f"p{proposal_id}-{k}": v for k, v in exc.errors.items()})
    return redirect(url_for("review.edit_action", action_id=action.id))


@bp.get("/vandringar/<int:walk_id>")
@permission_required(*SEE)
def show(walk_id: int):
    """The walk report: map with route and observations, ratings summary, proposals."""
    return _show(walk_id)


def _show(walk_id: int, errors: dict | None = None):
    session = get_session()
    walk = _walk(walk_id)
    settings = _settings()
    report = summary.walk_report(session, walk, tz=settings.timezone)
    actor = current_actor()
    data = {
        "tiles": {"url": settings.tile_url, "attribution": settings.tile_attribution},
        "bounds": queries.area_geojson(session, walk.area_id)["bounds"],
        "route": [[lat, lon] for lon, lat in report.route],
        "observations": [{"lat": o.lat, "lon": o.lon, "safe": o.safe_place,
                          "number": o.number, "label": o.problem} for o in report.observations],
    }
    return render_template(
        "walks/show.html", walk=walk, report=report, data=js_json(data), errors=errors or {},
        rating_cells=documents.rating_cells(report), rules=rules,
        safety_mean=sv.number(report.safety_mean, 1),
        organisations=list(session.scalars(select(Organisation).order_by(Organisation.name))),
        can_record=store.can_record(actor, session, walk),
        can_decide=access.can(actor, "action.manage"),
        notice=request.args.get("notice")), 400 if errors else 200


@bp.get("/vandringar/<int:walk_id>/rapport.<fmt>")
@permission_required(*SEE)
def document(walk_id: int, fmt: str):
    """Download the walk report as PDF or DOCX (map printed with the tile server)."""
    if fmt not in ("pdf", "docx"):
        raise ValidationError("Välj pdf eller docx.", field="format")
    from web.maps.printing import attribution, tile_source

    walk = _walk(walk_id)
    report = summary.walk_report(get_session(), walk, tz=_settings().timezone)
    png, note = documents.draw_walk_map(report, tile_source(), attribution())
    if fmt == "pdf":
        body, media = documents.to_pdf(report, png, note), "application/pdf"
    else:
        body = documents.to_docx(report, png, note)
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return Response(body, content_type=media, headers={
        "Content-Disposition": f'attachment; filename="trygghetsvandring-{walk.id}.{fmt}"'})


@bp.get("/vandringar/foto/<photo_id>")
@permission_required(*SEE)
def photo(photo_id: str):
    """Serve an observation's photo to those who may see its walk."""
    try:
        key = uuid.UUID(photo_id)
    except ValueError:
        abort(404)
    session = get_session()
    obs = session.scalar(select(WalkObservation).where(WalkObservation.photo_id == key))
    stored = session.get(Photo, key)
    if obs is None or stored is None:
        abort(404)
    try:
        _walk(obs.walk_id)
        body = read_photo(stored)
    except (NotFound, PermissionDenied, FileNotFoundError):
        abort(404)
    return Response(body, content_type=stored.content_type,
                    headers={"Cache-Control": "private, no-store",
                             "Content-Disposition": "inline"})
