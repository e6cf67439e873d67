"""Administration: districts and named places from files, API keys, settings, the log."""

from __future__ import annotations

import dataclasses
import logging
import time

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from est.errors import NotFound, ValidationError
from est.models import Area
from est.services import apikeys
from est.services.admin import admin_events, operations
from est.services.admin import settings as admin_settings
from est.services.reports import list_places
from est.services.users import list_organisations
from web.auth import current_actor, permission_required
from web.db import database, get_session
from web.views.admin import bp
from web.views.tenancy import current_code

log = logging.getLogger(__name__)
REFRESH_S = 30  # how often a process reads the stored settings again


def _municipality() -> Area:
    code = current_code()  # the admin's current municipality (est.tenancy)
    area = get_session().scalar(select(Area).where(Area.kind == "municipality",
                                                   Area.code == code))
    if area is None:
        raise NotFound(f"Kommunen {code} finns inte i databasen (est areas import).")
    return area


def _upload() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return b"", ""
    return upload.read(operations.MAX_UPLOAD + 1), upload.filename


def _places_page(errors=None, status=200):
    area = _municipality()
    session = get_session()
    districts = list(session.scalars(select(Area).where(Area.parent_id == area.id)
                                     .order_by(Area.name)))
    return render_template("admin/places.html", area=area, districts=districts,
                           places=list_places(session, area.id), errors=errors or {},
                           values=request.form), status


@bp.get("/omraden")
@permission_required("users.manage")
def places():
    """Show the municipality's districts and named places, with the import forms."""
    return _places_page()


@bp.post("/omraden/stadsdelar")
@permission_required("users.manage")
def import_districts():
    """Import district boundaries from a GeoJSON file (nothing is written on an error)."""
    data, _name = _upload()
    try:
        summary = operations.import_districts(
            get_session(), current_actor(), data, municipality=_municipality().code,
            name_field=request.form.get("name_field", "").strip(),
            id_field=request.form.get("id_field", "").strip())
    except ValidationError as exc:
        return _places_page(exc.errors, 400)
    flash(f"Stadsdelar: {summary['created']} nya, {summary['updated']} uppdaterade, "
          f"{summary['repaired']} reparerade, {summary['skipped']} hoppades över.", "info")
    return redirect(url_for("admin.places"))


@bp.post("/omraden/platser")
@permission_required("users.manage")
def import_places():
    """Import named places from GeoJSON or CSV (nothing is written on an error)."""
    data, name = _upload()
    try:
        summary = operations.import_named_places(get_session(), current_actor(), data, name,
                                                 municipality=_municipality().code)
    except ValidationError as exc:
        return _places_page(exc.errors, 400)
    flash(f"Platser: {summary['created']} nya, {summary['updated']} uppdaterade "
          f"({summary['gazetteer']} gator och adresser).", "info")
    return redirect(url_for("admin.places"))


def _keys_page(errors=None, status=200, token=None):
    session = get_session()
    return render_template("admin/keys.html", keys=apikeys.list_keys(session),
                           organisations=list_organisations(session), errors=errors or {},
                           values=request.form if errors else {}, token=token), status


@bp.route("/api-nycklar", methods=["GET", "POST"])
@permission_required("users.manage")
def keys():
    """List API keys and create one (its token is shown once, on this answer only)."""
    if request.method == "GET":
        return _keys_page()
    try:
        token = operations.create_api_key(get_session(), current_actor(),
                                          request.form.get("organisation", ""),
                                          request.form.get("label", ""))
    except ValidationError as exc:
        return _keys_page(exc.errors, 400)
    return _keys_page(token=token)


@bp.post("/api-nycklar/<int:key_id>/aterkalla")
@permission_required("users.manage")
def revoke_key(key_id: int):
    """Revoke an API key from now on."""
    operations.revoke_api_key(get_session(), current_actor(), key_id)
    flash("Nyckeln är återkallad.", "info")
    return redirect(url_for("admin.keys"))


def _base_settings():
    return current_app.config.setdefault("EST_ENV_SETTINGS",
                                         current_app.config["EST_SETTINGS"])


def _settings_page(errors=None, status=200):
    base = _base_settings()
    stored = admin_settings.stored(get_session())
    return render_template("admin/settings.html", settings=admin_settings.SETTINGS, base=base,
                           stored=stored, errors=errors or {},
                           values=request.form if errors else {}), status


@bp.route("/installningar", methods=["GET", "POST"])
@permission_required("users.manage")
def settings():
    """Show and change retention and minimum cell (empty: the environment's value)."""
    if request.method == "GET":
        return _settings_page()
    session = get_session()
    errors: dict[str, str] = {}
    for key in admin_settings.SETTINGS:
        try:
            admin_settings.set_value(session, current_actor(), key, request.form.get(key),
                                     _base_settings())
        except ValidationError as exc:
            errors.update(exc.errors)
    _apply(session)
    if errors:
        return _settings_page(errors, 400)
    flash("Inställningarna är sparade.", "info")
    return redirect(url_for("admin.settings"))


@bp.get("/logg")
@permission_required("users.manage")
def admin_log():
    """Show the newest administration events."""
    from est.services import invites

    session, actor = get_session(), current_actor()
    events = admin_events(session, actor) + invites.account_events(session, actor, limit=100)
    events.sort(key=lambda e: e["at"], reverse=True)
    return render_template("admin/log.html", events=events[:200])


def _apply(session) -> None:
    """Put the stored settings over the environment's (only touch them if any were stored)."""
    config = current_app.config
    base = _base_settings()
    values = admin_settings.stored(session)
    if values or config.get("EST_SETTINGS_APPLIED"):
        config["EST_SETTINGS"] = dataclasses.replace(base, **values)
        config["EST_SETTINGS_APPLIED"] = bool(values)
    config["EST_SETTINGS_READ_AT"] = time.monotonic()


@bp.before_app_request
def _refresh_settings() -> None:
    """Put the stored settings into the app's settings, read again every REFRESH_S seconds.

    Another process (worker) may have changed them; a database that cannot be read keeps
    the settings as they were (the page itself reports the outage).
    """
    if request.endpoint == "static":
        return
    config = current_app.config
    if time.monotonic() - config.get("EST_SETTINGS_READ_AT", -REFRESH_S) < REFRESH_S:
        return
    config["EST_SETTINGS_READ_AT"] = time.monotonic()
    try:
        session = database().sessions()()
        try:
            _apply(session)
        finally:
            session.close()
    except Exception as exc:  # an outage must not break pages that need no database
        log.warning("stored settings not read: %s", type(exc).__name__)
