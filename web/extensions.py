"""Flask extensions, created unbound here and bound to an app in ``register_extensions``."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits.storage import Storage, storage_from_string

LANGUAGES = ("sv", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def select_locale() -> str:
    """Return the language chosen with the language switch (Swedish by default)."""
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return "sv"


def failure_store() -> Storage:
    """Return the counter store for failed sign-ins of unknown addresses (see web.auth)."""
    return current_app.extensions["est_login_failures"]


def init_app(app: Flask) -> None:
    """Bind Babel, Flask-Login, CSRF protection and the rate limiter to ``app``."""
    settings = app.config["EST_SETTINGS"]
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "sv")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    # Flask-Limiter keeps state on its (module-level) instance: set every option explicitly.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Limits come from the environment (EST_*_RATE_LIMIT, checked in est.config).
    app.config.setdefault("EST_REPORT_RATE_LIMIT", settings.report_rate_limit)
    app.config.setdefault("EST_LOGIN_RATE_LIMIT", settings.login_rate_limit)
    app.config.setdefault("EST_API_RATE_LIMIT", settings.api_rate_limit)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # Failed sign-ins of unknown e-mail addresses, counted where the rate limits are (Redis
    # in production, so every worker sees the same counts).
    app.extensions["est_login_failures"] = storage_from_string(
        app.config["RATELIMIT_STORAGE_URI"])

    @app.before_request
    def _language() -> None:
        g.lang = select_locale()
        g.path = request.full_path.rstrip("?")
