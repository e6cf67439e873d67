"""The municipality switcher: staff pages work on the actor's current municipality.

``?kommun=<kommunkod>`` on any page (or the nav's select, ``/kommun``) chooses the current
municipality of a signed-in account that works in several; it is remembered in the session.
Views call :func:`current_code` where they used ``EST_MUNICIPALITY``; for anonymous visitors
it stays ``EST_MUNICIPALITY`` (the public default). Rules live in :mod:`est.tenancy`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, request, session, url_for

from est import queries, tenancy
from est.errors import DomainError
from est.models import Area
from web.auth import _safe_next, current_actor
from web.db import get_session

bp = Blueprint("tenancy", __name__)
SESSION_KEY = "kommun"


def current_area() -> Area | None:
    """Return the signed-in actor's current municipality (None for anonymous visitors).

    A remembered code that is no longer one of the actor's falls back to the default (an
    explicit ``?kommun=`` is checked by :func:`_remember_requested`: 403/404/400).
    """
    actor = current_actor()
    if actor is None:
        return None
    if "est_current_area" not in g:
        default = current_app.config["EST_SETTINGS"].municipality
        remembered = session.get(SESSION_KEY)
        if remembered is not None and remembered not in {a.code for a in choices()}:
            session.pop(SESSION_KEY, None)  # no longer one of theirs: back to the default
            remembered = None
        g.est_current_area = tenancy.current_municipality(get_session(), actor, remembered,
                                                          default)
    return g.est_current_area


def current_code() -> str:
    """Return the kommunkod a page works on: the actor's current one, else EST_MUNICIPALITY."""
    area = current_area()
    return area.code if area is not None else current_app.config["EST_SETTINGS"].municipality


def choices() -> list[Area]:
    """Return the municipalities the signed-in actor may switch between (none if anonymous)."""
    actor = current_actor()
    if actor is None:
        return []
    if "est_municipalities" not in g:
        g.est_municipalities = tenancy.municipalities_of(get_session(), actor)
    return g.est_municipalities


@bp.before_app_request
def _remember_requested() -> None:
    """Remember ``?kommun=`` for a signed-in actor (403 if it is not one of theirs)."""
    requested = request.args.get(SESSION_KEY)
    if requested is None or current_actor() is None:
        return
    g.pop("est_current_area", None)
    default = current_app.config["EST_SETTINGS"].municipality
    area = tenancy.current_municipality(get_session(), current_actor(), requested, default)
    session[SESSION_KEY] = area.code
    g.est_current_area = area


@bp.app_context_processor
def _switcher() -> dict:
    def municipality_choices() -> list[Area]:
        found = choices()
        return found if len(found) > 1 else []

    def current_kommun() -> str | None:
        try:
            area = current_area()
        except DomainError:  # the page itself reports it; the nav must still render
            return None
        return area.code if area is not None else None

    return {"municipality_choices": municipality_choices, "current_kommun": current_kommun}


@bp.get("/kommun")
def switch():
    """Switch the current municipality (``?kommun=``, already remembered) and go back."""
    return redirect(_safe_next(request.args.get("next")) or url_for("staff.overview"))


def municipality() -> Area:
    """Return the Area a page works on: the actor's current municipality, else the default."""
    area = current_area()
    if area is not None:
        return area
    return queries.area_by_code(get_session(), current_app.config["EST_SETTINGS"].municipality)
