"""Engine and session factory; resolves the embedded cluster when no DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from est.config import Settings
from est.embedded import EmbeddedCluster
from est.replica import RoutingSession, pin_to_primary


def embedded_cluster(settings: Settings) -> EmbeddedCluster:
    """Return the private cluster under the configured ``var/`` directory."""
    return EmbeddedCluster(settings.var_dir, settings.embedded_port)


def resolve_database_url(settings: Settings, start_embedded: bool = True, log=print) -> str:
    """Return DATABASE_URL, or start the embedded cluster and return its URL."""
    if settings.database_url:
        return settings.database_url
    cluster = embedded_cluster(settings)
    if start_embedded:
        cluster.start(log=log)
    return cluster.url()


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with pre-ping so a restarted database is reconnected transparently."""
    return create_engine(url, pool_pre_ping=True, future=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Create the session factory used by services (``expire_on_commit`` off for views).

    Its sessions are :class:`est.replica.RoutingSession`: on the primary unless a request
    hands them a replica (web.db), and then only for plain reads before any write.
    """
    return sessionmaker(bind=engine, class_=RoutingSession, expire_on_commit=False)


def check_database(engine: Engine) -> dict[str, str]:
    """Return PostgreSQL and PostGIS versions; raise if the database cannot be reached."""
    with engine.connect() as conn:
        pg = conn.execute(text("SHOW server_version")).scalar_one()
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    return {"postgresql": str(pg), "postgis": str(postgis)}


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Run one use case in its own transaction on ``session`` (commit on success).

    A use case writes, so the session reads from the primary from here on (est.replica).
    """
    pin_to_primary(session)
    if session.in_transaction():
        # Reads earlier in the request autobegan a transaction; close it so this use case
        # commits or rolls back as a whole.
        session.commit()
    with session.begin():
        yield session
