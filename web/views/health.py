"""Health check for load balancers and docker compose."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from est.db import check_database
from est.embedded import EmbeddedDatabaseError
from web.db import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Return 200 with database versions, or 503 if the database cannot be reached."""
    try:
        versions = check_database(database().engine)
    except (SQLAlchemyError, EmbeddedDatabaseError) as exc:
        return jsonify(status="error", database=str(exc).splitlines()[0]), 503
    return jsonify(status="ok", database="ok", **versions)
