"""Open311 POST requests: an organisation's system files a report with its API key.

Fields with no column of their own (names, address, device, account, media_url) are kept
for staff only, as lines of the report's internal note (erased by retention with the
contact); ``media_url`` is stored as text and never fetched.
"""

from __future__ import annotations

import re

from flask import current_app, request

from est import tenancy
from est.errors import PermissionDenied, ValidationError
from est.services import api, apikeys
from web.db import get_session
from web.extensions import limiter
from web.views.open311 import (
    DEFAULT_RATE_LIMIT,
    check_jurisdiction,
    error_response,
    respond,
    route,
)
from web.views.open311.reads import REASONS

NOTICE = ("Tack! Rapporten är registrerad för {org}. Vid akuta lägen: ring 112. "
          "Brott anmäls till polisen, polisen.se eller 114 14.")
# Form field -> (label in the staff note, most characters).
NOTE_FIELDS = {
    "first_name": ("Förnamn", 100), "last_name": ("Efternamn", 100),
    "address_string": ("Adress", 400), "address_id": ("Adress-id", 100),
    "device_id": ("Enhets-id", 100), "account_id": ("Konto-id", 100),
    "media_url": ("Bildlänk (inte hämtad)", 800),
}
_ATTRIBUTE = re.compile(r"attribute\[([^\]]*)\](\[\])?")


@route("/v2/requests", methods=["POST"])
@limiter.limit(lambda: current_app.config.get("EST_API_RATE_LIMIT", DEFAULT_RATE_LIMIT),
               methods=["POST"])
def post_request(fmt: str):
    """Create a service request (form-encoded) with an organisation's API key."""
    session = get_session()
    form = request.form
    client = apikeys.authenticate(session, form.get("api_key"))
    if client is None:
        raise PermissionDenied("a valid api_key is required to post service requests")
    check_jurisdiction(form)
    if not (form.get("service_code") or "").strip():
        raise ValidationError("service_code is required; see services.json",
                              field="service_code")
    errors: dict[str, str] = {}
    note = _staff_note(form, errors)
    reasons = _reasons(form, errors)
    if errors:
        raise ValidationError(errors)
    settings = current_app.config["EST_SETTINGS"]
    area = tenancy.route_point(session, client, form.get("long"), form.get("lat"), field="long")
    # The contact is the e-mail, else the phone: an error names the field the client sent.
    contact_field = "email" if (form.get("email") or "").strip() else "phone"
    # The body without the api_key (the key is the namespace), in a canonical order.
    body = api.canonical_json(sorted((k, v) for k, v in form.items(multi=True)
                                     if k != "api_key"))
    key = api.idempotency_key(client, request.headers.get(api.IDEMPOTENCY_HEADER), body)
    try:
        report = api.submit_report(
            session, client, category=form.get("service_code"), lon=form.get("long"),
            lat=form.get("lat"), occurred_at=form.get("requested_datetime"),
            description=form.get("description"),
            contact=(form.get("email") or "").strip() or form.get("phone"),
            municipality=area.code if area else settings.municipality, tz=settings.tz,
            idempotency=key,
            reasons=reasons, internal_note=note,
        )
    except ValidationError as exc:
        raise ValidationError({contact_field if k == "contact" else k: v
                               for k, v in exc.errors.items()}) from None
    except api.IdempotencyMismatch as exc:
        return error_response(422, {api.IDEMPOTENCY_HEADER: str(exc)})
    return respond(fmt, "service_requests", [{
        "service_request_id": str(report.id),
        "service_notice": NOTICE.format(org=client.organisation_name),
        "account_id": (form.get("account_id") or "").strip() or None}])


def _staff_note(form, errors: dict[str, str]) -> str | None:
    lines = []
    for field, (label, most) in NOTE_FIELDS.items():
        value = " ".join((form.get(field) or "").split())
        if len(value) > most:
            errors[field] = f"{field} may be at most {most} characters"
        elif value:
            lines.append(f"{label}: {value}")
    return "Open311 – " + "; ".join(lines) if lines else None


def _reasons(form, errors: dict[str, str]) -> list[str]:
    """Return the codes of ``attribute[reasons][]`` (more otrygghet reasons)."""
    codes: list[str] = []
    for name in form:
        match = _ATTRIBUTE.fullmatch(name)
        if name.startswith("attribute") and match is None:
            errors[name[:60]] = f"write attributes as attribute[{REASONS}][]=code"
        elif match is not None and match.group(1) != REASONS:
            errors[name[:60]] = (f"unknown attribute; the otrygghet services take "
                                 f"attribute[{REASONS}][] (see services/<code>.json)")
        elif match is not None:
            codes.extend(v.strip() for v in form.getlist(name) if v.strip())
    return list(dict.fromkeys(codes))
