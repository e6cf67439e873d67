"""The points reader for imports: GeoJSON, date-only times, line numbers, collected errors."""

import json

import numpy as np
import pytest

from est.pointsio import PointsFileError, csvfile, read_points, read_points_csv


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


ODD_FILE = (
    'lon;lat;date;category;note\r\n'
    '15,1;59,0;2025-03-07 10:00;klotter;"a; b"\r\n'
    '\r\n'
    '   \r\n'
    ';;;;\r\n'
    '15.2;59,1;2025-03-30 02:30;"kl\r\not ter";x\r\n'
    '15,3;59,2;2025-10-26 02:30;park\r\n'
    '15,4;59,3;"2025-03-08T01:00:00+00:00";park;extra;cells\r\n'
    '1_5;59,4; 2025-05 ;brand;""\r\n'
    'abc;;2025-02-30;;\r\n'
    '15,5;59,5;07.03.2025 10:00\r\n'
)


def test_quick_and_row_by_row_splits_agree(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(ODD_FILE.encode("utf-8"))
    quick = read_points_csv(path, collect_errors=True)
    rows = read_points_csv(path, collect_errors=True, _fast=False)
    assert quick.lines.tolist() == rows.lines.tolist() == [2, 6, 8, 9, 10, 11, 12]
    assert quick.errors == rows.errors == [
        (5, "latitude '' is not a number"), (5, "longitude 'abc' is not a number"),
        (5, "time '2025-02-30' is not a date/time")]
    body = ODD_FILE.encode().split(b"\n", 1)[1]
    assert csvfile._quick_split(body, ";", 5, {"lon": 0, "lat": 1, "time": 2}) is not None
    for name in ("lon", "lat", "t", "category", "date_only", "month_only"):
        a, b = getattr(quick, name), getattr(rows, name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        same = (a == b) | ((a != a) & (b != b))  # NaN and NaT equal to themselves
        assert same.all(), name
    assert quick.category.tolist()[1] == "kl\r\not ter"
    assert quick.lon[4] == 15.0 and quick.month_only.tolist()[4] is True
    # 02:30 on 30 March does not exist in Stockholm (read as +01:00); 26 October is ambiguous
    # (the first, summer time); both as Python's zoneinfo reads them.
    assert str(quick.t[1]) == "2025-03-30T01:30:00" and str(quick.t[2]) == "2025-10-26T00:30:00"


@pytest.mark.parametrize("tz", ["Europe/Stockholm", "America/Chicago", "Australia/Lord_Howe"])
def test_vectorised_times_match_the_row_rules(tz):
    from zoneinfo import ZoneInfo

    from est.pointsio import values

    rng = np.random.default_rng(7)
    minutes = rng.integers(0, 7 * 366 * 1440, 3000) * np.timedelta64(1, "m")
    base = np.datetime64("2019-01-01T00:00") + minutes
    texts = []
    for i, d in enumerate(base.astype(str).tolist()):
        s = d[:16] + ":" + f"{i % 60:02d}"
        form = i % 10
        texts.append([s[:10], s[:7], s[:16], s[:16].replace("T", " "), s, s + "Z",
                      s + ("+01:00", "-05:30", "+23:59")[i % 3], s[:16] + "Z",
                      s[:16] + "+02:00", s.replace("T", "x")][form])
    texts += ["2025-02-29", "2024-02-29", "2025-13-01", "2025-00", "2025-04-31 10:00",
              "2025-03-07 24:00", "2025-03-07 10:60", "2025-03-07T10:00:60",
              "2025-03-07T10:00+24:00",
              "0001-01-01", "9999-12-31T23:59", "", "  ", "2025-03-07 10:00 ", "٢٠٢٥-03-07",
              "2025-03-30 02:30", "2025-10-26 02:30", "2025-03-07T10:00:00.5+01:00", "20250307",
              "2025/03/07", "07.03.2025", "2025-3-7", "1899-12-31", "2201-01-01"]
    raw = np.array(texts, dtype=object)
    t, bad, date_only, month_only = values.times(raw, tz)
    zone = ZoneInfo(tz)
    for i, text in enumerate(texts):
        s = text.strip()
        month = bool(values.MONTH_ONLY.match(s))
        expected = values._parse_time(f"{s}-01" if month else s, zone)
        assert month_only[i] == month, text
        if expected is None:
            assert i in bad and np.isnat(t[i]), text
        else:
            assert i not in bad, text
            assert (int(t[i].astype(np.int64)), bool(date_only[i])) == expected, text
    fixed = values.times(np.array([x.encode() for x in texts]), tz)
    assert fixed[1] == bad and (fixed[0].astype(np.int64) == t.astype(np.int64)).all()


def test_clean_file_reads_numbers_in_the_tokenizer_the_same_way(tmp_path):
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-180, 180, 500).tolist(), rng.uniform(-90, 90, 500).tolist()
    text = "x;y;datum\n" + "".join(
        f"{a!r};{b:.6f};2025-0{1 + i % 9}-1{i % 10} 0{i % 10}:{i % 60:02d}\n".replace(".", ",")
        for i, (a, b) in enumerate(zip(lon, lat, strict=True)))
    path = tmp_path / "clean.csv"
    path.write_text(text, encoding="utf-8")
    body = text.encode().split(b"\n", 1)[1]
    cells, lines = csvfile._quick_split(body, ";", 3, {"lon": 0, "lat": 1, "time": 2})
    assert cells["lon"].dtype == np.float64 and cells["time"].dtype.kind == "S"
    quick, rows = read_points_csv(path), read_points_csv(path, _fast=False)
    assert quick.lon.tolist() == rows.lon.tolist() == lon
    assert quick.lat.tolist() == rows.lat.tolist()
    assert quick.t.tolist() == rows.t.tolist() and lines.tolist() == list(range(2, 502))
