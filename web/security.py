"""Security headers on every response: a strict CSP with a per-request nonce, framing,
sniffing and referrer rules, HSTS in production and ``no-store`` on personal data."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

# Pages and APIs that show staff-only or personal data: never stored by a browser or proxy.
PRIVATE_PREFIXES = ("/personal", "/moderering", "/granskning", "/lagesbild", "/api/v1",
                    "/atgarder", "/promises", "/logga-in", "/logga-ut", "/rapportera/tack")


def init_app(app: Flask) -> None:
    """Offer ``csp_nonce()`` to templates and add the security headers to every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_headers)


def csp_nonce() -> str:
    """Return this request's CSP nonce (made on first use) for our own inline scripts."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(tile_origin: str, nonce: str | None) -> str:
    """Return the CSP: our origin only, the tile server for images, scripts by nonce."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        # Folium and Leaflet write inline styles (style attributes and <style> blocks).
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: {tile_origin}",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def set_headers(response: Response) -> Response:
    """Add the security headers; ``no-store`` where the response may carry personal data."""
    settings = current_app.config["EST_SETTINGS"]
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(
        settings.tile_origin, g.get("csp_nonce"))
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=(), payment=()"
    if settings.is_production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        if _private(request):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        else:
            headers.setdefault("Cache-Control", "no-cache")
    return response


def _private(req) -> bool:
    """Return True for staff pages, APIs with credentials and anything seen signed in."""
    from flask_login import current_user

    if req.path.startswith(PRIVATE_PREFIXES):
        return True
    if req.headers.get("Authorization") or req.headers.get("X-API-Key"):
        return True
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # no user loader in a bare app or an error during login lookup
        return False
