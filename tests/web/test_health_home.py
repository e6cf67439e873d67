"""Health endpoint and the home page map."""


def test_healthz_reports_database_versions(client):
    res = client.get("/healthz")
    assert res.status_code == 200
    body = res.get_json()
    assert body["status"] == "ok" and body["postgis"].startswith("3")


def test_healthz_503_when_database_unreachable(tmp_path):
    from web import create_app

    app = create_app({
        "SECRET_KEY": "x",
        "DATABASE_URL": f"postgresql+psycopg://postgres@/none?host={tmp_path}&port=1",
    })
    res = app.test_client().get("/healthz")
    app.extensions["est_db"].dispose()
    assert res.status_code == 503 and res.get_json()["status"] == "error"


def test_home_without_area_explains_what_to_do(client):
    res = client.get("/")
    assert res.status_code == 200
    assert "est demo" in res.get_data(as_text=True)


# The home page's public figures: tests/web/test_public_outputs.py (public privacy model).


def test_unknown_path_is_json_for_api_clients(client):
    res = client.get("/nope", headers={"Accept": "application/json"})
    assert res.status_code == 404 and res.get_json()["error"] == "not_found"


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(app_config):
    from flask import request

    from web import create_app

    def whoami(hops: str) -> dict:
        app = create_app({**app_config, "EST_PROXY_HOPS": hops})
        app.add_url_rule("/_whoami", "whoami",
                         lambda: {"ip": request.remote_addr, "scheme": request.scheme})
        res = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7",
                                                         "X-Forwarded-Proto": "https"})
        return res.get_json()

    assert whoami("1") == {"ip": "203.0.113.7", "scheme": "https"}
    assert whoami("0") == {"ip": "127.0.0.1", "scheme": "http"}  # headers ignored without it
