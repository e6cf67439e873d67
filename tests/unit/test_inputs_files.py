"""Input file helpers: Swedish numbers, text bounds, col=field mappings, CSV dialects."""

from __future__ import annotations

import pytest

from est.errors import ValidationError
from est.inputs.files import check_text, parse_mapping, parse_number, read_csv, read_table
from est.inputs.police import parse_gps
from est.inputs.regions import COUNTIES


def test_numbers_the_swedish_and_the_english_way():
    assert parse_number("1 234,5") == 1234.5
    assert parse_number("1\u2009234") == 1234.0
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("62 %") == 62.0
    assert parse_number("0.4") == 0.4
    assert parse_number("−3") == -3.0
    assert parse_number(7) == 7.0
    for missing in ("", "..", "-", "x", None):
        assert parse_number(missing) is None
    for bad in ("många", "1,2,3", "12a", True):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_text_bounds():
    assert check_text("  Skolan ", "title", 10) == "Skolan"
    assert check_text("", "title", 10, required=False) == ""
    with pytest.raises(ValueError, match="is empty"):
        check_text(" ", "title", 10)
    with pytest.raises(ValueError, match="at most 3"):
        check_text("abcd", "title", 3)
    with pytest.raises(ValueError, match="NUL"):
        check_text("a\x00b", "title", 10)


def test_mappings():
    assert parse_mapping(["Stadsdel=area", " Svar = n "], ("area", "n")) == \
        {"area": "Stadsdel", "n": "Svar"}
    assert parse_mapping("A=area,B=n", ("area", "n")) == {"area": "A", "n": "B"}
    assert parse_mapping(None, ("area",)) == {}
    with pytest.raises(ValidationError) as err:
        parse_mapping(["Stadsdel"], ("area",))
    assert "map" in err.value.errors
    with pytest.raises(ValidationError, match="not one of"):
        parse_mapping(["Stadsdel=omrade"], ("area",))


def test_csv_dialects_and_encodings(tmp_path):
    semi = tmp_path / "a.csv"
    semi.write_bytes("Område;Fråga\nHallsberg;Nedskräpning\n\n".encode("cp1252"))
    header, rows = read_csv(semi)
    assert header == ["Område", "Fråga"] and rows == [(2, ["Hallsberg", "Nedskräpning"])]
    comma = tmp_path / "b.csv"
    comma.write_text('\ufeff"a","b"\n"1,5","2"\n', encoding="utf-8")
    header, rows = read_table(comma)
    assert header == ["a", "b"] and rows == [("line 2", ["1,5", "2"])]
    nul = tmp_path / "c.csv"
    nul.write_bytes(b"a;b\n1;\x002\n")
    with pytest.raises(ValidationError, match="NUL"):
        read_csv(nul)
    with pytest.raises(ValidationError, match="does not exist"):
        read_csv(tmp_path / "saknas.csv")


def test_gps_and_counties():
    assert parse_gps("59.066389,15.110833") == (15.110833, 59.066389)
    for bad in ("15.2", "a,b", "95,10"):
        with pytest.raises(ValueError):
            parse_gps(bad)
    assert len(COUNTIES) == 21 and COUNTIES["18"] == "Örebro län"
