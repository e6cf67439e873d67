"""Per-app engine (created on first use) and per-request SQLAlchemy session.

With ``DATABASE_REPLICA_URL`` set, the session of a GET or HEAD request reads from the replica
(est.replica) until it writes; other methods, CLI commands and jobs use the primary. A request
that wrote sets the cookie ``est_primary`` for ``EST_REPLICA_MAX_LAG_SECONDS`` seconds, so that
browser reads its own writes from the primary while the replica may still lag.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from est.config import Settings
from est.db import make_engine, make_session_factory, resolve_database_url
from est.replica import PRIMARY_KEY, REPLICA_KEY, ReplicaRouter

READ_METHODS = frozenset({"GET", "HEAD"})
PRIMARY_COOKIE = "est_primary"


@dataclass
class Database:
    """Holds the engine and session factory; nothing connects until first use."""

    settings: Settings
    session_factory: sessionmaker[Session] | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _replica: ReplicaRouter | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(resolve_database_url(self.settings, log=_log))
        return self._engine

    def dispose(self) -> None:
        """Close pooled connections (tests and shutdown)."""
        if self._engine is not None:
            self._engine.dispose()
        if self._replica is not None:
            self._replica.dispose()

    @property
    def replica(self) -> ReplicaRouter | None:
        """The read replica router, or None without ``DATABASE_REPLICA_URL``."""
        url = self.settings.database_replica_url
        if self._replica is None and url:
            self._replica = ReplicaRouter(url, self.settings.replica_max_lag_seconds)
        return self._replica

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
    app.after_request(_remember_write)


def database() -> Database:
    """Return the current app's database holder."""
    return current_app.extensions["est_db"]


def get_session() -> Session:
    """Return the session of the current request (or CLI command), opened on first use."""
    if "db_session" not in g:
        session = database().sessions()()
        if _may_read_replica():
            replica = database().replica
            if replica is not None:
                replica.route(session)
        g.db_session = session
    return g.db_session


def _may_read_replica() -> bool:
    return (has_request_context() and request.method in READ_METHODS
            and PRIMARY_COOKIE not in request.cookies)


def _remember_write(response: Response) -> Response:
    """After a request that may have written, read from the primary for a while."""
    session = g.get("db_session")
    db = current_app.extensions["est_db"]
    if session is None or not db.settings.database_replica_url:
        return response
    wrote = request.method not in READ_METHODS or (
        session.info.get(REPLICA_KEY) is not None and session.info.get(PRIMARY_KEY))
    if wrote and response.status_code < 400:
        response.set_cookie(PRIMARY_COOKIE, "1",
                            max_age=max(1, db.settings.replica_max_lag_seconds),
                            httponly=True, samesite="Lax", secure=db.settings.is_production)
    return response


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
