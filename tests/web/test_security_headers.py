"""Security headers on every response: a strict CSP whose nonce blesses only our own inline
scripts, framing and sniffing rules, HSTS in production, no-store on personal data."""

from __future__ import annotations

import re

import pytest

from web.security import content_security_policy

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.S)
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"([^\"]+)\"")
STYLESHEET = re.compile(r"<link[^>]*rel=\"stylesheet\"[^>]*href=\"([^\"]+)\"|"
                        r"<link[^>]*href=\"([^\"]+)\"[^>]*rel=\"stylesheet\"")


def _csp(res) -> dict[str, str]:
    header = res.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
            for d in (p.strip() for p in header.split(";"))}


def _assert_own_scripts_only(res) -> None:
    """Every inline script carries this response's nonce; every asset is same-origin."""
    html = res.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", _csp(res)["script-src"])
    inline = INLINE_SCRIPT.findall(html)
    if inline:
        assert nonce, "inline scripts but no nonce in the CSP"
        assert all(f'nonce="{nonce.group(1)}"' in attrs for attrs in inline)
    for url in SCRIPT_SRC.findall(html) + [a or b for a, b in STYLESHEET.findall(html)]:
        assert url.startswith("/static/"), f"third-party asset {url}"


@pytest.fixture
def area(make_area):
    return make_area()


@pytest.fixture
def coordinator(sign_in, make_organisation, area):
    return sign_in("coordinator", make_organisation(name="Kommunen", kind="kommun", area=area))


def test_public_page_has_strict_csp_and_headers(client, area):
    res = client.get("/")
    assert res.status_code == 200
    csp = _csp(res)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"].startswith("'self' 'nonce-")
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert csp["img-src"] == "'self' data: https://tile.openstreetmap.org"
    assert csp["connect-src"] == "'self'" and csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert res.headers["X-Frame-Options"] == "DENY"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in res.headers  # development: no HSTS
    assert "no-store" not in res.headers["Cache-Control"]
    _assert_own_scripts_only(res)


def test_each_request_gets_a_fresh_nonce(client, area):
    first = re.search(r"'nonce-([^']+)'", client.get("/").headers["Content-Security-Policy"])
    second = re.search(r"'nonce-([^']+)'", client.get("/").headers["Content-Security-Policy"])
    assert first and second and first.group(1) != second.group(1)
    assert len(first.group(1)) >= 22


@pytest.mark.parametrize("path", ["/rapportera", "/logga-in"])
def test_public_forms_run_only_nonced_scripts(client, area, path):
    res = client.get(path)
    assert res.status_code == 200
    _assert_own_scripts_only(res)


@pytest.mark.parametrize("path", ["/personal/oversikt", "/moderering/", "/personal/rapporter",
                                  "/granskning", "/lagesbild", "/promises"])
def test_staff_pages_are_never_stored(client, coordinator, path):
    res = client.get(path, follow_redirects=True)
    assert res.status_code == 200, path
    assert res.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in res.headers
    _assert_own_scripts_only(res)


def test_api_and_login_responses_are_never_stored(client, area):
    assert client.get("/api/v1/reports.geojson").headers["Cache-Control"] == "no-store"
    assert client.get("/logga-in").headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_keep_their_caching(client):
    with client.get("/static/js/est-maps.js") as res:
        assert res.status_code == 200
        assert "no-store" not in res.headers.get("Cache-Control", "")
        assert res.headers["X-Content-Type-Options"] == "nosniff"


def test_configured_tile_server_is_the_only_image_origin(app_config):
    from web import create_app

    app = create_app({**app_config,
                      "EST_TILE_URL": "https://{s}.tiles.example.se/osm/{z}/{x}/{y}.png"})
    try:
        res = app.test_client().get("/healthz")
    finally:
        app.extensions["est_db"].dispose()
    assert _csp(res)["img-src"] == "'self' data: https://*.tiles.example.se"


def test_production_adds_hsts(app_config):
    from web import create_app

    app = create_app({**app_config, "EST_ENV": "production", "SECRET_KEY": "s" * 40})
    try:
        res = app.test_client().get("/healthz")
    finally:
        app.extensions["est_db"].dispose()
    assert res.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_policy_without_inline_scripts_has_no_nonce():
    policy = content_security_policy("https://tile.openstreetmap.org", None)
    assert "script-src 'self';" in policy and "nonce" not in policy
