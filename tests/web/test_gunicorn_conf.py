"""The production gunicorn settings refuse per-worker rate limits (issue 9, finding 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from web import gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.mark.parametrize(("workers", "env", "refused"), [
    (2, {"EST_ENV": "production"}, True),
    (3, {"EST_ENV": " Production "}, True),
    (1, {"EST_ENV": "production"}, False),
    (2, {"EST_ENV": "production", "REDIS_URL": "redis://redis:6379/0"}, False),
    (4, {"EST_ENV": "development"}, False),
    (4, {}, False),
])
def test_storage_problem(workers, env, refused):
    problem = gunicorn_conf.storage_problem(workers, env)
    assert (problem is not None) is refused
    if refused:
        assert "REDIS_URL" in problem and f"{workers} gunicorn workers" in problem


class _Log:
    def __init__(self):
        self.errors = []

    def error(self, message):
        self.errors.append(message)


def test_on_starting_hook_stops_the_server(monkeypatch):
    monkeypatch.setenv("EST_ENV", "production")
    monkeypatch.delenv("REDIS_URL", raising=False)
    server = SimpleNamespace(cfg=SimpleNamespace(workers=2), log=_Log())
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        gunicorn_conf.on_starting(server)
    assert server.log.errors
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    gunicorn_conf.on_starting(server)  # shared storage: starts


def _gunicorn(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "EST_ENV")}
    return subprocess.run([str(GUNICORN), "-c", "python:web.gunicorn_conf", *args,
                           "web:create_app()"], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_real_gunicorn_refuses_two_workers_without_redis_in_production():
    done = _gunicorn("-w", "2", "-b", "127.0.0.1:0", EST_ENV="production",
                     SECRET_KEY="x" * 32)
    assert done.returncode == 1
    assert "EST refuses to start" in done.stderr and "REDIS_URL" in done.stderr
    assert "Booting worker" not in done.stderr  # stopped before any worker started


def test_the_config_file_passes_gunicorns_check():
    done = _gunicorn("--check-config", "-w", "2", EST_ENV="production", SECRET_KEY="x" * 32,
                     REDIS_URL="redis://127.0.0.1:6379/0")
    assert done.returncode == 0, done.stderr
