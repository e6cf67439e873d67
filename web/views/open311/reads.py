"""Open311 reads: discovery, services and definitions, and public aggregates as requests."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, request

from est import public, timebounds
from est.errors import NotFound, ValidationError
from est.models import Category
from est.services import api
from est.services.categories import list_categories
from web.db import get_session
from web.views.open311 import bp, check_jurisdiction, respond, route
from web.views.report_public import municipality

PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
DEFAULT_DAYS = 90
MAX_IDS = 100
CHANGESET = "2026-12-01T00:00:00Z"  # the last change of this endpoint's interface
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
GROUPS = {"incident": "incident", "otrygghet": "otrygghet"}
REASONS = "reasons"  # the multivaluelist attribute of the otrygghet services
AGGREGATE_NOTICE = ("Sammanräknade rapporter enligt den publika integritetsmodellen: bara "
                    "rutor med minst {k} rapporter i ett helt fönster visas, efter {delay} "
                    "dagars fördröjning. Enskilda rapporter lämnas aldrig ut.")


def _service(cat: Category) -> dict:
    return {
        "service_code": cat.code,
        "service_name": cat.label_sv,
        "description": cat.label_en,
        "metadata": cat.kind == "otrygghet",
        "type": "realtime",
        "keywords": cat.kind,
        "group": GROUPS[cat.kind],
    }


def reason_attribute(categories: list[Category]) -> dict:
    """Return the otrygghet services' ``reasons`` attribute (a multivaluelist)."""
    return {
        "variable": True,
        "code": REASONS,
        "datatype": "multivaluelist",
        "required": False,
        "datatype_description": ("Fler skäl till att platsen känns otrygg, utöver tjänsten "
                                 f"själv: attribute[{REASONS}][]=kod, en gång per skäl."),
        "order": 1,
        "description": "Vad mer gör platsen otrygg?",
        "values": [{"key": c.code, "name": c.label_sv} for c in categories
                   if c.kind == "otrygghet"],
    }


@bp.get("/discovery.json", defaults={"fmt": "json"}, endpoint="discovery")
@bp.get("/discovery.xml", defaults={"fmt": "xml"}, endpoint="discovery_xml")
def discovery(fmt: str):
    """Return the discovery document: where the GeoReport v2 endpoint is and what it speaks."""
    check_jurisdiction(request.args)
    settings = current_app.config["EST_SETTINGS"]
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": (f"Kommunens EST-samordnare (kommunkod {settings.municipality}) svarar på "
                    "frågor om tjänsten."),
        "key_service": ("API-nycklar ges till organisationer i EST-gruppen av kommunens "
                        "administratör (est apikeys create --org …)."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": request.url_root.rstrip("/") + "/open311/v2",
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


@route("/v2/services")
def services(fmt: str):
    """List one service per active category."""
    check_jurisdiction(request.args)
    return respond(fmt, "services", [_service(c) for c in list_categories(get_session())])


@route("/v2/services/<code>")
def service_definition(code: str, fmt: str):
    """Return a service definition: otrygghet services take more reasons as an attribute."""
    check_jurisdiction(request.args)
    categories = list_categories(get_session())
    cat = next((c for c in categories if c.code == code), None)
    if cat is None:
        raise NotFound(f"no service with service_code {code[:80]!r}; see services.{fmt}")
    attributes = [reason_attribute(categories)] if cat.kind == "otrygghet" else []
    return respond(fmt, "service_definition", {"service_code": code, "attributes": attributes})


@route("/v2/requests", methods=["GET"])
def get_requests(fmt: str):
    """List public aggregates (one per cell and window), newest window first."""
    args = request.args
    check_jurisdiction(args)
    settings = current_app.config["EST_SETTINGS"]
    policy = public.PublicPolicy.from_settings(settings)
    now = datetime.now(settings.tz)
    ids = [i.strip() for i in (args.get("service_request_id") or "").split(",") if i.strip()]
    if ids:  # the spec: service_request_id overrides every other argument
        if len(ids) > MAX_IDS:
            raise ValidationError(f"at most {MAX_IDS} comma-separated ids",
                                  field="service_request_id")
        return respond(fmt, "service_requests",
                       _by_ids(policy, now, list(dict.fromkeys(ids))))
    errors: dict[str, str] = {}
    end = _instant(args, "end_date", errors)
    start = _instant(args, "start_date", errors)
    statuses = {s.strip() for s in (args.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        errors["status"] = "status must be open, closed or both comma-separated"
    if (args.get("service_code") or "").strip():
        errors["service_code"] = ("public requests are aggregated over all services (privacy "
                                  "model), so service_code cannot filter them; see "
                                  "services.json for posting")
    page_size = _int(args, "page_size", PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    page = _int(args, "page", 1, 1, 100_000, errors)
    if errors:
        raise ValidationError(errors)
    if start is not None and end is not None and end < start:
        raise ValidationError("end_date must not be before start_date", field="end_date")
    if start is None:  # the spec's default: the most recent 90 days (before end_date)
        start = (end or now) - timedelta(days=DEFAULT_DAYS)
    if statuses == {"closed"}:  # aggregates are never closed
        return respond(fmt, "service_requests", [])
    area = municipality()
    rows = public.open311_requests(get_session(), policy, area.id, now,
                                   start=_window_ceiling(policy, start), end=end,
                                   limit=page_size, offset=(page - 1) * page_size)
    return respond(fmt, "service_requests", [_described(policy, r, area.name) for r in rows])


@route("/v2/requests/<request_id>")
def get_request(request_id: str, fmt: str):
    """Return one public aggregate by its id as a one-element list (never a single report)."""
    check_jurisdiction(request.args)
    settings = current_app.config["EST_SETTINGS"]
    policy = public.PublicPolicy.from_settings(settings)
    area = municipality()
    row = public.open311_request(get_session(), policy, area.id, datetime.now(settings.tz),
                                 request_id)
    return respond(fmt, "service_requests", [_described(policy, row, area.name)])


def _by_ids(policy: public.PublicPolicy, now: datetime, ids: list[str]) -> list[dict]:
    session, area = get_session(), municipality()
    rows = []
    for request_id in ids:
        try:
            row = public.open311_request(session, policy, area.id, now, request_id)
            rows.append(_described(policy, row, area.name))
        except NotFound:
            continue  # not a published aggregate: left out, as the spec lists found ones
    return rows


def _described(policy: public.PublicPolicy, row: dict, agency: str) -> dict:
    """Add the spec's fields an aggregate can carry without revealing a single report."""
    first = datetime.fromisoformat(row["window_start"]).date()
    published = first + timedelta(days=policy.window_days + policy.delay_days)
    return {**row,
            "status_notes": None,
            "agency_responsible": agency,
            "service_notice": AGGREGATE_NOTICE.format(k=policy.min_cell,
                                                      delay=policy.delay_days),
            "updated_datetime": datetime.combine(published, time(),
                                                 tzinfo=policy.tz).isoformat(),
            "expected_datetime": None, "address": None, "address_id": None,
            "zipcode": None, "media_url": None}


def _window_ceiling(policy: public.PublicPolicy, start: datetime) -> datetime:
    """Return the first window start at or after ``start``: windows are chosen by their
    ``requested_datetime`` (first midnight), as the spec filters on it."""
    local = start.astimezone(policy.tz)
    day = local.date() + timedelta(days=1 if local.timetz().replace(tzinfo=None) != time()
                                   else 0)
    behind = (day - public.EPOCH).days % policy.window_days
    if behind:
        day += timedelta(days=policy.window_days - behind)
    return datetime.combine(day, time(), tzinfo=policy.tz)


def _instant(args, name: str, errors: dict[str, str]) -> datetime | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    value = api.parse_instant(text, current_app.config["EST_SETTINGS"].tz)
    if value is None:
        errors[name] = f"{name} must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z"
    elif not timebounds.check_bounds(value, name, errors):
        return None
    return value


def _int(args, name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = f"{name} must be a whole number from {low} to {high}"
        return default
    return int(text)
