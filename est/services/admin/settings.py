"""Settings an admin changes in the browser, stored in ``setting`` over the environment's.

A stored value wins over the environment (``EST_RETENTION_DAYS``, ``EST_MIN_CELL``); removing
it falls back to the environment again. :func:`effective` returns the app's
:class:`~est.config.Settings` with the stored values put in.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.access import Actor
from est.config import Settings
from est.db import transaction
from est.errors import ValidationError
from est.models.operators import Setting
from est.services.admin import record, require_admin

# key -> (Swedish label, lowest, highest, environment variable)
SETTINGS = {
    "retention_days": ("Lagringstid i dagar för kontaktuppgifter, fritext och foton", 1, 3650,
                       "EST_RETENTION_DAYS"),
    "min_cell": ("Minsta antal som visas offentligt och i exporter (minsta ruta)", 3, 100,
                 "EST_MIN_CELL"),
}


def stored(session: Session) -> dict[str, int]:
    """Return the values stored in ``setting`` (only the known keys, only sane values)."""
    values = {}
    for row in session.scalars(select(Setting).where(Setting.key.in_(tuple(SETTINGS)))):
        value = (row.value or {}).get("value")
        _label, low, high, _env = SETTINGS[row.key]
        if isinstance(value, int) and low <= value <= high:
            values[row.key] = value
    return values


def effective(session: Session, base: Settings) -> Settings:
    """Return ``base`` (from the environment) with the stored settings put in."""
    values: dict[str, Any] = dict(stored(session))
    return dataclasses.replace(base, **values) if values else base


def set_value(session: Session, actor: Actor | None, key: str, text: str | None,
              base: Settings) -> int | None:
    """Store a setting (empty text: remove it, back to the environment); return the value."""
    admin = require_admin(actor)
    if key not in SETTINGS:
        raise ValidationError("Okänd inställning.", field="key")
    _label, low, high, _env = SETTINGS[key]
    text = (text or "").strip()
    value = None
    if text:
        if not (text.isdigit() and len(text) < 6 and low <= int(text) <= high):
            raise ValidationError(f"Ange ett heltal från {low} till {high}.", field=key)
        value = int(text)
    before = stored(session).get(key)
    if before == value:
        return value
    with transaction(session):
        row = session.get(Setting, key)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Setting(key=key, value={"value": value}, updated_by=admin.id))
        else:
            row.value, row.updated_by = {"value": value}, admin.id
            row.updated_at = datetime.now(UTC)
        record(session, admin, "setting_changed", key,
               old={key: before if before is not None else getattr(base, key)},
               new={key: value if value is not None else getattr(base, key),
                    "from_environment": value is None})
    return value
