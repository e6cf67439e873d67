"""Settings read from the environment (or a mapping in tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from est.timebounds import EARLIEST, parse_earliest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = "© OpenStreetMap"
DEFAULT_TILE_ATTRIBUTION_URL = "https://www.openstreetmap.org/copyright"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_SUBDOMAIN = "estsubdomain"  # stands in for Leaflet's {s} while a tile URL is parsed


class ConfigError(ValueError):
    """A setting is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Validated runtime settings of the service."""

    database_url: str | None
    secret_key: str | None
    projected_crs: int = 3006
    timezone: str = "Europe/Stockholm"
    env: str = "development"
    var_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var")
    embedded_port: int = 54329
    municipality: str = "1861"
    redis_url: str | None = None
    min_cell: int = 5
    retention_days: int = 180
    proxy_hops: int = 0
    # Sign-in sessions (web.auth) and rate limits ("10 per minute;60 per hour").
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    report_rate_limit: str = "10 per minute;60 per hour"
    login_rate_limit: str = "10 per minute;50 per hour"
    api_rate_limit: str = "30 per minute;500 per hour"
    earliest_date: date = EARLIEST
    max_body_bytes: int = 1024 * 1024
    # Public privacy model (est/public.py): delay, window length and cell size.
    public_delay_days: int = 2
    public_window_days: int = 7
    public_cell_m: int = 100
    tile_url: str = DEFAULT_TILE_URL
    tile_attribution: str = DEFAULT_TILE_ATTRIBUTION
    tile_attribution_url: str | None = DEFAULT_TILE_ATTRIBUTION_URL
    # Mail to reporters (est.mail): smtp://user:pass@host:587?starttls=1; None = no mail.
    smtp_url: str | None = None
    # Read replica (est.replica): reads of GET/HEAD requests go there while it lags at most
    # replica_max_lag_seconds; None = everything on the primary.
    database_replica_url: str | None = None
    replica_max_lag_seconds: int = 30

    @property
    def tile_origin(self) -> str:
        """Return the tile server's origin for the CSP ``img-src`` (``{s}`` becomes ``*``)."""
        parts = urlsplit(self.tile_url.replace("{s}", _SUBDOMAIN))
        return f"{parts.scheme}://{parts.netloc.replace(_SUBDOMAIN, '*')}"

    @property
    def is_production(self) -> bool:
        """Return True when running with production safety checks."""
        return self.env == "production"

    @property
    def tz(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)


def _session_and_rate_limits(env: Mapping[str, str]) -> dict:
    """Read the session timeouts and the rate limits (checked, with the variable named)."""
    from limits import parse_many

    out: dict = {}
    for name, key, default, low, high, what in (
            ("EST_SESSION_IDLE_MINUTES", "session_idle_minutes", 30, 1, 1440,
             "minutes without a request before a sign-in ends"),
            ("EST_SESSION_MAX_HOURS", "session_max_hours", 12, 1, 168,
             "hours after which a sign-in ends however active")):
        value = (env.get(name) or str(default)).strip()
        if not value.isdigit() or not low <= int(value) <= high:
            raise ConfigError(f"{name} must be a whole number from {low} to {high} ({what}), "
                              f"not {value[:20]!r}")
        out[key] = int(value)
    for name, key, limit in (
            ("EST_REPORT_RATE_LIMIT", "report_rate_limit", "10 per minute;60 per hour"),
            ("EST_LOGIN_RATE_LIMIT", "login_rate_limit", "10 per minute;50 per hour"),
            ("EST_API_RATE_LIMIT", "api_rate_limit", "30 per minute;500 per hour")):
        value = (env.get(name) or limit).strip()
        try:
            ok = len(value) <= 200 and bool(parse_many(value))
        except ValueError:
            ok = False
        if not ok:
            raise ConfigError(f"{name} must be rate limits such as '{limit}' (a number per "
                              f"second, minute, hour or day; several separated by ;), "
                              f"not {value[:40]!r}")
        out[key] = value
    return out


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables and fail with a clear message on bad values."""
    env = os.environ if env is None else env
    mode = env.get("EST_ENV", "development").strip().lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigError(f"EST_ENV must be development, production or testing, not {mode!r}")
    secret = env.get("SECRET_KEY") or None
    if mode == "production" and not secret:
        raise ConfigError(
            "SECRET_KEY is not set. In production the service refuses to start without it: "
            "set SECRET_KEY to a long random value, e.g. "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    url = env.get("DATABASE_URL") or None
    if url is not None and not url.startswith("postgresql"):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL such as "
            "postgresql+psycopg://user:password@host:5432/est"
        )
    if url is not None and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    crs_text = env.get("EST_PROJECTED_CRS", "3006").upper().removeprefix("EPSG:")
    try:
        crs = int(crs_text)
    except ValueError:
        raise ConfigError(
            f"EST_PROJECTED_CRS must be an EPSG code such as 3006, not {crs_text!r}"
        ) from None
    tz = env.get("EST_TIMEZONE", "Europe/Stockholm")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"EST_TIMEZONE {tz!r} is not a known IANA time zone") from None
    port_text = env.get("EST_EMBEDDED_PORT", "54329")
    if not port_text.isdigit() or not 1024 < int(port_text) < 65536:
        raise ConfigError(f"EST_EMBEDDED_PORT must be a port number above 1024, not {port_text!r}")
    min_cell_text = env.get("EST_MIN_CELL", "5")
    if not min_cell_text.isdigit() or int(min_cell_text) < 1:
        raise ConfigError(
            f"EST_MIN_CELL must be a whole number of at least 1 (smallest count shown "
            f"publicly and in exports), not {min_cell_text!r}"
        )
    retention_text = env.get("EST_RETENTION_DAYS", "180")
    if not retention_text.isdigit() or int(retention_text) < 1:
        raise ConfigError(
            f"EST_RETENTION_DAYS must be a number of days (at least 1) after which reporters' "
            f"contact details are erased, not {retention_text!r}"
        )
    hops_text = env.get("EST_PROXY_HOPS", "0")
    if not hops_text.isdigit() or int(hops_text) > 5:
        raise ConfigError(
            f"EST_PROXY_HOPS must be the number of reverse proxies in front of the app "
            f"(0-5), not {hops_text!r}"
        )
    tile_url = _tile_url(env.get("EST_TILE_URL") or DEFAULT_TILE_URL)
    attribution = (env.get("EST_TILE_ATTRIBUTION") or DEFAULT_TILE_ATTRIBUTION).strip()
    if len(attribution) > 200 or any(ch in attribution for ch in "<>\"\n\r"):
        raise ConfigError(
            "EST_TILE_ATTRIBUTION must be plain text of at most 200 characters (no HTML), "
            f"e.g. '© OpenStreetMap', not {attribution[:40]!r}"
        )
    attribution_url = env.get("EST_TILE_ATTRIBUTION_URL", DEFAULT_TILE_ATTRIBUTION_URL) or None
    if attribution_url is not None and not _is_web_url(attribution_url):
        raise ConfigError(
            f"EST_TILE_ATTRIBUTION_URL must be an https:// address (or empty), "
            f"not {attribution_url[:60]!r}"
        )
    public_delay, public_window, public_cell = _public_settings(env)
    try:
        earliest = parse_earliest(env.get("EST_EARLIEST_DATE"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    body_text = env.get("EST_MAX_BODY_BYTES", str(1024 * 1024)).strip()
    if not body_text.isdigit() or not 1024 <= int(body_text) <= 1024**3:
        raise ConfigError(
            f"EST_MAX_BODY_BYTES must be the largest request body in bytes (1024 to "
            f"1073741824; default 1048576 = 1 MB), not {body_text!r}"
        )
    var_dir = Path(env.get("EST_VAR_DIR") or PROJECT_ROOT / "var").resolve()
    return Settings(
        database_url=url,
        secret_key=secret,
        projected_crs=crs,
        timezone=tz,
        env=mode,
        var_dir=var_dir,
        embedded_port=int(port_text),
        municipality=env.get("EST_MUNICIPALITY", "1861"),
        redis_url=env.get("REDIS_URL") or None,
        min_cell=int(min_cell_text),
        retention_days=int(retention_text),
        proxy_hops=int(hops_text),
        **_session_and_rate_limits(env),
        earliest_date=earliest,
        max_body_bytes=int(body_text),
        public_delay_days=public_delay,
        public_window_days=public_window,
        public_cell_m=public_cell,
        tile_url=tile_url,
        tile_attribution=attribution,
        tile_attribution_url=attribution_url,
        smtp_url=_smtp_url(env.get("EST_SMTP_URL")),
        **_replica_settings(env),
    )


def _replica_settings(env: Mapping[str, str]) -> dict:
    """Read ``DATABASE_REPLICA_URL`` and ``EST_REPLICA_MAX_LAG_SECONDS`` (est.replica)."""
    url = (env.get("DATABASE_REPLICA_URL") or "").strip() or None
    if url is not None and not url.startswith("postgresql"):
        raise ConfigError(
            "DATABASE_REPLICA_URL must be a PostgreSQL URL of a streaming replica such as "
            "postgresql+psycopg://user:password@replica:5432/est (empty: no replica)"
        )
    if url is not None and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    lag = (env.get("EST_REPLICA_MAX_LAG_SECONDS") or "30").strip()
    if not lag.isdigit() or not 0 <= int(lag) <= 3600:
        raise ConfigError(
            f"EST_REPLICA_MAX_LAG_SECONDS must be a whole number of seconds from 0 to 3600 "
            f"(how far the replica may lag before reads go to the primary), not {lag[:20]!r}"
        )
    return {"database_replica_url": url, "replica_max_lag_seconds": int(lag)}


def _smtp_url(value: str | None) -> str | None:
    """Check ``EST_SMTP_URL`` (empty: no mail is sent)."""
    from est.mail import parse_smtp_url

    if not (value or "").strip():
        return None
    try:
        parse_smtp_url(value or "")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return (value or "").strip()


def _is_web_url(url: str, template: bool = False) -> bool:
    """Return True for an https URL (http only on a loopback host) without quotes or spaces."""
    if any(ch in url for ch in " \t\r\n\"'<>;,\\") or len(url) > 300:
        return False
    parts = urlsplit(url.replace("{s}", _SUBDOMAIN) if template else url)
    host = parts.hostname or ""
    return bool(host) and (parts.scheme == "https"
                           or (parts.scheme == "http" and host in LOOPBACK_HOSTS))


def _tile_url(url: str) -> str:
    """Check a Leaflet tile URL template: https, with {z}, {x} and {y}."""
    if not _is_web_url(url, template=True) or not all(
            key in url for key in ("{z}", "{x}", "{y}")):
        raise ConfigError(
            "EST_TILE_URL must be an https:// tile URL template with {z}, {x} and {y} "
            "(http only on localhost), e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, "
            f"not {url[:80]!r}"
        )
    if _SUBDOMAIN in urlsplit(url.replace("{s}", _SUBDOMAIN))._replace(netloc="").geturl():
        raise ConfigError("EST_TILE_URL may use {s} only in the host name")
    return url


def _public_settings(env: Mapping[str, str]) -> tuple[int, int, int]:
    """Read the public privacy model's delay, window and cell size (whole numbers, bounded)."""
    bounds = (("EST_PUBLIC_DELAY_DAYS", 2, 0, 60, "days before a report may appear publicly"),
              ("EST_PUBLIC_WINDOW_DAYS", 7, 1, 92,
               "days per public window; 7 = Monday-Sunday weeks"),
              ("EST_PUBLIC_CELL_M", 100, 50, 5000, "metres per side of a public cell"))
    out: list[int] = []
    for name, default, low, high, what in bounds:
        value = (env.get(name) or str(default)).strip()
        if not value.isdigit() or not low <= int(value) <= high:
            raise ConfigError(f"{name} must be a whole number from {low} to {high} ({what}), "
                              f"not {value[:20]!r}")
        out.append(int(value))
    return out[0], out[1], out[2]
