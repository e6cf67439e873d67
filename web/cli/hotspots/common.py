"""Shared parts of the ``est hotspots`` commands: the group, settings and option parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app

from web.cli.base import EstGroup

group = EstGroup("hotspots", help="Hot spot detection, evaluation and backtests.")

METHOD_CHOICES = ("default", "scan", "dbscan", "hdbscan", "kde", "gistar")


def _settings():
    return current_app.config["EST_SETTINGS"]


def _crs(value: str | None) -> int:
    from geo.projection import validate_projected_crs

    try:
        return validate_projected_crs(value if value else _settings().projected_crs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--crs") from None


def _tz(value: str | None) -> str:
    tz = value or _settings().timezone
    try:
        ZoneInfo(tz)
    except (KeyError, ValueError):
        raise click.BadParameter(f"{tz!r} is not an IANA time zone", param_hint="--tz") from None
    return tz


def _when(value: str | None, tz: str, option: str, *, end: bool = False) -> datetime | None:
    """Parse a date or date-time; a date-only ``--to`` includes that whole day."""
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or date-time",
                                 param_hint=option) from None
    if end and len(value.strip()) == 10:
        d += timedelta(days=1)
    if d.tzinfo is None:
        d = d.replace(tzinfo=ZoneInfo(tz))
    return d.astimezone(UTC)


def _params(method: str, eps_m: float | None, min_samples: int | None,
            extra: tuple[str, ...]) -> dict:
    params: dict = {}
    if eps_m is not None or min_samples is not None:
        if method not in ("dbscan",):
            raise click.UsageError("--eps-m and --min-samples apply to --method dbscan")
        if eps_m is not None:
            params["eps_m"] = eps_m
        if min_samples is not None:
            params["min_samples"] = min_samples
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params
