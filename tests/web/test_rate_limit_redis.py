"""With REDIS_URL the per-IP limits live in Redis, so every gunicorn worker shares them.

A private redis-server (installed by scripts/bootstrap) is started on a free loopback port for
this module; nothing touches a Redis the machine may already run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import func, select

from est.models import Report
from tests.servers import private_redis
from web import create_app

VALID = {"kind": "incident", "category": "klotter", "lat": "59.0651", "lon": "15.1122",
         "when": "now"}


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


def test_report_limit_is_counted_in_redis(app_config, db_session, make_area, redis_url):
    make_area()
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    app = create_app({**app_config, "REDIS_URL": redis_url, "RATELIMIT_ENABLED": True,
                      "EST_REPORT_RATE_LIMIT": "2 per minute"})
    try:
        client = app.test_client()
        addr = {"REMOTE_ADDR": "198.51.100.9"}
        statuses = [client.post("/rapportera", data=VALID, environ_base=addr).status_code
                    for _ in range(3)]
        assert statuses == [302, 302, 429]
        assert db_session.scalar(select(func.count()).select_from(Report)) == 2
        keys = [k.decode() for k in store.keys("*")]
        assert any("198.51.100.9" in k for k in keys), keys  # the counter lives in Redis
    finally:
        store.close()
        app.extensions["est_db"].dispose()
