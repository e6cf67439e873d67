"""The points reader for imports: GeoJSON, date-only times, line numbers, collected errors."""

import json

import numpy as np
import pytest

from est.pointsio import PointsFileError, read_points, read_points_csv


def test_geojson_points_and_properties(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.1, 59.0]},
         "properties": {"date": "2025-03-07", "category": "klotter", "org": "Hallbo"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.2, 59.1, 30]},
         "properties": {"date": "2025-03-07T10:00:00+01:00", "category": "brand"}},
    ]}), encoding="utf-8")
    tab = read_points(path)
    assert tab.unit == "feature" and tab.lines.tolist() == [1, 2]
    assert tab.lon.tolist() == [15.1, 15.2] and tab.lat.tolist() == [59.0, 59.1]
    assert tab.category.tolist() == ["klotter", "brand"] and tab.org.tolist() == ["Hallbo", ""]
    assert tab.date_only.tolist() == [True, False]
    assert str(tab.t[1]) == "2025-03-07T09:00:00"


def test_geojson_detected_by_content_and_lonlat_mapping_refused(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, '
                    '"properties": null}', encoding="utf-8")
    assert read_points(path).lon.tolist() == [1.0]
    with pytest.raises(PointsFileError, match="come from the geometry"):
        read_points(path, "lon=x")


def test_date_only_formats_and_line_numbers_after_blank_lines(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("lon,lat,date\n15.1,59.0,2025-03-07\n\n15.1,59.0,07.03.2025\n"
                    "15.1,59.0,2025/03/07\n15.1,59.0,2025-03-07 10:00\n", encoding="utf-8")
    tab = read_points_csv(path)
    assert tab.date_only.tolist() == [True, True, True, False]
    assert tab.lines.tolist() == [2, 4, 5, 6]
    assert len(set(tab.t[:3].tolist())) == 1


def test_collected_errors_keep_bad_rows_as_nan(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("lon,lat,date\n15.1,59.0,2025-03-07\n\nx,59.0,2025-03-07\n15.1,59.0,\n",
                    encoding="utf-8")
    with pytest.raises(PointsFileError, match="line 4: longitude 'x'.*line 5: time is empty"):
        read_points_csv(path)
    tab = read_points_csv(path, collect_errors=True)
    assert tab.errors == [(1, "longitude 'x' is not a number"), (2, "time is empty")]
    assert np.isnan(tab.lon[1]) and np.isnat(tab.t[2])
