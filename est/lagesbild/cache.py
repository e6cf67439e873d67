"""Cache built lägesbilder and their exports on disk, keyed by a fingerprint of the data.

Key = (area, period, audience, minimum count, options, today, data fingerprint, code
version). The data fingerprint is computed in the database from every row a lägesbild can
read (reports and their reasons, actions, hot spot runs, promises with their focus,
indicators and linked actions, organisations, categories, the area and its districts, place
and lineage names), so any change gives a new key and a stale entry is simply never asked
for again. Entries are JSON (no pickle) under ``var/cache/lagesbild/``; old files are pruned.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from est.lagesbild.builder import build_lagesbild
from est.lagesbild.context import DEFAULT_CELL_M, DEFAULT_MIN_CELL, parse_period, resolve_area
from est.lagesbild.model import Chart, Facts, Lagesbild, Section, Table
from est.lagesbild.suppress import Hidden

MAX_AGE_S = 7 * 24 * 3600
SCHEMA = 2  # bump when the stored JSON layout changes

# (table, condition) pairs hashed row by row; ``:areas`` are the municipality and districts.
_HASHED = [
    ("report t", "t.area_id = ANY(:areas) OR t.area_id IS NULL"),
    ("report_reason t JOIN report r ON r.id = t.report_id", "r.area_id = ANY(:areas)"),
    ("action t", "t.area_id = ANY(:areas)"),
    ("hotspot_run t", "t.area_id = ANY(:areas) OR t.area_id IS NULL"),
    ("promise t", "t.area_id = ANY(:areas)"),
    ("promise_focus t JOIN promise p ON p.id = t.promise_id", "p.area_id = ANY(:areas)"),
    ("promise_indicator t JOIN promise p ON p.id = t.promise_id", "p.area_id = ANY(:areas)"),
    ("promise_action t JOIN promise p ON p.id = t.promise_id", "p.area_id = ANY(:areas)"),
    ("organisation t", "TRUE"),
    ("category t", "TRUE"),
    ("area t", "t.id = ANY(:areas)"),
    ("lineage_name t", "TRUE"),
    ("place t", "t.area_id = ANY(:areas)"),
]


@cache
def code_version() -> str:
    """Return a hash of the source of ``est`` and ``geo`` (a new release builds afresh)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for package in ("est", "geo"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def data_fingerprint(session: Session, area_id: int) -> str:
    """Return a fingerprint of every row a lägesbild of the municipality ``area_id`` reads.

    Order-free (a count and a sum of 64-bit hashes per table), computed in PostgreSQL from
    each row version's system columns (``xmin``, ``ctid``): an insert, update or delete gives
    a new fingerprint without reading the rows' text or geometry.
    """
    areas = [area_id, *session.scalars(text("SELECT id FROM area WHERE parent_id = :a"),
                                       {"a": area_id})]
    parts = []
    for source, cond in _HASHED:
        parts.append("(SELECT count(*) || ':' || coalesce(sum(hashtextextended("
                     f"t.xmin::text || t.ctid::text, 0)), 0) FROM {source} WHERE {cond})")
    row = session.execute(text("SELECT " + " || '|' || ".join(parts)), {"areas": areas}).one()
    return hashlib.sha256(row[0].encode()).hexdigest()[:32]


class LagesbildCache:
    """Built lägesbilder and rendered exports under ``directory`` (created 0700)."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)

    def key(self, session: Session, *, area_code: str, start: date | str, end: date | str,
            min_cell: int = DEFAULT_MIN_CELL, audience: str = "public",
            tz: str = "Europe/Stockholm", crs: int = 3006, cell_m: int = DEFAULT_CELL_M,
            today: date | None = None, hotspots: bool = True) -> str:
        """Return the cache key of a build with these arguments over the current data."""
        first, last = parse_period(start, end)
        area = resolve_area(session, area_code)
        muni = area.id if area.kind == "municipality" or area.parent_id is None \
            else area.parent_id
        today = today or datetime.now(ZoneInfo(tz)).date()
        blob = json.dumps({"schema": SCHEMA, "area": area.code, "from": first.isoformat(),
                           "to": last.isoformat(), "k": min_cell, "audience": audience,
                           "tz": tz, "crs": crs, "cell_m": cell_m, "today": today.isoformat(),
                           "hotspots": hotspots, "data": data_fingerprint(session, muni),
                           "code": code_version()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:40]

    def build(self, session: Session, **kw) -> Lagesbild:
        """Return the lägesbild for ``kw`` (see :func:`build_lagesbild`), built at most once."""
        return self._build(session, self.key(session, **kw), kw)[0]

    def render(self, session: Session, fmt: str, render: Callable[[Lagesbild, str], bytes],
               **kw) -> bytes:
        """Return the export in ``fmt`` of the lägesbild for ``kw``, rendered at most once."""
        key = self.key(session, **kw)
        body = self._read(f"{key}.{fmt}")
        if body is None:
            lb, key = self._build(session, key, kw)
            body = render(lb, fmt)
            self._write(f"{key}.{fmt}", body)
        return body

    def _build(self, session: Session, key: str, kw: dict) -> tuple[Lagesbild, str]:
        found = self._read(f"{key}.json")
        if found is not None:
            try:
                return _decode(json.loads(found)), key
            except (ValueError, KeyError, TypeError):
                pass  # an entry from an older layout: build afresh
        lb = build_lagesbild(session, **kw)
        # Detecting hot spots may have stored a run, which is part of the fingerprint: file
        # the result under the key the next request will compute.
        key = self.key(session, **kw)
        self._write(f"{key}.json", json.dumps(_encode(lb)).encode())
        return lb, key

    # -- files ------------------------------------------------------------------------------

    def _read(self, name: str) -> bytes | None:
        try:
            return (self.dir / name).read_bytes()
        except OSError:
            return None

    def _write(self, name: str, body: bytes) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, self.dir / name)
            self._prune()
        except OSError:
            return  # a cache that cannot be written only costs time

    def _prune(self) -> None:
        cutoff = time.time() - MAX_AGE_S
        for path in self.dir.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue


# -- JSON encoding of the model (no pickle: the cache never runs code it reads) -------------

def _encode(value):
    if isinstance(value, Hidden):
        return {"$hidden": value.reason}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _plain(value):
    if isinstance(value, dict):
        if "$hidden" in value:
            return Hidden(value["$hidden"])
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$dict" in value:
            return {_plain(k): _plain(v) for k, v in value["$dict"]}
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _decode(data: dict) -> Lagesbild:
    d = _plain(data)
    d["sections"] = [Section(**{**s, "tables": [Table(**t) for t in s["tables"]],
                                "charts": [Chart(**c) for c in s["charts"]]})
                     for s in d["sections"]]
    d["facts"] = Facts(**d["facts"])
    return Lagesbild(**d)


def to_json(lb: Lagesbild) -> dict:
    """Return ``lb`` as plain JSON (bytes base64, dates ISO, hidden values marked)."""
    return _encode(lb)


def from_json(data: dict) -> Lagesbild:
    """Return the lägesbild :func:`to_json` gave."""
    return _decode(data)
