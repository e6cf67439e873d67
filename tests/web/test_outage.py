"""A database outage: forms and APIs answer 503 with Retry-After, never a 500.

The app is pointed at a real PostgreSQL URL whose unix socket directory has no server, so
every connection attempt is refused by the operating system (no mocks).
"""

from __future__ import annotations

import pytest

from web import create_app


@pytest.fixture
def down_client(tmp_path):
    socket_dir = tmp_path / "no-server"
    socket_dir.mkdir()
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "DATABASE_URL": f"postgresql+psycopg://est@/est?host={socket_dir}&connect_timeout=2",
    })
    yield app.test_client()
    app.extensions["est_db"].dispose()


def assert_unavailable(response):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/rapportera", None),
    ("post", "/rapportera", {"kind": "incident", "category": "klotter", "lat": "59.0651",
                             "lon": "15.1122", "when": "now"}),
    ("get", "/", None),
    ("post", "/logga-in", {"email": "a@example.se", "password": "x" * 12}),
])
def test_pages_answer_503_in_swedish(down_client, method, path, data):
    response = getattr(down_client, method)(path, data=data)
    assert_unavailable(response)
    html = response.get_data(as_text=True)
    assert '<html lang="sv">' in html and "tillfälligt otillgänglig" in html
    assert "Inget har sparats" in html
    assert "Traceback" not in html and "psycopg" not in html  # no internals leak


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("get", "/api/v1/reports.geojson", {"headers": {"Authorization": "Bearer est_x"}}),
    ("post", "/api/v1/reports", {"headers": {"Authorization": "Bearer est_x"},
                                 "json": {"type": "Feature"}}),
])
def test_apis_answer_503_as_json(down_client, method, path, kwargs):
    response = getattr(down_client, method)(path, **kwargs)
    assert_unavailable(response)
    body = response.get_json()
    assert body["error"] == "service_unavailable" and body["retry_after"] > 0
    # RFC 9457, as every other error of /api/v1
    assert response.mimetype == "application/problem+json"
    assert body["status"] == 503 and body["errors"][0]["field"] == "database"


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/open311/v2/services.json", None),
    ("get", "/open311/v2/requests.json", None),
    ("post", "/open311/v2/requests.json", {"api_key": "est_x", "service_code": "klotter",
                                           "lat": "59.0651", "long": "15.1122"}),
])
def test_open311_answers_503_in_its_own_shape(down_client, method, path, data):
    response = getattr(down_client, method)(path, data=data)
    assert_unavailable(response)
    body = response.get_json()
    assert isinstance(body, list) and body[0]["code"] == 503
    assert "database" in body[0]["description"]


def test_input_errors_still_win_during_an_outage(down_client):
    """The guards run before anything touches the database."""
    response = down_client.post("/rapportera", data={"description": "a\x00b"})
    assert response.status_code == 400
    response = down_client.post("/rapportera", data=b"x" * (2 * 1024 * 1024),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
