"""Lägesbild downloads rendered once per content, PDF and DOCX through the job queue.

A download is keyed by a digest of the document itself (every figure, text and source, plus
the code version and the basemap settings), so a changed text or figure gives a new file and
a repeat download is one file read from the lägesbild cache directory. PDF and DOCX (with the
printed map, whose tiles are fetched) go through :func:`est.jobs.enqueue` keyed by that
digest: inline without Redis (the bytes come back at once), on the ``est`` queue with it (the
page asks the reader to wait and reloads).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from est import jobs
from est.lagesbild import charts
from est.lagesbild.cache import LagesbildCache, code_version, from_json, to_json
from est.lagesbild.model import Lagesbild
from est.lagesbild.render import render
from est.printmap import TileSource

QUEUED_FORMATS = ("pdf", "docx")
PRINTED_MAP_FORMATS = ("pdf", "docx", "html")


def file_name(lb: Lagesbild, fmt: str, tiles: dict | None) -> str:
    """Return the cache file name of ``lb`` rendered as ``fmt`` with basemap ``tiles``."""
    blob = json.dumps({"doc": to_json(lb), "fmt": fmt, "tiles": tiles,
                       "code": code_version()}, sort_keys=True)
    return f"doc-{hashlib.sha256(blob.encode()).hexdigest()[:40]}.{fmt}"


def render_document(lb: Lagesbild, fmt: str, tiles: dict | None) -> bytes:
    """Render ``lb`` as ``fmt``; documents get the printed map (``tiles``: url, dir, credit)."""
    if fmt in PRINTED_MAP_FORMATS:
        source = TileSource(tiles["url"], Path(tiles["dir"]), attribution=tiles["attribution"]) \
            if tiles else None
        lb = charts.printed_map(lb, source, (tiles or {}).get("attribution", ""))
    return render(lb, fmt)


def render_to_cache(directory: str, name: str, fmt: str, doc: dict,
                    tiles: dict | None) -> str:
    """Render the document ``doc`` (:func:`to_json`) into the cache as ``name`` (a job)."""
    cache = LagesbildCache(directory)
    cache._write(name, render_document(from_json(doc), fmt, tiles))
    return name


def export(cache: LagesbildCache, lb: Lagesbild, fmt: str,
           tiles: dict | None) -> bytes | jobs.JobRef:
    """Return the download of ``lb`` as ``fmt``, or the job still rendering it."""
    name = file_name(lb, fmt, tiles)
    body = cache._read(name)
    if body is not None:
        return body
    if fmt in QUEUED_FORMATS:
        ref = jobs.enqueue(render_to_cache, str(cache.dir), name, fmt, to_json(lb), tiles,
                           key=f"lagesbild-export:{name}")
        if not ref.done:
            return ref
        body = cache._read(name)
        if body is not None:
            return body
    # Other formats, a failed job, or a finished one whose file was pruned: render here.
    body = render_document(lb, fmt, tiles)
    cache._write(name, body)
    return body
