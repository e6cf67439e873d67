"""Coordinate and polygon validation in geo/."""

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.validation import CoordinateError, check_lonlat, is_wgs84_crs_name, to_valid_multipolygon


def test_check_lonlat_accepts_degrees():
    x, y = check_lonlat([15.1, 15.2], [59.0, 59.1])
    assert x.dtype == np.float64 and list(y) == [59.0, 59.1]


@pytest.mark.parametrize(("lon", "lat", "message"), [
    ([15.1, 200.0], [59.0, 59.0], "row 1"),
    ([500000.0], [6540000.0], "projected coordinates"),
    ([float("nan")], [59.0], "not a finite number"),
    (["x"], [59.0], "numbers"),
    ([1.0, 2.0], [1.0], "2 longitudes but 1 latitudes"),
])
def test_check_lonlat_rejects_bad_input(lon, lat, message):
    with pytest.raises(CoordinateError, match=message):
        check_lonlat(lon, lat)


def test_bowtie_is_repaired_and_reported():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    repair = to_valid_multipolygon(bowtie)
    assert repair.geometry.is_valid
    assert isinstance(repair.geometry, MultiPolygon)
    assert "Self-intersection" in repair.problem
    assert repair.geometry.area == pytest.approx(0.5)


def test_valid_polygon_is_unchanged():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    repair = to_valid_multipolygon(square)
    assert repair.problem is None and repair.geometry.area == 1


def test_non_polygon_is_rejected():
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        to_valid_multipolygon(Point(0, 0))


def test_crs_names():
    assert is_wgs84_crs_name(None)
    assert is_wgs84_crs_name("urn:ogc:def:crs:OGC:1.3:CRS84")
    assert is_wgs84_crs_name("EPSG:4326")
    assert not is_wgs84_crs_name("urn:ogc:def:crs:EPSG::3006")
