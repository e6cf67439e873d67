"""API keys and the import of boundaries and named places from uploaded files, audited."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from est import places
from est.access import Actor
from est.db import transaction
from est.errors import NotFound, ValidationError
from est.services import apikeys, areas
from est.services.admin import record, require_admin

MAX_UPLOAD = 20 * 1024 * 1024


def create_api_key(session: Session, actor: Actor | None, organisation: str,
                   label: str) -> str:
    """Create an API key for an organisation and return its token (shown once, never stored)."""
    admin = require_admin(actor)
    errors = {}
    if not (organisation or "").strip():
        errors["organisation"] = "Välj en organisation."
    label = (label or "").strip()
    if not label:
        errors["label"] = "Skriv vad nyckeln används till."
    elif len(label) > apikeys.MAX_LABEL:
        errors["label"] = f"Högst {apikeys.MAX_LABEL} tecken."
    if errors:
        raise ValidationError(errors)
    try:
        key, token = apikeys.create_key(session, organisation=organisation, label=label)
    except NotFound:
        raise ValidationError("Organisationen finns inte.", field="organisation") from None
    with transaction(session):
        record(session, admin, "apikey_created", label,
               new={"key_id": key.id, "organisation_id": key.organisation_id})
    return token


def revoke_api_key(session: Session, actor: Actor | None, key_id: int) -> None:
    """Revoke an API key from now on."""
    admin = require_admin(actor)
    key = apikeys.revoke_key(session, key_id)
    with transaction(session):
        record(session, admin, "apikey_revoked", key.label, new={"key_id": key.id})


def _json(data: bytes) -> dict:
    if len(data) > MAX_UPLOAD:
        raise ValidationError(f"Filen är för stor (högst {MAX_UPLOAD // (1024 * 1024)} MB).",
                              field="file")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError("Filen är inte GeoJSON (UTF-8).", field="file") from None
    if not isinstance(parsed, dict):
        raise ValidationError("Filen är inte en GeoJSON FeatureCollection.", field="file")
    return parsed


def import_districts(session: Session, actor: Actor | None, data: bytes, *,
                     municipality: str, name_field: str, id_field: str) -> dict:
    """Import district boundaries (GeoJSON, WGS84) into a municipality; nothing on error."""
    admin = require_admin(actor)
    if not data:
        raise ValidationError("Välj en GeoJSON-fil.", field="file")
    for field, value in (("name_field", name_field), ("id_field", id_field)):
        if not value or len(value) > 64:
            raise ValidationError("Skriv ett egenskapsnamn (högst 64 tecken).", field=field)
    result = areas.import_areas(session, _json(data), id_field=id_field,
                                name_field=name_field, kind="district",
                                parent_code=municipality)
    summary = {"created": result.created, "updated": result.updated,
               "repaired": len(result.repaired), "skipped": len(result.skipped)}
    with transaction(session):
        record(session, admin, "areas_imported", f"stadsdelar i {municipality}", new=summary)
    return summary


def import_named_places(session: Session, actor: Actor | None, data: bytes, filename: str, *,
                        municipality: str) -> dict:
    """Import named places (GeoJSON or CSV, see :func:`est.places.read_places_file`)."""
    admin = require_admin(actor)
    if not data:
        raise ValidationError("Välj en fil med platser.", field="file")
    if len(data) > MAX_UPLOAD:
        raise ValidationError(f"Filen är för stor (högst {MAX_UPLOAD // (1024 * 1024)} MB).",
                              field="file")
    suffix = ".csv" if (filename or "").lower().endswith(".csv") else ".geojson"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"platser{suffix}"
        path.write_bytes(data)
        rows = places.read_places_file(path)
    result = places.import_places(session, municipality, rows)
    summary = {"created": result.created, "updated": result.updated,
               "gazetteer": result.gazetteer}
    with transaction(session):
        record(session, admin, "places_imported", f"platser i {municipality}", new=summary)
    return summary
