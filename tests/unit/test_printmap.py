"""Printed maps: label placement, zoom and tile budget, tiles from a loopback server, cache."""

from __future__ import annotations

import io
import itertools
import random

import numpy as np
import pytest
from PIL import Image

from est.printmap import (
    MAX_TILES,
    NOTE_UNREACHABLE,
    USER_AGENT,
    Box,
    TileSource,
    choose_zoom,
    draw_map,
    place_labels,
    tiles_for,
)
from est.printmap.compose import crowded
from est.printmap.tiles import mercator
from tests.tileserver import closed_port_url, serve_tiles

FRAME = Box(0, 0, 800, 600)


def _boxes(placed):
    return [p.box for p in placed if p is not None]


def test_labels_never_overlap_each_other_or_obstacles():
    rng = random.Random(7)
    anchors = [(rng.uniform(50, 750), rng.uniform(50, 550)) for _ in range(40)]
    sizes = [(rng.uniform(40, 140), 14.0) for _ in anchors]
    legend = Box(600, 0, 800, 120)
    placed = place_labels(anchors, sizes, FRAME, [legend])
    boxes = _boxes(placed)
    assert len(boxes) >= 20  # most labels find a place
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    for box in boxes:
        assert box.inside(FRAME) and not box.overlaps(legend)


def test_labels_keep_clear_of_every_marker():
    anchors = [(100.0, 100.0), (160.0, 100.0), (130.0, 130.0)]
    placed = place_labels(anchors, [(50.0, 12.0)] * 3, FRAME, marker=10)
    markers = [Box(x - 5, y - 5, x + 5, y + 5) for x, y in anchors]
    for box in _boxes(placed):
        assert not any(box.overlaps(m) for m in markers)


def test_crowded_labels_get_leader_lines_or_are_skipped():
    # Twelve places on top of each other in a small frame: not all can be labelled beside.
    anchors = [(100.0, 60.0)] * 12
    placed = place_labels(anchors, [(60.0, 12.0)] * 12, Box(0, 0, 200, 120))
    assert placed[0] is not None and not placed[0].leader
    assert any(p is not None and p.leader for p in placed)
    assert any(p is None for p in placed)
    for a, b in itertools.combinations(_boxes(placed), 2):
        assert not a.overlaps(b)


def test_first_choice_is_right_of_the_anchor():
    (p,) = place_labels([(100.0, 100.0)], [(40.0, 10.0)], FRAME, gap=5)
    assert p is not None and p.box.x0 == pytest.approx(105) and p.box.y0 == pytest.approx(95)


def test_one_size_per_anchor():
    with pytest.raises(ValueError, match="one size per anchor"):
        place_labels([(1.0, 1.0)], [], FRAME)


def _town(span_m: float = 3000.0) -> tuple[float, float, float, float]:
    x, y = mercator(15.11, 59.065)
    return x - span_m / 2, y - span_m / 2, x + span_m / 2, y + span_m / 2


@pytest.mark.parametrize("span", [300.0, 3000.0, 30_000.0, 300_000.0])
def test_zoom_keeps_within_the_tile_budget(span):
    z = choose_zoom(_town(span), 1125)
    assert 0 <= z <= 18
    assert len(tiles_for(_town(span), z)) <= MAX_TILES


def test_zoom_follows_the_extent():
    assert choose_zoom(_town(3000.0), 1125) > choose_zoom(_town(30_000.0), 1125)


def test_tiles_come_from_the_server_then_from_the_cache(tmp_path):
    with serve_tiles() as server:
        source = TileSource(server.url, tmp_path)
        first = source.mosaic(_town(), 1125)
        assert first is not None and first.fetched > 0 and first.cached == 0
        asked = len(server.requests)
        assert asked == first.fetched <= MAX_TILES
        assert set(server.user_agents) == {USER_AGENT}
        again = TileSource(server.url, tmp_path).mosaic(_town(), 1125)
        assert again is not None and again.cached == first.fetched and again.fetched == 0
        assert len(server.requests) == asked  # nothing asked the second time
    assert first.image.shape[2] == 3 and np.array_equal(first.image, again.image)
    assert list(tmp_path.rglob("*.png"))


def test_cache_is_pruned_to_its_size(tmp_path):
    with serve_tiles() as server:
        source = TileSource(server.url, tmp_path, max_cache_bytes=3_000)
        assert source.mosaic(_town(), 1125) is not None
    assert sum(p.stat().st_size for p in tmp_path.rglob("*.png")) <= 3_000


def test_unreachable_server_gives_no_mosaic_quickly(tmp_path):
    source = TileSource(closed_port_url(), tmp_path)
    assert source.mosaic(_town(), 1125) is None
    assert source.unreachable and len(source.requests) <= 2  # gave up after the first refusal


HOTSPOT = {"type": "Feature", "properties": {"rank": 1, "class": "new", "name": "Resecentrum"},
           "geometry": {"type": "Polygon", "coordinates": [[
               [15.110, 59.064], [15.1104, 59.064], [15.1104, 59.0642], [15.110, 59.0642],
               [15.110, 59.064]]]}}
PLACE = {"type": "Feature", "properties": {"name": "Alléskolan"},
         "geometry": {"type": "Polygon", "coordinates": [[
             [15.118, 59.068], [15.122, 59.068], [15.122, 59.070], [15.118, 59.070],
             [15.118, 59.068]]]}}
OUTLINE = {"type": "Polygon", "coordinates": [[[15.0, 59.0], [15.2, 59.0], [15.2, 59.12],
                                               [15.0, 59.12], [15.0, 59.0]]]}


def test_map_with_basemap_and_labels(tmp_path):
    with serve_tiles() as server:
        printed = draw_map(OUTLINE, [HOTSPOT], [PLACE], TileSource(server.url, tmp_path),
                           "© Testkarta")
        assert server.requests
    assert printed.basemap and printed.note is None
    assert printed.labels_placed == 2 and printed.labels_skipped == 0
    img = Image.open(io.BytesIO(printed.png))
    assert img.size == (1125, 900)


def test_map_without_server_says_so(tmp_path):
    printed = draw_map(OUTLINE, [HOTSPOT], [PLACE], TileSource(closed_port_url(), tmp_path))
    assert not printed.basemap and printed.note == NOTE_UNREACHABLE
    assert printed.labels_placed == 2
    assert Image.open(io.BytesIO(printed.png)).size == (1125, 900)


def _spot(lon: float, lat: float) -> dict:
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def test_crowded_finds_the_town_cluster_of_a_municipality_map():
    town = [_spot(15.110 + 0.001 * i, 59.065) for i in range(4)]
    villages = [_spot(14.95, 59.10), _spot(15.30, 59.00)]
    assert crowded([villages[0], *town, villages[1]]) == [1, 2, 3, 4]
    assert crowded(town) == []  # all together: the map is a detail already
    assert crowded([*villages, _spot(15.2, 59.2)]) == []
