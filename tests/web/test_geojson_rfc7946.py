"""Every GeoJSON output follows RFC 7946 and GDAL reads it as one typed layer in EPSG:4326.

Checked on the staff API (reports, cells, hot spots), the public ``/rutor.geojson`` and the
lägesbild export (whole and one layer per file): exterior rings counter-clockwise and holes
clockwise (§3.1.6), at most 6 decimals, one geometry type per collection, no ``crs`` member,
and ``pyogrio`` (GDAL) reads the file with the CRS EPSG:4326 and the same feature count.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pyogrio
import pytest

from est import public
from est.geojson import collection, feature, orient_and_round
from est.review import Week

TZ = "Europe/Stockholm"
STATION = (15.1122, 59.0651)
TORGET = (15.1050, 59.0700)


@pytest.fixture
def app_config(app_config, tmp_path):
    """Keep this module's lägesbild cache in a temporary directory."""
    return {**app_config, "EST_LAGESBILD_CACHE_DIR": str(tmp_path / "lagesbild-cache")}


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace sum: positive for a counter-clockwise ring (lon east, lat north)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))


def _polygons(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _numbers(coords) -> list[float]:
    if isinstance(coords, int | float):
        return [coords]
    return [n for c in coords for n in _numbers(c)]


def check_rfc7946(body: dict, geometry_type: str, tmp_path, name: str) -> int:
    """Assert RFC 7946 and a typed GDAL layer; return the number of polygon rings checked."""
    assert body["type"] == "FeatureCollection"
    assert "crs" not in body and not any("crs" in f for f in body["features"])
    assert body["features"], f"{name}: no features to check"
    assert {f["geometry"]["type"] for f in body["features"]} == {geometry_type}, name
    rings = 0
    for f in body["features"]:
        for number in _numbers(f["geometry"]["coordinates"]):
            assert round(number, 6) == number, (name, number)
        for polygon in _polygons(f["geometry"]):
            outer, *holes = polygon
            assert outer[0] == outer[-1] and _signed_area(outer) > 0, (name, "outer ring")
            for hole in holes:
                assert hole[0] == hole[-1] and _signed_area(hole) < 0, (name, "hole")
            rings += 1 + len(holes)
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps(body), encoding="utf-8")
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326", name
    assert info["geometry_type"] == geometry_type, name
    assert info["features"] == len(body["features"]), name
    return rings


def test_helpers_orient_round_and_refuse_mixed_layers():
    square_cw = {"type": "Polygon", "coordinates": [
        [[0, 0], [0, 1.0000004], [1, 1], [1, 0], [0, 0]],
        [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]]}  # hole counter-clockwise
    out = orient_and_round(square_cw, multi=True)
    assert out["type"] == "MultiPolygon"
    outer, hole = out["coordinates"][0]
    assert _signed_area(outer) > 0 and _signed_area(hole) < 0
    assert [0.0, 1.0] in outer  # 1.0000004 rounded to 6 decimals
    point = feature({"type": "Point", "coordinates": [15.11223456, 59.06512345]}, {})
    assert point["geometry"]["coordinates"] == [15.112235, 59.065123]
    with pytest.raises(ValueError, match="one geometry type"):
        collection([point, feature(square_cw, {})])
    with pytest.raises(ValueError, match="crs"):
        collection([point], crs={"type": "name"})


@pytest.fixture
def town(make_area, make_organisation, make_report):
    """Hallsberg with a hot spot last week, otrygghet at the square, a public window's cells
    and a background of litter reports over twelve weeks."""
    area = make_area()
    police = make_organisation("Polisen Hallsberg", "polis", area=area)
    police.public_opt_in = True
    tz = ZoneInfo(TZ)
    week = Week.containing(datetime.now(tz).date(), TZ).shift(-1)
    rng = np.random.default_rng(7946)

    def at(day, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=tz)

    def put(lon: float, lat: float, when: datetime, **kw):
        return make_report(lon, lat, area=area, organisation_id=police.id, occurred_at=when,
                           reported_at=when + timedelta(hours=1), **kw)

    for i in range(25):
        put(STATION[0] + rng.normal(0, 0.0002), STATION[1] + rng.normal(0, 0.0001),
            at(week.monday + timedelta(days=i % 7), 22))
    for i in range(6):
        put(TORGET[0] + i * 0.00005, TORGET[1], at(week.monday + timedelta(days=i), 21),
            code="belysning")
    for _ in range(240):
        day = week.monday - timedelta(days=int(rng.integers(-6, 84)))
        put(float(rng.uniform(15.06, 15.16)), float(rng.uniform(59.035, 59.095)),
            at(day, 14), code="nedskrapning")
    window = public.latest_window(public.PublicPolicy(), datetime.now(tz))
    for _ in range(5):
        put(*STATION, window.start_at + timedelta(days=1, hours=10))
    return area, police, week


def test_every_geojson_output_is_rfc7946(client, sign_in, town, tmp_path):
    area, police, week = town
    sign_in("coordinator", police)
    rings = 0

    def get(url: str) -> dict:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        assert response.mimetype == "application/geo+json", url
        return json.loads(response.get_data())

    check_rfc7946(get("/api/v1/reports.geojson"), "Point", tmp_path, "reports")
    rings += check_rfc7946(get("/api/v1/cells.geojson"), "Polygon", tmp_path, "cells")
    rings += check_rfc7946(get(f"/api/v1/hotspots.geojson?week={week.slug}"), "MultiPolygon",
                           tmp_path, "hotspots")
    rings += check_rfc7946(get("/rutor.geojson"), "Polygon", tmp_path, "rutor")
    period = (f"from={(week.monday - timedelta(days=84)).isoformat()}"
              f"&to={(week.monday + timedelta(days=6)).isoformat()}&area={area.code}")
    whole = get(f"/lagesbild/export.geojson?{period}&audience=internal")
    rings += check_rfc7946(whole, "MultiPolygon", tmp_path, "lagesbild")
    layers = {}
    for layer in ("hotspot", "count_cell", "otrygghet_place"):
        body = get(f"/lagesbild/export.geojson?{period}&audience=internal&layer={layer}")
        check_rfc7946(body, "MultiPolygon", tmp_path, f"lagesbild_{layer}")
        assert {f["properties"]["layer"] for f in body["features"]} == {layer}
        layers[layer] = len(body["features"])
    assert sum(layers.values()) == len(whole["features"])
    assert rings >= 4
    bad = client.get(f"/lagesbild/export.geojson?{period}&layer=points")
    assert bad.status_code == 400 and "layer" in bad.get_data(as_text=True)
