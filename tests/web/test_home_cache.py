"""The public home page and /rutor.geojson come from a cache keyed by the data fingerprint.

Validators (ETag, Last-Modified) answer 304 while nothing that can count changed; any write
that can change a public figure gives a new key at once (never a stale page); the HTML page
gets a fresh CSP nonce per response and a 304 keeps the nonce of the browser's copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from est import public
from tests.servers import private_redis
from web import create_app

STATION = (15.1122, 59.0651)
TAG = re.compile(r'^W/"([0-9a-f]{32})\.([A-Za-z0-9_-]+)"$')


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """Read the fingerprint on every request here (production reuses it for 2 s per worker)."""
    return {**app_config, "EST_PUBLIC_FINGERPRINT_TTL_S": 0}


@pytest.fixture
def town(make_area, make_organisation):
    area = make_area()
    shared = make_organisation("Polisen Hallsberg", "polis", area=area)
    shared.public_opt_in = True
    return area, shared


@pytest.fixture
def put(make_report, town):
    """Store a counted report on day ``day`` of the newest public window."""
    area, shared = town
    window = public.latest_window(public.PublicPolicy(), public.datetime.now(public.ZoneInfo(
        "Europe/Stockholm")))

    def _put(*, day: int = 1, **kw):
        at = window.start_at + timedelta(days=day, hours=10)
        kw.setdefault("reported_at", at + timedelta(hours=1))
        return make_report(*STATION, area=area, occurred_at=at, organisation_id=shared.id, **kw)

    return _put


def _lead(html: str) -> str:
    return re.search(r'<p class="lead">(.*?)</p>', html, re.S).group(1)


def _nonces(html: str) -> set[str]:
    return set(re.findall(r'<script nonce="([^"]+)"', html))


def test_home_validators_304_and_a_fresh_nonce_per_response(client, put):
    for _ in range(5):
        put()
    first = client.get("/")
    second = client.get("/")
    assert first.status_code == second.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    tag1, nonce1 = TAG.match(first.headers["ETag"]).groups()
    tag2, nonce2 = TAG.match(second.headers["ETag"]).groups()
    assert tag1 == tag2 and nonce1 != nonce2  # same data, never the same nonce
    for response, nonce in ((first, nonce1), (second, nonce2)):
        html = response.get_data(as_text=True)
        assert _nonces(html) == {nonce}  # map header, menu and map script: this nonce only
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        assert "5 rapporter" in _lead(html)
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    # The browser's copy keeps running: the 304 carries the nonce that copy was sent with.
    assert f"'nonce-{nonce1}'" in again.headers["Content-Security-Policy"]
    assert again.headers["ETag"] == first.headers["ETag"]
    forged = client.get("/", headers={"If-None-Match": 'W/"' + "0" * 32 + '.abcdefghijklmnop"'})
    assert forged.status_code == 200


def test_home_changes_at_once_when_a_counted_report_changes(client, put, town, db_session):
    reports = [put() for _ in range(5)]
    first = client.get("/")
    assert "5 rapporter" in _lead(first.get_data(as_text=True))
    put(day=2)
    after_insert = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert after_insert.status_code == 200
    assert "6 rapporter" in _lead(after_insert.get_data(as_text=True))
    reports[0].status = "rejected"
    db_session.flush()
    after_update = client.get("/", headers={"If-None-Match": after_insert.headers["ETag"]})
    assert after_update.status_code == 200
    assert "5 rapporter" in _lead(after_update.get_data(as_text=True))
    town[1].public_opt_in = False  # the organisation withdraws: nothing counts any more
    db_session.flush()
    withdrawn = client.get("/", headers={"If-None-Match": after_update.headers["ETag"]})
    assert withdrawn.status_code == 200
    assert "Inga rutor att visa" in _lead(withdrawn.get_data(as_text=True))
    db_session.delete(reports[1])
    db_session.flush()
    tags = {TAG.match(r.headers["ETag"]).group(1)
            for r in (first, after_insert, after_update, withdrawn, client.get("/"))}
    assert len(tags) == 5


def test_rutor_geojson_etag_and_if_modified_since(client, put):
    for _ in range(5):
        put()
    first = client.get("/rutor.geojson")
    assert first.status_code == 200 and first.mimetype == "application/geo+json"
    assert [f["properties"]["count"] for f in first.get_json()["features"]] == [5]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/rutor.geojson", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/rutor.geojson",
                      headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/rutor.geojson", headers={
        "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}).status_code == 200
    assert client.get("/rutor.geojson", headers={
        "If-Modified-Since": "not a date"}).status_code == 200
    put()
    changed = client.get("/rutor.geojson", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert [f["properties"]["count"] for f in changed.get_json()["features"]] == [6]


def test_signed_in_staff_get_no_store_and_no_validators(client, put, town, sign_in):
    for _ in range(5):
        put()
    sign_in("coordinator", town[1])
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


def test_two_workers_share_entries_through_redis(app_config, put, redis_url):
    for _ in range(5):
        put()
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    one = create_app({**app_config, "REDIS_URL": redis_url}).test_client()
    two = create_app({**app_config, "REDIS_URL": redis_url}).test_client()
    first = one.get("/")
    keys = store.keys("est:public:home:*")
    assert first.status_code == 200 and len(keys) == 1
    # The other "worker" answers from the shared entry: same validators, a 304 for the tag.
    second = two.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert second.headers["ETag"] == first.headers["ETag"]
    assert two.get("/").headers["Last-Modified"] == first.headers["Last-Modified"]
    assert store.keys("est:public:home:*") == keys
    put()
    assert "6 rapporter" in _lead(two.get("/").get_data(as_text=True))
    assert len(store.keys("est:public:home:*")) == 2


def test_each_language_has_its_own_tag_and_page(client, put):
    for _ in range(5):
        put()
    swedish = client.get("/")
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    english = client.get("/", headers={"If-None-Match": swedish.headers["ETag"]})
    assert english.status_code == 200  # never the Swedish copy's 304
    assert TAG.match(english.headers["ETag"]).group(1) != TAG.match(
        swedish.headers["ETag"]).group(1)
    assert 'hreflang="sv"' in english.get_data(as_text=True)
    assert 'hreflang="en"' in swedish.get_data(as_text=True)
    again = client.get("/", headers={"If-None-Match": english.headers["ETag"]})
    assert again.status_code == 304


def test_fingerprint_reused_per_worker_for_its_ttl_then_read_again(app_config, put, db_session):
    """With a TTL a hit needs no database; a change shows once the TTL has passed."""
    from sqlalchemy import event

    for _ in range(5):
        put()
    app = create_app({**app_config, "EST_PUBLIC_FINGERPRINT_TTL_S": 2})
    client = app.test_client()
    first = client.get("/")
    assert "5 rapporter" in _lead(first.get_data(as_text=True))
    store = app.extensions["est_public_cache"]
    clock = [1000.0]
    store.clock = lambda: clock[0]
    store.clear()
    client.get("/")  # memoised at clock 1000 for 2 s
    put(day=2)
    statements: list[str] = []
    connection = db_session.connection()
    event.listen(connection, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    clock[0] = 1001.5
    within = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert within.status_code == 304 and statements == []  # no query at all on a hit
    clock[0] = 1002.5
    after = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and statements  # read again: the new report counts
    assert "6 rapporter" in _lead(after.get_data(as_text=True))
    app.extensions["est_db"].dispose()
