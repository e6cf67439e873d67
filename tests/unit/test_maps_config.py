"""EST_TILE_URL and the attribution settings: validated like every other setting."""

import pytest

from est.config import ConfigError, load_settings


def test_default_tiles_are_openstreetmap():
    s = load_settings({})
    assert s.tile_url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert s.tile_origin == "https://tile.openstreetmap.org"


def test_subdomain_template_gives_a_wildcard_origin():
    s = load_settings({"EST_TILE_URL": "https://{s}.tiles.example.se/{z}/{x}/{y}.png"})
    assert s.tile_origin == "https://*.tiles.example.se"


@pytest.mark.parametrize("url", [
    "http://tiles.example.se/{z}/{x}/{y}.png",  # plain http off loopback
    "https://tiles.example.se/tile.png",  # no {z}/{x}/{y}
    "https://tiles.example.se/{z}/{x}/{y}.png; script-src *",  # would widen the CSP
    "https://tiles.example.se/{s}/{z}/{x}/{y}.png",  # {s} outside the host
    "javascript:alert(1)//{z}{x}{y}",
])
def test_bad_tile_urls_name_the_variable(url):
    with pytest.raises(ConfigError, match="EST_TILE_URL"):
        load_settings({"EST_TILE_URL": url})


def test_attribution_is_plain_text_with_an_https_link():
    with pytest.raises(ConfigError, match="EST_TILE_ATTRIBUTION"):
        load_settings({"EST_TILE_ATTRIBUTION": "<img src=x onerror=alert(1)>"})
    with pytest.raises(ConfigError, match="EST_TILE_ATTRIBUTION_URL"):
        load_settings({"EST_TILE_ATTRIBUTION_URL": "javascript:alert(1)"})
    assert load_settings({"EST_TILE_ATTRIBUTION_URL": ""}).tile_attribution_url is None
