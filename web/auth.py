"""Staff sign-in: server-side sessions, per-account back-off, permission checks for views.

The Flask session cookie carries a random session token; ``user_session`` stores only its
SHA-256 hash. Every request resumes the session from the table, so sign-out, the idle and
absolute timeouts, a password change and deactivation end it for every copy of the cookie.
Flask-Login's remember-me cookie is never set, and a user loaded without a live session token
is anonymous.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
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
from web.extensions import failure_store, limiter, login_manager

bp = Blueprint("auth", __name__)
# Key of the session token in the (signed) Flask session cookie.
SESSION_KEY = "_est_sid"
LOCKED_MESSAGE = _l("För många misslyckade inloggningar. Inloggningen är tillfälligt låst – "
                    "försök igen om en stund.")


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
    permissions = property(lambda self: access.permissions_of(self.actor))

    def can(self, action: str) -> bool:
        """Return True if the policy in :mod:`est.access` allows ``action``."""
        return access.can(self.actor, action)


def current_actor() -> Actor | None:
    """Return the signed-in user's :class:`~est.access.Actor`, or None for anonymous users."""
    if not current_user.is_authenticated:
        return None
    return current_user.actor


def permission_required(*actions: str) -> Callable:
    """Allow a view only if the user may perform one of ``actions`` (see :data:`access.POLICY`).

    Anonymous users go to the login page, signed-in users without the permission get 403.
    """
    for action in actions:
        if action not in access.POLICY:
            raise ValueError(f"unknown action {action!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(access.can(current_user.actor, a) for a in actions):
                abort(403, description=_("Du har inte behörighet till sidan."))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def roles_required(*roles: str) -> Callable:
    """Allow a view for users with at least the permissions of one of these roles.

    Each name is a role (its default permission set, :data:`access.ROLE_PERMISSIONS`) or a
    single permission; the decision is made from the user's permissions (see
    :func:`access.at_least`), so a partner with ``report`` + ``review`` passes
    ``roles_required("viewer")``. Prefer :func:`permission_required` in new views.
    """
    for name in roles:
        access.at_least(None, name)  # an unknown name is a programming error

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(access.at_least(current_user.actor, name) for name in roles):
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
    # Remember-me is never offered; keep its cookie short-lived and HTTP-only should it appear.
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(seconds=0))
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)

    @app.context_processor
    def _access_helpers():
        return {"can": lambda action: access.can(current_actor(), action),
                "can_read_action_private":
                    lambda action: access.can_read_action_private(current_actor(), action)}


def _session_limits() -> dict[str, timedelta]:
    settings = current_app.config["EST_SETTINGS"]
    return {"idle": timedelta(minutes=settings.session_idle_minutes),
            "max_age": timedelta(hours=settings.session_max_hours)}


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    actor = users.resume_session(get_session(), session.get(SESSION_KEY), **_session_limits())
    if actor is None or str(actor.id) != user_id:
        session.pop(SESSION_KEY, None)
        return None
    return StaffUser(actor)


def sign_in_session(actor: Actor) -> None:
    """Start a fresh server-side session for ``actor`` (a new cookie: no session fixation)."""
    token = users.start_session(get_session(), actor.id, max_age=_session_limits()["max_age"])
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = token
    login_user(StaffUser(actor), remember=False)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(role_or_actor: str | Actor) -> str:
    """Return the start page after sign-in (by the user's permissions, or a role's defaults)."""
    user = (role_or_actor if not isinstance(role_or_actor, str)
            else Actor(0, "", "", role_or_actor, None))
    if access.can(user, "report.moderate"):
        return url_for("moderation.queue")
    if access.can(user, "report.view"):
        return url_for("staff.reports")
    return url_for("staff.overview")


def _unknown_locked(email: str) -> bool:
    """Count a failure for an unknown address the way accounts count theirs; True if locked.

    An unknown e-mail then gets the same "locked" answer after the same number of attempts as
    a real account, so the page does not tell which addresses exist.
    """
    store = failure_store()
    key = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]
    if store.get(f"est-login-lock/{key}") > 0:
        return True
    failures = store.incr(f"est-login-fail/{key}", 24 * 3600)
    minutes = users.lock_minutes(failures)
    if minutes:
        store.incr(f"est-login-lock/{key}", minutes * 60)
        return True
    return False


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["EST_LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Show the sign-in form and sign in with e-mail and password."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", email="", next=next_url, error=None)
    email = request.form.get("email", "")[:254]
    result = users.sign_in(get_session(), email, request.form.get("password", ""))
    if result.actor is None:
        locked = result.locked if result.known else _unknown_locked(email)
        error = LOCKED_MESSAGE if locked else _("Fel e-postadress eller lösenord.")
        return render_template("auth/login.html", email=email, next=next_url,
                               error=error), 429 if locked else 401
    sign_in_session(result.actor)
    return redirect(next_url or home_for(result.actor))


@bp.post("/logga-ut")
def logout():
    """Sign out: end the session on the server and forget the cookie's contents."""
    users.end_session(get_session(), session.get(SESSION_KEY))
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("home.index"))
