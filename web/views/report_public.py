"""Public reporting (no login): the form at /rapportera, the receipt and the language switch."""

from __future__ import annotations

import re
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from est import queries
from est.errors import ValidationError
from est.models import Area
from est.models.core import new_receipt_ref
from est.services import reports
from est.services.categories import list_categories
from est.services.resident import create_with_photo, key_used
from web import maps
from web.db import get_session
from web.extensions import LANGUAGES, limiter
from web.views.resident import notify

bp = Blueprint("report_public", __name__)

HONEYPOT = "website"
_REFERENCE = re.compile(r"^EST-[0-9A-HJKMNP-TV-Z]{8}$")  # Crockford base32, see new_receipt_ref
# Field name -> id of the element the error summary links to.
ANCHORS = {
    "kind": "kind-incident", "category": "category", "reasons": "reasons", "place": "place",
    "location": "lat", "lat": "lat", "lon": "lon", "when": "when-now", "date": "date",
    "time": "time", "description": "description", "contact": "contact",
    "organisation": "organisation", "occurred_from": "occurred_from",
    "occurred_until": "occurred_until", "severity": "severity",
    "internal_note": "internal_note", "photo": "photo",
}


def municipality() -> Area:
    """Return the configured municipality (NotFound, shown as 404, if it is not loaded)."""
    return queries.area_by_code(get_session(), current_app.config["EST_SETTINGS"].municipality)


def translated(errors: dict[str, str]) -> dict[str, str]:
    """Translate service messages (Swedish msgids marked with N_) to the user's language."""
    return {name: _(message) for name, message in errors.items()}


def form_context(area: Area, values, errors: dict[str, str] | None = None) -> dict:
    """Return what the report form templates need: categories, places, map and values."""
    session = get_session()
    places = reports.list_places(session, area.id)
    point = _typed_point(values)
    if point is None and values.get("place"):
        chosen = [p for p in places if str(p["id"]) == str(values.get("place"))]
        point = (chosen[0]["lon"], chosen[0]["lat"]) if chosen else None
    return {
        "area": area,
        "values": values,
        "errors": errors or {},
        "anchors": ANCHORS,
        "incident_categories": list_categories(session, kind="incident"),
        "reasons": list_categories(session, kind="otrygghet"),
        "places": places,
        "map": maps.embed(location_map(area, point)),
        "chosen_reasons": set(_getlist(values, "reasons")),
        "photo_limit_mb": photo_limit_mb(),
    }


def location_map(area: Area, point: tuple[float, float] | None = None,
                 input_prefix: str = ""):
    """Return a Folium map of ``area`` where a click or drag sets the lon/lat inputs (WGS84)."""
    outline = queries.area_geojson(get_session(), area.id)
    m = maps.base_map(outline["bounds"])
    maps.add_boundary(m, outline["geometry"], area.name)
    options = {
        "prefix": input_prefix,
        "point": [point[1], point[0]] if point else None,
        "markerTitle": _("Vald plats (dra för att flytta)"),
        "chosen": _("Vald plats: latitud %(lat)s, longitud %(lon)s."),
        "locating": _("Hämtar din position …"),
        "noPosition": _("Det gick inte att hämta din position. Klicka i kartan eller skriv "
                        "koordinater i stället."),
    }
    maps.after_map(m, "estReportMap", options)
    return m


@bp.route("/rapportera", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_REPORT_RATE_LIMIT"], methods=["POST"])
def form():
    """Show the public report form and store a valid report as pending."""
    area = municipality()
    if request.method == "GET":
        values = {"kind": "incident", "when": "now",
                  "idempotency_key": secrets.token_urlsafe(24)}
        chosen = request.args.get("plats", "")
        if chosen.isdigit() and len(chosen) < 10:  # a QR poster's place (public_pages)
            values["place"] = chosen
        return render_template("report/form.html", **form_context(area, values))
    if request.form.get(HONEYPOT):
        # A bot filled the hidden field: answer as if it worked, store nothing.
        return redirect(url_for(".receipt", ref=reports.reference(new_receipt_ref())))
    settings = current_app.config["EST_SETTINGS"]
    repeat = key_used(get_session(), request.form.get("idempotency_key"))
    try:
        report = create_with_photo(get_session(), request.form, uploaded_photo(),
                                   municipality=settings.municipality, tz=settings.tz,
                                   repeat=repeat)
    except ValidationError as exc:
        context = form_context(area, request.form, translated(exc.errors))
        return render_template("report/form.html", **context), 400
    if not repeat:
        notify(report, "receipt")  # after the commit; a failed send is only logged
    return redirect(url_for(".receipt", ref=reports.reference(report.receipt_ref)))


@bp.get("/rapportera/tack/<ref>")
def receipt(ref: str):
    """Show the reference number and what happens next."""
    if not _REFERENCE.match(ref):
        abort(404)
    return render_template("report/receipt.html", ref=ref)


@bp.get("/sprak/<code>")
def language(code: str):
    """Switch the interface language (sv or en) and go back to the page the user was on."""
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("home.index")
    return redirect(target)


def photo_limit_mb() -> str:
    """Return the largest photo a form accepts, in MB for people (``EST_PHOTO_MAX_BYTES``; a
    multipart form may be that large plus its fields, whatever ``EST_MAX_BODY_BYTES`` says)."""
    from est.format import number
    from est.photos import max_bytes

    return number(max_bytes() / (1024 * 1024), 1)


def uploaded_photo() -> bytes | None:
    """Return the bytes of the form's ``photo`` upload, or None when no file was chosen."""
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    return upload.read()


def _getlist(values, key: str) -> list[str]:
    getlist = getattr(values, "getlist", None)
    found = getlist(key) if getlist else values.get(key) or []
    return [found] if isinstance(found, str) else list(found)


def _typed_point(values) -> tuple[float, float] | None:
    errors: dict[str, str] = {}
    if not values.get("lon") or not values.get("lat"):
        return None
    lon, lat = reports.parse_lonlat(values.get("lon"), values.get("lat"), errors)
    return None if errors else (lon, lat)
