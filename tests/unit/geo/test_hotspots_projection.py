"""WGS84 ↔ projected conversions and CRS validation."""

import numpy as np
import pytest
import shapely

from geo.projection import (
    geometry_to_projected,
    geometry_to_wgs84,
    parse_epsg,
    to_projected,
    to_wgs84,
    validate_projected_crs,
)


def test_hallsberg_station_projects_to_sweref_and_back():
    x, y = to_projected([15.1122], [59.0651], 3006)
    assert 500_000 < x[0] < 520_000 and 6_540_000 < y[0] < 6_560_000
    lon, lat = to_wgs84(x, y, "EPSG:3006")
    assert lon[0] == pytest.approx(15.1122, abs=1e-9)
    assert lat[0] == pytest.approx(59.0651, abs=1e-9)


def test_distances_are_metres():
    x, y = to_projected([15.0, 15.0], [59.0, 59.001], 3006)
    assert np.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(111.2, abs=0.5)


@pytest.mark.parametrize("code", [4326, "EPSG:4326", 4258])
def test_geographic_crs_is_rejected(code):
    with pytest.raises(ValueError, match="not a projected CRS"):
        validate_projected_crs(code)


def test_feet_crs_is_rejected():
    with pytest.raises(ValueError, match="not metres"):
        validate_projected_crs(2263)  # NAD83 / New York Long Island (ftUS)


@pytest.mark.parametrize("text", ["EPSG:abc", "", "3006.5"])
def test_bad_epsg_text(text):
    with pytest.raises(ValueError, match="EPSG code"):
        parse_epsg(text)


def test_unknown_epsg():
    with pytest.raises(ValueError, match="not a known"):
        validate_projected_crs(999_999)


def test_out_of_range_coordinates_are_named():
    with pytest.raises(ValueError, match="index 1"):
        to_projected([15.0, 200.0], [59.0, 59.0], 3006)
    with pytest.raises(ValueError, match="out of range"):
        to_projected([np.nan], [59.0], 3006)


def test_empty_input():
    x, y = to_projected([], [], 3006)
    assert x.size == 0 and y.size == 0


def test_points_near_the_edge_of_sweref_zone_still_project_finite():
    # Haparanda (far east) and Strömstad (far west) lie at the edges of SWEREF 99 TM.
    x, y = to_projected([24.14, 11.17], [65.84, 58.94], 3006)
    assert np.isfinite(x).all() and np.isfinite(y).all()
    lon, lat = to_wgs84(x, y, 3006)
    assert lon == pytest.approx([24.14, 11.17], abs=1e-8)


def test_geometry_round_trip():
    square = shapely.box(15.10, 59.06, 15.11, 59.07)
    metres = geometry_to_projected(square, 3006)
    assert metres.area == pytest.approx(571.6 * 1111.9, rel=0.01)
    back = geometry_to_wgs84(metres, 3006)
    assert back.equals_exact(square, tolerance=1e-9)
