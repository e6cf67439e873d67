"""Live-server fixtures for browser tests: a committed PostGIS database and a threaded server.

Browser tests need real commits (the server runs in another thread), so they use their own
``est_e2e`` database, emptied after each test. Every browser context is offline: a request to
any host but the loopback server is aborted and fails the test, map tiles come from a fake
loopback tile server answered in the browser, and a CSP violation fails the test too.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from est.models import Base

from ..conftest import migrated_engine, throwaway_database
from ..servers import serve_app
from ..tileserver import serve_tiles

E2E_DB = f"est_e2e_{os.getpid()}"
# Seeded by migrations: the taxonomy and the built-in activity library (0017).
KEEP_TABLES = {"category", "spatial_ref_sys", "activity_pattern"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Tiles come from a loopback "server" that only exists in the browser's request routing.
TILE_HOST, TILE_PORT = "localhost", 9
TILE_URL = f"http://{TILE_HOST}:{TILE_PORT}/tiles/{{z}}/{{x}}/{{y}}.png"
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def _guard_route(route, attempts: list[str]) -> None:
    """Serve fake tiles, let loopback requests through, abort and record everything else."""
    url = route.request.url
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        route.continue_()
    elif parts.hostname == TILE_HOST and parts.port == TILE_PORT:
        route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
    elif parts.hostname in LOOPBACK:
        route.continue_()
    else:
        attempts.append(url)
        route.abort("blockedbyclient")


@pytest.fixture(autouse=True)
def offline_browser(request, monkeypatch) -> Iterator[dict[str, list[str]]]:
    """Route every browser context of the test offline; fail on third-party requests and CSP
    violations (Chromium reports those on the console)."""
    found: dict[str, list[str]] = {"third_party": [], "csp": []}
    if "browser" not in request.fixturenames and "page" not in request.fixturenames:
        yield found
        return
    browser = request.getfixturevalue("browser")
    original = browser.new_context

    def guarded_context(*args, **kwargs):
        context = original(*args, **kwargs)
        context.route("**/*", lambda route: _guard_route(route, found["third_party"]))
        context.on("console", lambda msg: found["csp"].append(msg.text)
                   if "Content Security Policy" in msg.text else None)
        return context

    monkeypatch.setattr(browser, "new_context", guarded_context)
    yield found
    assert not found["third_party"], f"requests to third parties: {found['third_party']}"
    assert not found["csp"], f"CSP violations: {found['csp']}"


@pytest.fixture(scope="session")
def e2e_database_url() -> Iterator[str]:
    """Create the e2e database afresh and return its URL."""
    with throwaway_database(E2E_DB) as url:
        yield url


@pytest.fixture(scope="session")
def e2e_engine(e2e_database_url: str) -> Iterator[Engine]:
    """Engine on the migrated e2e database with default categories."""
    with migrated_engine(e2e_database_url) as eng:
        yield eng


@pytest.fixture
def e2e_session(e2e_engine: Engine) -> Iterator[Session]:
    """A committing session on the e2e database; every table but categories is emptied after."""
    session = Session(e2e_engine, expire_on_commit=False)
    yield session
    session.close()
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with e2e_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM activity_pattern WHERE NOT builtin"))


@pytest.fixture
def live_server(e2e_database_url: str, e2e_session: Session, tmp_path) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yield its base URL. Printed maps
    (agenda, minutes, lägesbild PDF) take their tiles from a loopback tile server."""
    from web import create_app

    with serve_tiles() as tiles:
        app = create_app({"SECRET_KEY": "e2e-secret", "DATABASE_URL": e2e_database_url,
                          "RATELIMIT_ENABLED": False, "EST_TILE_URL": tiles.url,
                          "EST_TILE_CACHE_DIR": str(tmp_path / "tiles")})
        with serve_app(app) as base:
            yield base
