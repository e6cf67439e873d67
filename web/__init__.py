"""Flask entry points: the app factory, blueprints, templates, maps and the CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from est.config import load_settings


def create_app(config: Mapping[str, Any] | None = None, *, pages: bool = True) -> Flask:
    """Create the Flask app; ``config`` overrides environment variables (used by tests).

    ``pages=False`` leaves out the web pages (blueprints, HTTP error handlers): the quick app
    the ``est`` commands run in.
    """
    app = Flask(__name__)
    overrides = dict(config or {})
    env = {**os.environ, **{k: str(v) for k, v in overrides.items() if isinstance(v, str)}}
    settings = load_settings(env)
    app.config.update(
        SECRET_KEY=settings.secret_key or os.urandom(32).hex(),
        EST_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        JSON_SORT_KEYS=False,
    )
    app.config.update(overrides)
    register_proxy(app)
    register_database(app)
    register_extensions(app)
    if pages:
        register_blueprints(app)
        register_error_handlers(app)
    register_commands(app)
    return app


def register_proxy(app: Flask) -> None:
    """Trust ``EST_PROXY_HOPS`` reverse proxies for the client address, scheme and host.

    Behind nginx or a load balancer every request otherwise comes from the proxy's address,
    so the per-IP rate limits would throttle everyone together.
    """
    hops = app.config["EST_SETTINGS"].proxy_hops
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_database(app: Flask) -> None:
    """Attach the lazily created engine and a per-request session."""
    from web import db

    db.init_app(app)


def register_extensions(app: Flask) -> None:
    """Bind Babel (sv, en), Flask-Login, CSRF protection, the rate limiter and security headers."""
    from web import auth, extensions, security

    extensions.init_app(app)
    auth.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per feature."""
    from web import auth
    from web.views import (
        api,
        health,
        home,
        inputs,
        lagesbild,
        moderation,
        open311,
        promises,
        report_public,
        resident,
        review,
        staff,
    )

    for module in (health, home, auth, report_public, resident, staff, moderation, review,
                   lagesbild, promises, open311, api, inputs):
        app.register_blueprint(module.bp)
    from web.views import plans

    app.register_blueprint(plans.bp)
    from web.views import digital_walk, walks

    app.register_blueprint(walks.bp)
    app.register_blueprint(digital_walk.bp)
    from web.views import admin
    from web.views.admin import selfservice

    app.register_blueprint(admin.bp)
    app.register_blueprint(selfservice.bp)
    from web.views import public_pages

    app.register_blueprint(public_pages.bp)
    from web.views import jobs

    app.register_blueprint(jobs.bp)
    from web.views import tenancy

    app.register_blueprint(tenancy.bp)


def register_commands(app: Flask) -> None:
    """Attach the ``est`` command line to ``app.cli``."""
    from web.cli import register_commands as _register

    _register(app)


def register_error_handlers(app: Flask) -> None:
    """Map domain errors to 4xx responses (JSON for API clients, HTML otherwise)."""
    from web import errors, guards

    errors.init_app(app)
    guards.init_app(app)
