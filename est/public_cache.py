"""Cache the public pages' expensive parts, keyed by a fingerprint of the data they read.

The public privacy model (:mod:`est.public`) publishes fixed, delayed windows, so the home
page's map and counts, ``/rutor.geojson`` and Open311 ``GET requests.json`` change at most once
a window, plus rare staff edits. The cache key is

    (page, municipality, policy, window, today's date, data fingerprint, code version)

where the **data fingerprint** is computed in PostgreSQL on every request from the row
versions (``xmin``, ``ctid``) of every row the page can read: the municipality's reports that
occurred in the window (through the ``(area_id, occurred_at)`` index), organisations
(``public_opt_in``), categories (labels) and the area with its districts (outline, names).
Any insert, update or delete of such a row gives a new key, so a stale entry is never asked
for again (it ages out). Today's date is in the key because a publication counts from the
next local midnight.

Entries are JSON bytes. The store is Redis when ``REDIS_URL`` is set (shared by every gunicorn
worker) and otherwise a small in-process LRU per worker; both keyed the same way. A few
decoded entries are also kept per worker in front of either store (no Redis round trip or JSON
decoding on a hit; the key holds the fingerprint, so they are never stale). Each entry
records when it was built: that is the ``Last-Modified`` of the page (any change since would
have given another key).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

SCHEMA = 1  # bump when an entry's layout changes
MAX_ENTRIES = 64  # per worker, in-process store
DECODED_ENTRIES = 8  # per worker, decoded entries in front of either store
TTL_S = 9 * 24 * 3600  # Redis entries outlive a window (7 days) plus the delay

_ROWS = "count(*) || ':' || coalesce(sum(hashtextextended(t.xmin::text || t.ctid::text, 0)), 0)"
_FINGERPRINT = text(f"""
    WITH areas AS (SELECT a.id FROM area a WHERE a.id = :area_id OR a.parent_id = :area_id)
    SELECT (SELECT {_ROWS} FROM report t
            WHERE t.area_id IN (SELECT id FROM areas)
              AND t.occurred_at >= :start AND t.occurred_at < :end)
        || '|' || (SELECT {_ROWS} FROM organisation t)
        || '|' || (SELECT {_ROWS} FROM category t)
        || '|' || (SELECT {_ROWS} FROM area t WHERE t.id IN (SELECT id FROM areas))
""")


@cache
def code_version() -> str:
    """Return a hash of the code that shapes a public page (a new release builds afresh)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in ("est/public.py", "est/public_cache.py", "est/geojson.py"):
        digest.update((root / name).read_bytes())
    for path in sorted((root / "web" / "maps").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def data_fingerprint(session: Session, area_id: int, start: datetime, end: datetime) -> str:
    """Return a fingerprint of every row a public page of ``area_id`` for ``[start, end)`` reads.

    Order-free (a count and a sum of 64-bit hashes per table) and computed from system
    columns only: one indexed range scan of the window's reports and three small tables.
    """
    row = session.execute(_FINGERPRINT, {"area_id": area_id, "start": start, "end": end}).one()
    return hashlib.sha256(str(row[0]).encode()).hexdigest()[:24]


def cache_key(page: str, *parts: Any) -> str:
    """Return the store key of ``page`` for the given key parts (hashed, fixed length)."""
    body = json.dumps([SCHEMA, code_version(), page, *[str(p) for p in parts]])
    return f"est:public:{page}:{hashlib.sha256(body.encode()).hexdigest()[:32]}"


class PublicCache:
    """Entries by key: Redis when ``redis_url`` is given, else an in-process LRU."""

    def __init__(self, redis_url: str | None = None, max_entries: int = MAX_ENTRIES):
        self._lock = threading.Lock()
        self._local: OrderedDict[str, bytes] = OrderedDict()
        self._decoded: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self._memo: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self.clock: Callable[[], float] = time.monotonic  # tests move time
        self._max = max_entries
        self._redis = None
        if redis_url:
            import redis  # only deployments with Redis need the client

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=2)

    def get(self, key: str) -> bytes | None:
        """Return the stored entry or None."""
        if self._redis is not None:
            stored = self._redis.get(key)
            return stored if isinstance(stored, bytes) or stored is None else stored.encode()
        with self._lock:
            value = self._local.get(key)
            if value is not None:
                self._local.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        """Store an entry (the oldest in-process entries are dropped past ``max_entries``)."""
        if self._redis is not None:
            self._redis.set(key, value, ex=TTL_S)
            return
        with self._lock:
            self._local[key] = value
            self._local.move_to_end(key)
            while len(self._local) > self._max:
                self._local.popitem(last=False)

    def fetch(self, key: str, build: Callable[[], Any]) -> tuple[Any, float]:
        """Return ``(value, built_at)`` of ``key``, building and storing it on a miss.

        ``build`` returns JSON-serialisable data; ``built_at`` is a Unix time.
        """
        with self._lock:
            decoded = self._decoded.get(key)
            if decoded is not None:
                self._decoded.move_to_end(key)
                return decoded
        stored = self.get(key)
        if stored is not None:
            entry = json.loads(stored)
            decoded = entry["value"], float(entry["built_at"])
        else:
            built_at = time.time()
            value = build()
            self.put(key, json.dumps({"value": value, "built_at": built_at},
                                     ensure_ascii=False).encode())
            decoded = value, built_at
        with self._lock:  # decoded entries in front of the store (safe: the key is the data)
            self._decoded[key] = decoded
            while len(self._decoded) > DECODED_ENTRIES:
                self._decoded.popitem(last=False)
        return decoded

    def memo(self, key: Any, ttl_s: float, compute: Callable[[], Any]) -> Any:
        """Return ``compute()``, reused in this process for ``ttl_s`` seconds per ``key``.

        For the data fingerprint: a cache hit then costs no database round trip at all, and a
        change shows at most ``ttl_s`` later (``0``: compute on every call). Exceptions are
        not memoised.
        """
        if ttl_s <= 0:
            return compute()
        now = self.clock()
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = compute()
        with self._lock:
            self._memo[key] = (now + ttl_s, value)
            self._memo.move_to_end(key)
            while len(self._memo) > MAX_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget the in-process entries (tests; Redis entries simply age out)."""
        with self._lock:
            self._local.clear()
            self._decoded.clear()
            self._memo.clear()
