"""Basemap tiles for printed maps: fetched from the configured tile server, cached on disk.

A printed map asks for at most ``max_tiles`` tiles (zoom chosen from the extent), sends a
user agent naming the application, reads each response up to a size limit, keeps the tiles
under ``cache_dir`` (one folder per tile URL, pruned to ``max_cache_bytes``, oldest first)
and uses a cached tile for ``max_age_s`` before asking again. A server that cannot be
reached gives no mosaic at all (the caller draws the outline-only map with a note).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

TILE_PX = 256
MAX_TILES = 64
MAX_ZOOM = 18
MAX_TILE_BYTES = 1_000_000
MAX_CACHE_BYTES = 50_000_000
MAX_AGE_S = 30 * 24 * 3600
TIMEOUT_S = 4.0
WORKERS = 2  # tile servers such as OpenStreetMap's ask for at most two connections
USER_AGENT = "EST-lagesbild/1.0 (printed maps of an EST municipality; tiles cached locally)"
EARTH_HALF_M = 20_037_508.342789244  # half the Web Mercator world width (EPSG:3857 metres)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Return Web Mercator (EPSG:3857) metres for a WGS84 longitude and latitude (degrees)."""
    lat = max(min(lat, 85.05112878), -85.05112878)
    x = lon * EARTH_HALF_M / 180.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_HALF_M / math.pi
    return x, y


def _tile_of(x: float, y: float, z: int) -> tuple[float, float]:
    """Return fractional tile indices of EPSG:3857 metres at zoom ``z`` (y counted down)."""
    n = 2 ** z
    return (x + EARTH_HALF_M) / (2 * EARTH_HALF_M) * n, (EARTH_HALF_M - y) / (2 * EARTH_HALF_M) * n


def choose_zoom(extent: tuple[float, float, float, float], width_px: int,
                max_tiles: int = MAX_TILES) -> int:
    """Return the zoom whose tiles fit ``extent`` (EPSG:3857 metres: x0, y0, x1, y1) at about
    ``width_px`` pixels wide, lowered until at most ``max_tiles`` tiles cover it."""
    x0, y0, x1, y1 = extent
    span = max(x1 - x0, 1.0)
    z = int(math.floor(math.log2(width_px * 2 * EARTH_HALF_M / (TILE_PX * span))))
    z = max(0, min(z, MAX_ZOOM))
    while z > 0 and len(tiles_for(extent, z)) > max_tiles:
        z -= 1
    return z


def tiles_for(extent: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """Return the (x, y) tile indices at zoom ``z`` covering ``extent`` (EPSG:3857 metres)."""
    x0, y0, x1, y1 = extent
    tx0, ty0 = _tile_of(x0, y1, z)
    tx1, ty1 = _tile_of(x1, y0, z)
    last = 2 ** z - 1
    xs = range(max(0, int(tx0)), min(last, int(tx1)) + 1)
    ys = range(max(0, int(ty0)), min(last, int(ty1)) + 1)
    return [(x, y) for y in ys for x in xs]


@dataclass
class Mosaic:
    """Tiles stitched into one RGB image covering ``extent`` (EPSG:3857 metres)."""

    image: np.ndarray
    extent: tuple[float, float, float, float]
    zoom: int
    fetched: int = 0
    cached: int = 0
    missing: int = 0


@dataclass
class TileSource:
    """A tile server (``url`` with ``{z}``, ``{x}``, ``{y}``, optionally ``{s}``) and its cache."""

    url: str
    cache_dir: Path
    attribution: str = ""
    max_tiles: int = MAX_TILES
    max_cache_bytes: int = MAX_CACHE_BYTES
    max_age_s: int = MAX_AGE_S
    timeout_s: float = TIMEOUT_S
    user_agent: str = USER_AGENT
    requests: list[str] = field(default_factory=list)  # URLs asked for, for tests and logs
    unreachable: bool = field(default=False, init=False)  # set by the first failed connection

    @property
    def folder(self) -> Path:
        """Return this server's cache folder (tiles of different servers never mix)."""
        return Path(self.cache_dir) / hashlib.sha256(self.url.encode()).hexdigest()[:16]

    def mosaic(self, extent: tuple[float, float, float, float], width_px: int) -> Mosaic | None:
        """Return the tiles covering ``extent`` (EPSG:3857 metres) stitched together, or None
        when no tile could be had (server unreachable and nothing cached)."""
        z = choose_zoom(extent, width_px, self.max_tiles)
        tiles = tiles_for(extent, z)
        xs = sorted({t[0] for t in tiles})
        ys = sorted({t[1] for t in tiles})
        cached: dict[tuple[int, int], bytes] = {}
        wanted = []
        for t in tiles:
            body = self._cached(z, *t)
            if body is None:
                wanted.append(t)
            else:
                cached[t] = body
        fetched: dict[tuple[int, int], bytes] = {}
        if wanted:
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                for t, body in zip(wanted, pool.map(lambda t: self._fetch(z, *t), wanted),
                                   strict=True):
                    if body is not None:
                        fetched[t] = body
            if fetched:
                self._prune()
        found = {**cached, **fetched}
        if not found:
            return None
        image = np.full((len(ys) * TILE_PX, len(xs) * TILE_PX, 3), 235, dtype=np.uint8)
        missing = 0
        for (tx, ty) in tiles:
            rgb = _decode(found.get((tx, ty)))
            if rgb is None:
                missing += 1
                continue
            row, col = ys.index(ty) * TILE_PX, xs.index(tx) * TILE_PX
            image[row:row + TILE_PX, col:col + TILE_PX] = rgb
        n = 2 ** z
        size = 2 * EARTH_HALF_M / n
        left, top = -EARTH_HALF_M + xs[0] * size, EARTH_HALF_M - ys[0] * size
        box = (left, top - len(ys) * size, left + len(xs) * size, top)
        return Mosaic(image, box, z, fetched=len(fetched), cached=len(cached), missing=missing)

    # -- cache and network ---------------------------------------------------------------------

    def _path(self, z: int, x: int, y: int) -> Path:
        return self.folder / str(z) / str(x) / f"{y}.png"

    def _cached(self, z: int, x: int, y: int) -> bytes | None:
        path = self._path(z, x, y)
        try:
            if time.time() - path.stat().st_mtime > self.max_age_s:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def _fetch(self, z: int, x: int, y: int) -> bytes | None:
        if self.unreachable:  # one refused or timed-out connection: ask no further
            return None
        url = (self.url.replace("{s}", "a").replace("{z}", str(z)).replace("{x}", str(x))
               .replace("{y}", str(y)))
        self.requests.append(url)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                       "Accept": "image/png,image/*"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                body = response.read(MAX_TILE_BYTES + 1)
        except urllib.error.HTTPError:
            return None  # the server answered: only this tile is missing
        except (OSError, ValueError):
            self.unreachable = True
            return None
        if len(body) > MAX_TILE_BYTES or _decode(body) is None:
            return None
        self._store(self._path(z, x, y), body)
        return body

    def _store(self, path: Path, body: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except OSError:
            return  # a cache that cannot be written only costs time

    def _prune(self) -> None:
        """Delete the oldest tiles until the cache (all servers) is within its size."""
        files = []
        for path in Path(self.cache_dir).rglob("*.png"):
            try:
                st = path.stat()
            except OSError:
                continue
            files.append((st.st_mtime, st.st_size, path))
        total = sum(f[1] for f in files)
        for _mtime, size, path in sorted(files, key=lambda f: f[0]):
            if total <= self.max_cache_bytes:
                break
            try:
                path.unlink()
                total -= size
            except OSError:
                continue


def _decode(body: bytes | None) -> np.ndarray | None:
    """Return a tile as a 256 × 256 RGB array, or None when it is not such an image."""
    if not body:
        return None
    try:
        with Image.open(io.BytesIO(body)) as img:
            rgb = img.convert("RGB")
            if rgb.size != (TILE_PX, TILE_PX):
                rgb = rgb.resize((TILE_PX, TILE_PX))
            return np.asarray(rgb)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
