"""Home page: the public picture of the municipality, under the public privacy model.

The expensive parts (the map and the counts of the newest public window, the cells GeoJSON)
come from :mod:`est.public_cache`, keyed by a fingerprint of the data they read; the page is
rendered per request around them (a fresh CSP nonce, the visitor's own menu). Anonymous
visitors get ``ETag``/``Last-Modified`` and a ``304`` when nothing changed; signed-in staff get
``no-store`` from :mod:`web.security` and no validators.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from types import SimpleNamespace

from flask import Blueprint, Response, current_app, g, json, render_template, request
from flask_login import current_user
from sqlalchemy import select

from est import geojson, public, queries
from est.errors import NotFound
from est.models import Area
from est.public_cache import PublicCache, cache_key, data_fingerprint
from web import maps
from web.db import get_session
from web.security import csp_nonce

bp = Blueprint("home", __name__)

MAX_AGE_S = 60  # browsers and proxies may reuse a public answer this long without asking
# The area id and data fingerprint are reused per worker this long (app config
# EST_PUBLIC_FINGERPRINT_TTL_S; 0 = read them on every request): a hit then needs no database.
FINGERPRINT_TTL_S = 2.0
NONCE_MARK = "__EST_CSP_NONCE__"
# Anonymous pages rendered with NONCE_MARK, per worker: (cache key, language, path) -> HTML.
RENDERED_ENTRIES = 8
_RENDERED: OrderedDict[tuple, str] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
_HTML_TAG = re.compile(r'^W/"([0-9a-f]{32})\.([A-Za-z0-9_-]{16,64})"$')


def public_cache() -> PublicCache:
    """Return the app's public cache (Redis when ``REDIS_URL`` is set, else in-process)."""
    store = current_app.extensions.get("est_public_cache")
    if store is None:
        store = PublicCache(current_app.config["EST_SETTINGS"].redis_url)
        current_app.extensions["est_public_cache"] = store
    return store


def _context(page: str):
    """Return (session, area id, policy, now, key) of a public page (NotFound: no area)."""
    settings = current_app.config["EST_SETTINGS"]
    session = get_session()  # connects on first use only (a memoised hit does not)
    policy = public.PublicPolicy.from_settings(settings)
    now = datetime.now(settings.tz)
    window = public.latest_window(policy, now)

    def lookup() -> tuple[int, str]:
        # Only the id here: the area row holds the whole outline, read when a page is built.
        area = session.scalar(select(Area.id).where(Area.kind == "municipality",
                                                    Area.code == settings.municipality))
        if area is None:
            area = queries.area_by_code(session, settings.municipality).id  # NotFound, a hint
        return area, data_fingerprint(session, area, window.start_at, window.end_at)

    ttl = float(current_app.config.get("EST_PUBLIC_FINGERPRINT_TTL_S", FINGERPRINT_TTL_S))
    area, fingerprint = public_cache().memo(
        ("fingerprint", settings.municipality, window.start_at, window.end_at), ttl, lookup)
    today = now.astimezone(policy.tz).date()
    key = cache_key(page, settings.municipality, policy, window.start, today, fingerprint)
    return session, area, policy, now, key


def _anonymous() -> bool:
    try:
        return not (current_user and current_user.is_authenticated)
    except Exception:  # no user loader in a bare app
        return True


def _not_modified_since(built_at: float) -> bool:
    text = request.headers.get("If-Modified-Since")
    if not text or "If-None-Match" in request.headers:
        return False
    try:
        since = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(built_at) <= since.timestamp()


def _validators(response: Response, etag: str, built_at: float) -> Response:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = format_datetime(
        datetime.fromtimestamp(int(built_at), UTC), usegmt=True)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    return response


def _build_home(session, area_id: int, policy, now) -> dict:
    area = session.get(Area, area_id)
    shown = public.summary(session, policy, area.id, now)
    cells = [{"geometry": c.geometry, "count": c.count} for c in shown.cells]
    outline = queries.area_geojson(session, area.id)
    m = maps.base_map(maps.bounds_of(cells) or outline["bounds"])
    maps.add_boundary(m, outline["geometry"], area.name)
    maps.add_districts(m, maps.district_features(area.id), "Kommundelar")
    maps.add_count_cells(m, cells, f"Rapporter {shown.window.label}",
                         fields=(("count", "Rapporter"),))
    maps.add_layer_control(m)
    embedded = maps.embed(m)
    # The header's <script> tags carry this request's nonce: store a mark instead.
    embedded["header"] = embedded["header"].replace(csp_nonce(), NONCE_MARK)
    return {"map": embedded, "area": {"name": area.name},
            "shown": {"label": shown.window.label, "total": shown.total,
                      "cell_m": shown.cell_m, "min_cell": shown.min_cell,
                      "categories": [list(c) for c in shown.categories]}}


@bp.get("/")
def index():
    """Show the newest public window's cells and category counts on a map."""
    try:
        session, area, policy, now, key = _context("home")
    except NotFound as exc:
        return render_template("index.html", area=None, message=str(exc)), 200
    value, built_at = public_cache().fetch(key, lambda: _build_home(session, area, policy, now))
    anonymous = _anonymous()
    lang = g.get("lang", "sv")
    # The page differs by language: the tag does too (a switch never gets a 304 of the other).
    tag = hashlib.sha256(f"{key}|{lang}".encode()).hexdigest()[:32]
    if anonymous:
        match = _HTML_TAG.match(request.headers.get("If-None-Match", "").strip())
        if match and match.group(1) == tag:
            # The browser's copy runs with the nonce it was sent: answer with that nonce.
            g.csp_nonce = match.group(2)
            return _validators(Response(status=304), match.group(0), built_at)
        memo = (key, lang, g.get("path"))
        with _RENDERED_LOCK:
            page = _RENDERED.get(memo)
        if page is None:
            g.csp_nonce = NONCE_MARK  # rendered once with a mark, the nonce put in per response
            page = _render(value, policy)
            with _RENDERED_LOCK:
                _RENDERED[memo] = page
                while len(_RENDERED) > RENDERED_ENTRIES:
                    _RENDERED.popitem(last=False)
        g.csp_nonce = None
        nonce = csp_nonce()
        response = Response(page.replace(NONCE_MARK, nonce), mimetype="text/html")
        return _validators(response, f'W/"{tag}.{nonce}"', built_at)
    return Response(_render(value, policy), mimetype="text/html")


def _render(value: dict, policy: public.PublicPolicy) -> str:
    """Render the home page around a cached entry (the header gets this request's nonce)."""
    embedded = dict(value["map"])
    embedded["header"] = embedded["header"].replace(NONCE_MARK, csp_nonce())
    shown = value["shown"]
    shown_ns = SimpleNamespace(
        window=SimpleNamespace(label=shown["label"]), total=shown["total"],
        cell_m=shown["cell_m"], min_cell=shown["min_cell"],
        categories=[tuple(c) for c in shown["categories"]])
    return render_template(
        "index.html", area=SimpleNamespace(name=value["area"]["name"]), map=embedded,
        shown=shown_ns, policy=policy, count_sv=public.count_sv)


@bp.get("/rutor.geojson")
def cells_geojson():
    """Return the newest public window's cells as GeoJSON (the same figures as the map)."""
    session, area, policy, now, key = _context("cells")
    value, built_at = public_cache().fetch(key, lambda: json.dumps(geojson.normalise(
        public.cells_geojson(session, policy, area, now))))
    etag = '"' + key.rsplit(":", 1)[1] + '"'
    match = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if etag in match or "*" in match or _not_modified_since(built_at):
        return _validators(Response(status=304), etag, built_at)
    response = Response(value + "\n", mimetype=geojson.MEDIA_TYPE)
    return _validators(response, etag, built_at)

