"""Staff sign-in with Flask-Login: the user loader, login/logout pages and ``roles_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_user, logout_user

from est import access
from est.access import Actor
from est.services import users
from web.db import get_session
from web.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)


class StaffUser(UserMixin):
    """The signed-in account as Flask-Login's ``current_user`` (a detached snapshot)."""

    def __init__(self, actor: Actor):
        self.actor = actor

    def get_id(self) -> str:
        return str(self.actor.id)

    id = property(lambda self: self.actor.id)
    email = property(lambda self: self.actor.email)
    name = property(lambda self: self.actor.name)
    role = property(lambda self: self.actor.role)
    organisation_id = property(lambda self: self.actor.organisation_id)
    organisation_name = property(lambda self: self.actor.organisation_name)
    area_id = property(lambda self: self.actor.area_id)

    def can(self, action: str) -> bool:
        """Return True if the policy in :mod:`est.access` allows ``action``."""
        return access.can(self.actor, action)


def current_actor() -> Actor | None:
    """Return the signed-in user's :class:`~est.access.Actor`, or None for anonymous users."""
    if not current_user.is_authenticated:
        return None
    return current_user.actor


def roles_required(*roles: str) -> Callable:
    """Allow a view only for these roles: anonymous users go to login, others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403, description=_("Du har inte behörighet till sidan."))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app) -> None:
    """Configure Flask-Login (loader, login page, messages) for ``app``."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.context_processor
    def _access_helpers():
        return {"can": lambda action: access.can(current_actor(), action)}


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    if not user_id.isdigit():
        return None
    actor = users.load_actor(get_session(), int(user_id))
    return StaffUser(actor) if actor else None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(role: str) -> str:
    """Return the start page of a role after sign-in."""
    if role in ("admin", "coordinator"):
        return url_for("moderation.queue")
    if role == "reporter":
        return url_for("staff.reports")
    return url_for("staff.overview")


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Show the sign-in form and sign in with e-mail and password."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", email="", next=next_url, error=None)
    email = request.form.get("email", "")
    actor = users.authenticate(get_session(), email, request.form.get("password", ""))
    if actor is None:
        return render_template("auth/login.html", email=email, next=next_url,
                               error=_("Fel e-postadress eller lösenord.")), 401
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in (no fixation)
    if lang:
        session["lang"] = lang
    login_user(StaffUser(actor))
    return redirect(next_url or home_for(actor.role))


@bp.post("/logga-ut")
def logout():
    """Sign out and forget the session."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("home.index"))
