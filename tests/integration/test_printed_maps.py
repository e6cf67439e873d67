"""Printed maps in the lägesbild exports and the meeting papers: basemap tiles from a tile
server on 127.0.0.1, the tile cache on a second export, the note when it cannot be reached."""

from __future__ import annotations

import io
import subprocess
import uuid
import zipfile

import pytest

from est.lagesbild import build_lagesbild, charts
from est.lagesbild.charts import MAP_KEY
from est.printmap import NOTE_UNREACHABLE, TileSource
from tests.integration.test_lagesbild import END, START, fixture_reports  # noqa: F401
from tests.tileserver import closed_port_url, serve_tiles

Q = f"from={START}&to={END}&area=1861&audience=internal"


@pytest.fixture
def tiles():
    with serve_tiles() as server:
        yield server


@pytest.fixture
def app_config(app_config, tmp_path, request):
    """Printed basemaps on, from the loopback tile server (or a closed port), caches in tmp."""
    url = (closed_port_url() if "unreachable" in request.node.name
           else request.getfixturevalue("tiles").url)
    return {**app_config, "EST_PRINT_BASEMAP": True, "EST_TILE_URL": url,
            "EST_TILE_CACHE_DIR": str(tmp_path / "tiles"),
            "EST_LAGESBILD_CACHE_DIR": str(tmp_path / "lagesbild")}


@pytest.fixture
def login(sign_in, make_organisation):
    return lambda role: sign_in(role, make_organisation(f"Org {uuid.uuid4().hex[:6]}"))


def pdf_text(body: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True,
                          check=True).stdout.decode()


def test_pdf_export_fetches_tiles_and_docx_uses_the_cache(client, login, tiles, tmp_path,
                                                          fixture_reports):  # noqa: F811
    login("coordinator")
    pdf = client.get(f"/lagesbild/export.pdf?{Q}")
    assert pdf.status_code == 200
    asked = list(tiles.requests)
    assert asked and all(p.startswith("/tiles/") for p in asked)
    assert len(asked) <= 64  # the per-export tile budget
    assert list((tmp_path / "tiles").rglob("*.png"))  # kept in the tile cache
    text = pdf_text(pdf.data)
    assert "Karta över hot spots (brännpunkter) och otrygga platser" in text
    assert "Bakgrundskarta saknas" not in text

    docx = client.get(f"/lagesbild/export.docx?{Q}")
    assert docx.status_code == 200
    assert tiles.requests == asked  # the second export took its tiles from the cache
    with zipfile.ZipFile(io.BytesIO(docx.data)) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())


def test_unreachable_tile_server_gives_the_outline_map_with_a_note(client, login,
                                                                   fixture_reports):  # noqa: F811
    login("coordinator")
    pdf = client.get(f"/lagesbild/export.pdf?{Q}")
    assert pdf.status_code == 200
    assert NOTE_UNREACHABLE in " ".join(pdf_text(pdf.data).split())


def test_printed_map_puts_otrygga_platser_and_hot_spots_on_the_map(db_session, tmp_path,
                                                                   tiles,
                                                                   fixture_reports):  # noqa: F811
    lb = build_lagesbild(db_session, area_code="1861", start=START, end=END,
                         audience="internal", min_cell=1)
    layers = {f["properties"]["layer"] for f in lb.geojson["features"]}
    assert {"hotspot", "otrygghet_place"} <= layers
    printed = charts.printed_map(lb, TileSource(tiles.url, tmp_path), "© Test")
    maps = [c for s in printed.sections for c in s.charts if c.key == MAP_KEY]
    assert len(maps) == 1 and maps[0].png[:8] == b"\x89PNG\r\n\x1a\n"
    assert maps[0].png != [c for s in lb.sections for c in s.charts if c.key == MAP_KEY][0].png
    assert tiles.requests


def test_agenda_pdf_has_the_printed_map(client, login, tiles, fixture_reports):  # noqa: F811
    login("coordinator")
    resp = client.get("/granskning/2025-W12/dagordning?format=pdf")
    assert resp.status_code == 200
    assert tiles.requests
    assert "Karta över veckans hot spots" in pdf_text(resp.data)
    html = client.get("/granskning/2025-W12/dagordning").get_data(as_text=True)
    assert 'class="print-map"' in html and "data:image/png;base64," in html


def test_cli_pdf_has_the_basemap(runner, tiles, tmp_path, fixture_reports):  # noqa: F811
    out = tmp_path / "lb.pdf"
    result = runner.invoke(args=["lagesbild", "--from", str(START), "--to", str(END),
                                 "--format", "pdf", "--audience", "internal", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert tiles.requests
    assert "Bakgrundskarta saknas" not in pdf_text(out.read_bytes())
