"""Shared fixtures: a real PostGIS test database, rolled-back sessions, app, client, factories.

The database is a throwaway ``est_test_<pid>`` database in the embedded cluster under ``var/``
(started if needed), or the database named by ``EST_TEST_DATABASE_URL``. It is migrated with
Alembic once per test session; each test runs inside a transaction rolled back at teardown.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, sessionmaker

from est import migrate
from est.config import load_settings
from est.db import embedded_cluster, make_engine
from est.models import Area, Category, Organisation, Report, User
from est.services.categories import seed_categories

# One database per pytest process, so parallel runs (developers, CI) never collide.
TEST_DB = f"est_test_{os.getpid()}"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


def _cluster():
    return embedded_cluster(load_settings({**os.environ, "DATABASE_URL": ""}))


@contextmanager
def throwaway_database(name: str) -> Iterator[str]:
    """Create database ``name`` afresh in the embedded cluster; drop it afterwards."""
    cluster = _cluster()
    cluster.start(log=lambda _m: None)
    cluster.drop_database(name)
    cluster.ensure_database(name, log=lambda _m: None)
    try:
        yield cluster.url(name)
    finally:
        cluster.drop_database(name)


@contextmanager
def migrated_engine(url: str) -> Iterator[Engine]:
    """Yield an engine on ``url`` migrated to the latest revision, with default categories."""
    eng = make_engine(url)
    migrate.upgrade(eng, "heads")
    with Session(eng) as session:
        seed_categories(session)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The test database's URL (``EST_TEST_DATABASE_URL`` or a throwaway embedded one)."""
    explicit = os.environ.get("EST_TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    with throwaway_database(TEST_DB) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the migrated test database, with the default categories committed."""
    with migrated_engine(database_url) as eng:
        yield eng


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test transaction: their commits become savepoints."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                        expire_on_commit=False)


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work disappears at teardown."""
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def app_config(database_url: str, session_factory) -> dict:
    """Config mapping for ``create_app`` in tests (extend it in a test module if needed)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "EST_SESSION_FACTORY": session_factory,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "EST_PRINT_BASEMAP": False,  # printed maps fetch no tiles unless a test serves them
    }


@pytest.fixture
def app(app_config: dict):
    """The Flask app bound to the test transaction."""
    from web import create_app

    app = create_app(app_config)
    yield app
    app.extensions["est_db"].dispose()


@pytest.fixture
def client(app):
    """Flask test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Flask CLI runner (runs ``est`` commands inside the test transaction)."""
    return app.test_cli_runner()


# -- factories (callable fixtures with small literal geometries) ---------------------------------

HALLSBERG_BOX = (15.05, 59.03, 15.17, 59.10)  # lon/lat box around Hallsberg town


@pytest.fixture
def make_area(db_session: Session) -> Callable[..., Area]:
    """Create an area (default: a box around Hallsberg town, kommunkod 1861)."""

    def _make(code: str = "1861", name: str = "Hallsberg", kind: str = "municipality",
              bounds: tuple[float, float, float, float] = HALLSBERG_BOX,
              parent: Area | None = None) -> Area:
        area = Area(kind=kind, code=code, name=name, parent_id=parent.id if parent else None,
                    geom=from_shape(MultiPolygon([box(*bounds)]), srid=4326))
        db_session.add(area)
        db_session.flush()
        return area

    return _make


@pytest.fixture
def make_organisation(db_session: Session) -> Callable[..., Organisation]:
    """Create an organisation."""

    def _make(name: str | None = None, kind: str = "kommun", area: Area | None = None):
        org = Organisation(name=name or f"{kind} {uuid.uuid4().hex[:6]}", kind=kind,
                           area_id=area.id if area else None)
        db_session.add(org)
        db_session.flush()
        return org

    return _make


@pytest.fixture
def category(db_session: Session) -> Callable[[str], Category]:
    """Return a seeded category by code."""

    def _get(code: str) -> Category:
        return db_session.scalars(select(Category).where(Category.code == code)).one()

    return _get


@pytest.fixture
def make_report(db_session: Session, category) -> Callable[..., Report]:
    """Create a report at a WGS84 point (default: Hallsberg station, now, reviewed)."""

    def _make(lon: float = 15.1122, lat: float = 59.0651, *, code: str = "klotter",
              occurred_at: datetime | None = None, area: Area | None = None,
              status: str = "reviewed", source: str = "organisation", **kw) -> Report:
        cat = category(code)
        report = Report(kind=cat.kind, category_id=cat.id,
                        geom=from_shape(Point(lon, lat), srid=4326),
                        area_id=area.id if area else None,
                        occurred_at=occurred_at or datetime.now(UTC),
                        status=status, source=source, **kw)
        db_session.add(report)
        db_session.flush()
        return report

    return _make


@pytest.fixture
def make_actor(db_session: Session, make_organisation):
    """Create a staff account with ``role`` (in ``org``, or a new organisation in ``area``)
    through the users service and return its :class:`est.access.Actor`."""
    from est.access import actor_for
    from est.services.users import create_user

    def _make(role: str, org: Organisation | None = None, area: Area | None = None):
        org = org or make_organisation(area=area)
        user = create_user(db_session, email=f"{role}-{uuid.uuid4().hex[:8]}@x.example",
                           name=role, role=role, organisation=org.id,
                           password_hash="!unusable")
        return actor_for(db_session, user)

    return _make


@pytest.fixture
def sign_in(client, db_session: Session) -> Callable[..., User]:
    """Sign the test client in as a new staff user with ``role`` in ``organisation``."""

    def _sign_in(role: str, organisation: Organisation) -> User:
        user = User(email=f"{role}-{uuid.uuid4().hex[:8]}@example.se", name=role.title(),
                    role=role, organisation_id=organisation.id, password_hash="!unusable")
        db_session.add(user)
        db_session.flush()
        from est.services.users import start_session

        token = start_session(db_session, user.id)  # a live server-side session
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_est_sid"] = token
            sess["_fresh"] = True
        return user

    return _sign_in


# -- browser --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's Chromium; never download a browser."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def shared_data():
    """The shared data folder beside the project (read in place, never copied)."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    assert path.is_dir(), f"{path} is missing: CI checks out ../shared beside the project"
    return path
