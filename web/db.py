"""Per-app engine (created on first use) and per-request SQLAlchemy session."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from est.config import Settings
from est.db import make_engine, make_session_factory, resolve_database_url


@dataclass
class Database:
    """Holds the engine and session factory; nothing connects until first use."""

    settings: Settings
    session_factory: sessionmaker[Session] | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(resolve_database_url(self.settings, log=_log))
        return self._engine

    def dispose(self) -> None:
        """Close pooled connections (tests and shutdown)."""
        if self._engine is not None:
            self._engine.dispose()

    def sessions(self) -> sessionmaker[Session]:
        if self.session_factory is None:
            self.session_factory = make_session_factory(self.engine)
        return self.session_factory


def _log(message: str) -> None:
    current_app.logger.info(message)


def init_app(app: Flask) -> None:
    """Store the database holder on the app and close the request session on teardown."""
    app.extensions["est_db"] = Database(
        app.config["EST_SETTINGS"], app.config.get("EST_SESSION_FACTORY")
    )
    app.teardown_appcontext(_close_session)


def database() -> Database:
    """Return the current app's database holder."""
    return current_app.extensions["est_db"]


def get_session() -> Session:
    """Return the session of the current request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
