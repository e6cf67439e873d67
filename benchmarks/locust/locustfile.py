"""Locust users for ``benchmarks/load.py`` (not run on its own: load.py passes the secrets).

Four kinds of visitors, each checking that the server answered as it should:
the public home page, a resident posting ``/rapportera`` (CSRF token fetched first), a
coordinator on the weekly review page, and an organisation's system posting Open311.
"""

from __future__ import annotations

import os
import random
import re
import secrets

from locust import FastHttpUser, HttpUser, constant, task
from requests.cookies import RequestsCookieJar

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A box in Hallsberg town (WGS84 lon/lat) inside the demo municipality.
TOWN = (15.095, 59.058, 15.125, 59.072)


def _point() -> tuple[str, str]:
    lon = random.uniform(TOWN[0], TOWN[2])
    lat = random.uniform(TOWN[1], TOWN[3])
    return f"{lon:.5f}", f"{lat:.5f}"


class LoopbackJar(RequestsCookieJar):
    """Keep the server's Secure cookies for plain http on 127.0.0.1.

    The server runs exactly as in production, where a TLS proxy sits in front, so its
    session cookie is ``Secure``; only this client agrees to send it back over loopback http.
    """

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Visitor(HttpUser):
    """A browser-like user that keeps the server's Secure cookies on 127.0.0.1."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.cookies = LoopbackJar()


def _csrf(user: Visitor, path: str, name: str) -> str | None:
    with user.client.get(path, name=name, catch_response=True) as response:
        match = CSRF.search(response.text or "")
        if response.status_code != 200 or match is None:
            response.failure(f"{response.status_code}, no CSRF token")
            return None
        response.success()
    return match.group(1)


class PublicVisitor(FastHttpUser):
    """A resident opening the public home page (aggregated map and totals).

    No cookies needed: the faster client (geventhttpclient), so locust itself is less of the
    bottleneck on a small machine.
    """

    weight = 4
    wait_time = constant(0)

    @task
    def home(self) -> None:
        self.client.get("/", name="GET /")


class Reporter(Visitor):
    """A resident reporting through the public form: GET for the token, then POST."""

    weight = 2
    @task
    def report(self) -> None:
        token = _csrf(self, "/rapportera", "GET /rapportera")
        if token is None:
            return
        lon, lat = _point()
        form = {"csrf_token": token, "idempotency_key": secrets.token_urlsafe(24),
                "kind": "incident", "category": "klotter", "when": "now",
                "lat": lat, "lon": lon, "description": "Lasttest"}
        with self.client.post("/rapportera", data=form, name="POST /rapportera",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302 or "/rapportera/tack/" not in \
                    response.headers.get("Location", ""):
                response.failure(f"{response.status_code}: {response.text[:120]!r}")


class Coordinator(Visitor):
    """An EST coordinator, signed in once, reading the weekly review page."""

    weight = 2
    week_path = ""

    def on_start(self) -> None:
        super().on_start()
        token = _csrf(self, "/logga-in", "GET /logga-in")
        if token is None:
            return
        form = {"csrf_token": token, "email": os.environ["EST_BENCH_EMAIL"],
                "password": os.environ["EST_BENCH_PASSWORD"]}
        with self.client.post("/logga-in", data=form, name="POST /logga-in",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")
                return
        with self.client.get("/granskning", name="GET /granskning", allow_redirects=False,
                             catch_response=True) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/granskning/" not in location:
                response.failure(f"{response.status_code} to {location!r}")
                return
        self.week_path = "/granskning/" + location.split("/granskning/", 1)[1]

    @task
    def review(self) -> None:
        if not self.week_path:
            return
        with self.client.get(self.week_path, name="GET /granskning/[vecka]",
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class Open311Client(Visitor):
    """An organisation's system posting service requests with its API key."""

    weight = 2
    @task
    def post_request(self) -> None:
        lon, lat = _point()
        form = {"api_key": os.environ["EST_BENCH_API_KEY"], "service_code": "klotter",
                "lat": lat, "long": lon, "description": "Lasttest via Open311"}
        with self.client.post("/open311/v2/requests.json", data=form,
                              name="POST /open311/v2/requests.json",
                              catch_response=True) as response:
            if response.status_code not in (200, 201) or "service_request_id" not in \
                    response.text:
                response.failure(f"{response.status_code}: {response.text[:120]!r}")
