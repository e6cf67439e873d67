"""Gunicorn settings for production: ``gunicorn -c python:web.gunicorn_conf 'web:create_app()'``.

The rate limits (reports, sign-in, API) count in the limiter's storage. With memory storage
each worker process counts for itself, so ``-w 3`` would triple every limit: a production
server with several workers refuses to start unless ``REDIS_URL`` gives shared storage.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

bind = os.environ.get("EST_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"


def storage_problem(worker_count: int, env: Mapping[str, str]) -> str | None:
    """Return why a server with ``worker_count`` workers must not start, or None if it may."""
    production = env.get("EST_ENV", "development").strip().lower() == "production"
    if worker_count > 1 and production and not env.get("REDIS_URL"):
        return (f"EST refuses to start: {worker_count} gunicorn workers with in-memory rate "
                f"limit storage would each count their own requests, so every limit (reports, "
                f"sign-in, API) would be {worker_count} times too high. Set REDIS_URL (e.g. "
                f"redis://redis:6379/0) for shared storage, or run one worker (-w 1).")
    return None


def on_starting(server) -> None:
    """Gunicorn hook: stop before any worker starts when the rate limits cannot hold."""
    problem = storage_problem(server.cfg.workers, os.environ)
    if problem:
        server.log.error(problem)
        raise RuntimeError(problem)
