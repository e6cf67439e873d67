"""Request-level input guards and the bounded query-parameter helpers every view uses.

Before any view runs: a body larger than ``MAX_CONTENT_LENGTH`` (``EST_MAX_BODY_BYTES``) is
refused with 413 before it is read (a multipart form, which may carry a photo, up to
``EST_PHOTO_MAX_BYTES`` plus 256 kB); a NUL byte in a query parameter, form field, JSON string,
URL part or used header, or an over-long parameter or field, is a 400 naming the field;
integer URL parts outside PostgreSQL's ``integer`` are a 404. Nothing reaches a service.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, current_app, request
from werkzeug.datastructures import MultiDict

from est import timebounds
from est.errors import ValidationError

MAX_ARG_CHARS = 2000
# Longer than any free text a service accepts (meeting notes: 10 000), so the service's own
# message wins below it; above it nothing is parsed further.
MAX_FIELD_CHARS = 20_000
MAX_JSON_DEPTH = 20
INT4_MAX = 2**31 - 1
# Headers whose values the app reads.
USED_HEADERS = ("Authorization", "Accept-Language", "X-Forwarded-For", "X-Forwarded-Proto",
                "X-Forwarded-Host")
# Room for the other fields of a form that carries a photo (multipart/form-data).
UPLOAD_FIELDS_BYTES = 256 * 1024
NUL = "Tecknet NUL (\\x00) är inte tillåtet."


def init_app(app: Flask) -> None:
    """Set the body limit and run the guards before every other request hook."""
    settings = app.config["EST_SETTINGS"]
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)


def guard_request() -> None:
    """Refuse oversized bodies, NUL bytes and over-long values before any view or hook."""
    settings = current_app.config["EST_SETTINGS"]
    timebounds.use_earliest(settings.earliest_date)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and request.mimetype == "multipart/form-data":
        # A form with a photo may be as large as the photo limit allows, plus its fields.
        limit = max(limit, _photo_max_bytes() + UPLOAD_FIELDS_BYTES)
        request.max_content_length = limit
    if limit is not None and (request.content_length or 0) > limit:
        abort(413, description=f"Begäran är för stor (högst {limit} byte).")
    errors: dict[str, str] = {}
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            errors[name] = NUL
        elif isinstance(value, int) and not -INT4_MAX <= value <= INT4_MAX:
            abort(404)
    for name in USED_HEADERS:
        if "\x00" in request.headers.get(name, ""):
            errors[name] = NUL
    _check_multidict(request.args, MAX_ARG_CHARS, errors)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _check_multidict(request.form, MAX_FIELD_CHARS, errors)
        for name, upload in request.files.items(multi=True):
            if "\x00" in name or "\x00" in (upload.filename or ""):
                errors[name.replace("\x00", "")] = NUL
        if request.is_json:
            _check_json(request.get_json(silent=True), "body", errors, 0)
    if errors:
        raise ValidationError(errors)


def _photo_max_bytes() -> int:
    from est.photos import max_bytes

    return max_bytes()


def _check_multidict(values: MultiDict, max_chars: int, errors: dict[str, str]) -> None:
    for name, value in values.items(multi=True):
        field = name.replace("\x00", "") or "parameter"
        if "\x00" in name or "\x00" in value:
            errors.setdefault(field, NUL)
        elif len(value) > max_chars:
            errors.setdefault(field, f"Högst {max_chars} tecken.")


def _check_json(value, field: str, errors: dict[str, str], depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        errors.setdefault(field, f"Högst {MAX_JSON_DEPTH} nivåer.")
    elif isinstance(value, str):
        if "\x00" in value:
            errors.setdefault(field, NUL)
        elif len(value) > MAX_FIELD_CHARS:
            errors.setdefault(field, f"Högst {MAX_FIELD_CHARS} tecken.")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            if "\x00" in name:
                errors.setdefault(name.replace("\x00", "") or field, NUL)
            _check_json(item, name, errors, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, field, errors, depth + 1)


# -- bounded query parameters -----------------------------------------------------------------

def arg_int(name: str, default: int | None = None, *, low: int = 0,
            high: int = INT4_MAX, source: MultiDict | None = None) -> int | None:
    """Return the whole-number parameter ``name`` within ``low..high``; 400 naming it if not."""
    text = ((source if source is not None else request.args).get(name) or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12 \
            or not low <= int(text) <= high:
        raise ValidationError(f"Ange ett heltal från {low} till {high}.", field=name)
    return int(text)


def arg_date(name: str, default: date | None = None, *, latest: date | None =
             timebounds.LATEST_DATE, source: MultiDict | None = None) -> date | None:
    """Return the ISO date parameter ``name`` within the date bounds; 400 naming it if not."""
    text = ((source if source is not None else request.args).get(name) or "").strip()
    if not text:
        return default
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError("Ange datum som ÅÅÅÅ-MM-DD.", field=name)
    errors: dict[str, str] = {}
    if not timebounds.check_bounds(day, name, errors, latest=latest):
        raise ValidationError(errors)
    return day
