"""A tiny tile server on 127.0.0.1 for tests: generated PNG tiles, every request recorded.

Used by the printed-map tests (the server process fetches tiles) and shareable with the
browser tests; nothing here reaches the network.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw


def tile_png(z: int, x: int, y: int) -> bytes:
    """Return a 256 × 256 PNG test tile: plain pale ground with a faint tile border and a
    faint checker shade, so a map shows that tiles were drawn without inventing streets."""
    shade = 236 if (x + y) % 2 else 242
    img = Image.new("RGB", (256, 256), (shade, shade, shade - 6))
    ImageDraw.Draw(img).rectangle([0, 0, 255, 255], outline=(205, 205, 198))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class TileServer:
    """A running loopback tile server: its URL template and the paths it was asked for."""

    url: str
    requests: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)


@contextmanager
def serve_tiles() -> Iterator[TileServer]:
    """Serve generated tiles at ``http://127.0.0.1:<port>/tiles/{z}/{x}/{y}.png``."""
    state = TileServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            state.requests.append(self.path)
            state.user_agents.append(self.headers.get("User-Agent", ""))
            parts = self.path.strip("/").removesuffix(".png").split("/")
            try:
                _, z, x, y = parts
                body = tile_png(int(z), int(x), int(y))
            except ValueError:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 (quiet in tests)
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """Return a tile URL on a loopback port nobody listens on (connections are refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png"
