"""``/jobb/<id>``: the status of a background job as JSON, for pages that wait for one."""

from __future__ import annotations

import re

from flask import Blueprint, abort, jsonify

from est import jobs
from web.auth import permission_required

bp = Blueprint("jobs", __name__)
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@bp.record_once
def _configure(state) -> None:
    """Send this app's jobs to its REDIS_URL (inline without) with its database sessions."""
    app = state.app
    # Resolved when a job opens a session: the app's engine starts lazily.
    jobs.configure(app.config["EST_SETTINGS"].redis_url,
                   lambda: app.extensions["est_db"].sessions()())


@bp.get("/jobb/<job_id>")
@permission_required("aggregates.view")
def status(job_id: str):
    """Return ``{id, status, done, error, ended_at}`` of a job (never its result)."""
    if not JOB_ID.fullmatch(job_id):
        abort(404)
    ref = jobs.get(job_id)
    if ref is None:
        return jsonify({"id": job_id, "status": "unknown", "done": True, "error": True}), 404
    response = jsonify(ref.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response
