"""Settings from the environment."""

import pytest

from est.config import ConfigError, load_settings


def test_defaults_without_environment():
    s = load_settings({})
    assert s.database_url is None
    assert s.projected_crs == 3006
    assert s.timezone == "Europe/Stockholm"
    assert s.env == "development"
    assert s.var_dir.name == "var"


def test_values_are_read_and_normalised():
    s = load_settings({
        "DATABASE_URL": "postgresql://u:p@db:5432/est",
        "SECRET_KEY": "k",
        "EST_PROJECTED_CRS": "EPSG:3008",
        "EST_TIMEZONE": "UTC",
    })
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/est"
    assert s.projected_crs == 3008
    assert s.tz.key == "UTC"


def test_production_without_secret_fails_with_clear_message():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_settings({"EST_ENV": "production"})


def test_production_with_secret_starts():
    assert load_settings({"EST_ENV": "production", "SECRET_KEY": "x" * 32}).is_production


@pytest.mark.parametrize(("key", "value", "message"), [
    ("EST_PROJECTED_CRS", "sweref", "EST_PROJECTED_CRS"),
    ("EST_TIMEZONE", "Mars/Olympus", "EST_TIMEZONE"),
    ("DATABASE_URL", "mysql://est@db/est", "PostgreSQL"),
    ("EST_ENV", "staging", "EST_ENV"),
    ("EST_EMBEDDED_PORT", "80", "EST_EMBEDDED_PORT"),
    ("EST_MIN_CELL", "0", "EST_MIN_CELL"),
    ("EST_RETENTION_DAYS", "soon", "EST_RETENTION_DAYS"),
    ("EST_PROXY_HOPS", "many", "EST_PROXY_HOPS"),
])
def test_invalid_values_name_the_variable(key, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({key: value})


def test_create_app_refuses_production_without_secret(monkeypatch):
    from web import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"EST_ENV": "production"})
