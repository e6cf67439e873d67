"""Run Alembic migrations programmatically (used by the CLI and the test suite)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from sqlalchemy import Engine

from est.config import PROJECT_ROOT


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Tell autogenerate which objects to compare (PostGIS-owned tables are skipped)."""
    if type_ == "table" and reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def alembic_config(url: str | None = None) -> Config:
    """Return an Alembic config pointing at ``migrations/`` and, if given, at ``url``."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the database behind ``engine`` to ``revision`` (e.g. ``base``)."""
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current(engine: Engine) -> set[str]:
    """Return the revisions the database is at (empty before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
