"""Page helpers for the browser tests: signing in, and waiting without ``eval`` in the page.

Waiting:

Playwright's ``page.wait_for_function`` evaluates its predicate with ``eval`` inside the page,
which our Content Security Policy forbids (no ``'unsafe-eval'``). ``page.evaluate`` goes
through the DevTools protocol instead, outside the page's CSP, so polling with it works on
every page exactly as the browser serves it.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page

from est.services.users import DEMO_PASSWORD


def wait_for_js(page: Page, expression: str, *, timeout_ms: float = 10_000,
                interval_ms: float = 50) -> None:
    """Poll the JavaScript ``expression`` until it is truthy; fail after ``timeout_ms``."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        if page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_ms:.0f} ms: {expression}")
        page.wait_for_timeout(interval_ms)


def sign_in(page: Page, base: str, email: str = "samordnare@hallsberg.example") -> None:
    """Sign in through the login form with a demo account."""
    page.goto(f"{base}/logga-in")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    assert "/logga-in" not in page.url
