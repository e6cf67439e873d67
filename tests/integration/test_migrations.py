"""Alembic upgrade and downgrade on a fresh database."""

import os

import pytest
from sqlalchemy import inspect, text

from est import migrate
from est.db import make_engine
from tests.conftest import throwaway_database

FRESH_DB = f"est_test_migrations_{os.getpid()}"


@pytest.fixture
def fresh_engine():
    """An engine on an empty PostGIS database (no migrations run)."""
    with throwaway_database(FRESH_DB) as url:
        eng = make_engine(url)
        yield eng
        eng.dispose()


def test_upgrade_then_downgrade_base(fresh_engine):
    migrate.upgrade(fresh_engine, "heads")
    tables = set(inspect(fresh_engine).get_table_names())
    assert {"area", "organisation", "user_account", "category", "report",
            "report_reason"} <= tables
    assert migrate.current(fresh_engine)

    with fresh_engine.connect() as conn:
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'report'"
        )).all()
    defs = {name: d for name, d in indexes}
    assert "USING gist (geom)" in defs["idx_report_geom"]
    assert "btree (occurred_at)" in defs["ix_report_occurred_at"]

    migrate.downgrade(fresh_engine, "base")
    left = set(inspect(fresh_engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}
    assert left == set()
    assert migrate.current(fresh_engine) == set()

    migrate.upgrade(fresh_engine, "heads")  # and up again on the emptied database
    assert "report" in inspect(fresh_engine).get_table_names()


def test_models_match_migrations(engine):
    """Autogenerate finds nothing to do: models and hand-tidied revisions agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from est.migrate import include_object
    from est.models import Base

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "include_object": include_object, "compare_type": True,
        })
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
