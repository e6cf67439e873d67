"""Reading points from CSV and CSV.gz exports."""

import gzip

import numpy as np
import pytest

from est.pointsio import PointsFileError, parse_columns, read_points_csv


def write(tmp_path, text, name="points.csv", gz=False):
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_recognised_names_and_gzip(tmp_path):
    path = write(tmp_path, "date,loc_cat,longitude,latitude\n"
                           "2025-03-07 22:30,street,15.1122,59.0651\n"
                           "2025-03-08T01:00:00+00:00,park,15.1130,59.0660\n",
                 name="x.csv.gz", gz=True)
    tab = read_points_csv(path, tz="Europe/Stockholm")
    assert tab.columns == {"lon": "longitude", "lat": "latitude", "time": "date",
                           "category": "loc_cat"}
    assert tab.lon.tolist() == [15.1122, 15.113]
    # 22:30 Stockholm (UTC+1 in March) is 21:30 UTC; explicit offsets are kept.
    assert tab.t.tolist()[0] == np.datetime64("2025-03-07T21:30:00").astype(object)
    assert str(tab.t[1]) == "2025-03-08T01:00:00"
    assert tab.category.tolist() == ["street", "park"] and tab.kind is None


def test_explicit_mapping_semicolons_and_decimal_commas(tmp_path):
    path = write(tmp_path, "E;N;när;vad\n15,1122;59,0651;2025-03-07;klotter\n")
    tab = read_points_csv(path, "lon=E,lat=N,time=när,category=vad")
    assert tab.lon[0] == pytest.approx(15.1122) and tab.lat[0] == pytest.approx(59.0651)
    assert tab.category.tolist() == ["klotter"]


def test_no_time_column_is_allowed(tmp_path):
    tab = read_points_csv(write(tmp_path, "x,y\n15.1,59.0\n"))
    assert tab.t is None and len(tab) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n", "no lon or lat column"),
        ("lon,lat\n", "no rows"),
        ("lon,lat\n15.1,59.0\nabc,59.0\n", "line 3: longitude 'abc' is not a number"),
        ("lon,lat\n15.1,59.0\n15.1,99.0\n", "line 3: coordinates .* out of range"),
        ("lon,lat,date\n15.1,59.0,yesterday\n", "line 2: time 'yesterday' is not a date"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, text, message):
    with pytest.raises(PointsFileError, match=message):
        read_points_csv(write(tmp_path, text))


def test_missing_file_and_bad_mapping(tmp_path):
    with pytest.raises(PointsFileError, match="does not exist"):
        read_points_csv(tmp_path / "nope.csv")
    with pytest.raises(PointsFileError, match="no column 'X'"):
        read_points_csv(write(tmp_path, "lon,lat\n1,2\n"), "lon=X")
    with pytest.raises(PointsFileError, match="not one of"):
        parse_columns("colour=red")
    with pytest.raises(PointsFileError, match="NAME=COLUMN"):
        parse_columns("lon")
