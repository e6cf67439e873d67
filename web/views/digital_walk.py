"""Public digital trygghetsvandringar: the residents' map page and the coordinator's pages.

``/digital-vandring/<id>`` (public, no login): tap the map, say whether the place feels safe
or unsafe and why. The POST is rate-limited like the public report form
(``EST_REPORT_RATE_LIMIT``) and has the same honeypot; unsafe places become pending reports
in the moderation queue, safe places are kept for the coordinator only.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from est import queries, tenancy
from est.errors import NotFound, ValidationError
from est.models import Area
from est.models.walks import SAFE_REASONS
from est.services.categories import list_categories
from est.walks import digital, rules
from web.auth import current_actor, permission_required
from web.db import get_session
from web.extensions import limiter
from web.maps.assets import js_json
from web.views.report_public import HONEYPOT
from web.views.tenancy import current_code

bp = Blueprint("digital_walk", __name__)


def _settings():
    return current_app.config["EST_SETTINGS"]


def _map_data(campaign, pins: list[dict]) -> str:
    settings = _settings()
    return js_json({"tiles": {"url": settings.tile_url,
                              "attribution": settings.tile_attribution},
                    "bounds": queries.area_geojson(get_session(), campaign.area_id)["bounds"],
                    "pins": pins})


@bp.route("/vandringar/digitala/ny", methods=["GET", "POST"])
@permission_required(digital.MANAGE)
def new():
    """Open a digital walk: title, description, period and area."""
    session = get_session()
    town = queries.area_by_code(session, current_code())
    errors: dict = {}
    values = dict(request.form) if request.method == "POST" else {"area_id": town.id}
    if request.method == "POST":
        try:
            campaign = digital.create_campaign(session, current_actor(), request.form,
                                               tz=_settings().tz)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("digital_walk.staff_show", campaign_id=campaign.id))
    areas = list(session.scalars(select(Area).where(
        (Area.id == town.id) | (Area.parent_id == town.id))
        .order_by(Area.parent_id.nullsfirst(), Area.name)))
    return render_template("walks/digital_form.html", values=values, errors=errors,
                           areas=areas), 400 if errors else 200


@bp.get("/vandringar/digitala/<int:campaign_id>")
@permission_required("review.view", "report.create_staff")
def staff_show(campaign_id: int):
    """Show a campaign's pins (safe and unsafe, with reasons and notes) to staff."""
    session = get_session()
    campaign = digital.public_campaign(session, campaign_id)
    if not tenancy.works_in(session, current_actor(), campaign.area_id):
        raise NotFound("Den digitala trygghetsvandringen finns inte.")
    pins = digital.campaign_pins(session, current_actor(), campaign)
    return render_template("walks/digital_staff.html", campaign=campaign, pins=pins,
                           data=_map_data(campaign, pins), tz=_settings().tz,
                           open=digital.is_open(campaign))


@bp.route("/digital-vandring/<int:campaign_id>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_REPORT_RATE_LIMIT"], methods=["POST"])
def public(campaign_id: int):
    """The residents' page: mark safe and unsafe places on the map while the walk is open."""
    session = get_session()
    campaign = digital.public_campaign(session, campaign_id)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        if request.form.get(HONEYPOT):
            return redirect(url_for("digital_walk.public", campaign_id=campaign_id, tack=1))
        values = {"pin": request.form.get("pin"), "lon": request.form.get("lon"),
                  "lat": request.form.get("lat"), "reasons": request.form.getlist("reasons"),
                  "description": request.form.get("description"),
                  "safe_reasons": request.form.getlist("safe_reasons"),
                  "note": request.form.get("note")}
        try:
            digital.add_pin(session, campaign_id, values, tz=_settings().tz)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return redirect(url_for("digital_walk.public", campaign_id=campaign_id,
                                    tack=values["pin"]))
    tz = _settings().tz
    return render_template(
        "walks/digital_public.html", campaign=campaign, values=values, errors=errors,
        open=digital.is_open(campaign), data=_map_data(campaign, []),
        reasons=list_categories(session, kind="otrygghet"), safe_reasons=SAFE_REASONS,
        thanks=request.args.get("tack"), honeypot=HONEYPOT,
        period=(campaign.opens_at.astimezone(tz).strftime("%Y-%m-%d"),
                campaign.closes_at.astimezone(tz).strftime("%Y-%m-%d")),
        limits={"description": digital.DESCRIPTION_MAX, "note": digital.SAFE_NOTE_MAX,
                "title": rules.TITLE_MAX},
        now=datetime.now(tz)), 400 if errors else 200
