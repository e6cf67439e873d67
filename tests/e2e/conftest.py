"""Live-server fixtures for browser tests: a committed PostGIS database and a threaded server.

Browser tests need real commits (the server runs in another thread), so they use their own
``est_e2e`` database, emptied after each test.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from est.models import Base

from ..conftest import migrated_engine, throwaway_database

E2E_DB = f"est_e2e_{os.getpid()}"
KEEP_TABLES = {"category", "spatial_ref_sys"}


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


@pytest.fixture
def live_server(e2e_database_url: str, e2e_session: Session) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yield its base URL."""
    from web import create_app

    app = create_app({"SECRET_KEY": "e2e-secret", "DATABASE_URL": e2e_database_url,
                      "RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["est_db"].dispose()
