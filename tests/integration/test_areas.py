"""Importing boundaries from GeoJSON into PostGIS."""

import json

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from est.errors import ValidationError
from est.models import Area
from est.services.areas import import_areas, load_geojson

SQUARE = [[[15.0, 59.0], [15.2, 59.0], [15.2, 59.1], [15.0, 59.1], [15.0, 59.0]]]
BOWTIE = [[[15.0, 59.0], [15.2, 59.1], [15.2, 59.0], [15.0, 59.1], [15.0, 59.0]]]


def fc(*features, crs=None):
    data = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def feature(code, name, coords, gtype="Polygon"):
    return {"type": "Feature", "properties": {"id": code, "kom_namn": name},
            "geometry": {"type": gtype, "coordinates": coords}}


def area_count(session):
    return session.scalar(select(func.count()).select_from(Area))


def test_import_valid_polygons(db_session):
    result = import_areas(db_session, fc(feature("1861", "Hallsberg", SQUARE),
                                         feature("1880", "Örebro", [SQUARE], "MultiPolygon")))
    assert (result.created, result.updated, result.repaired) == (2, 0, [])
    area = db_session.scalars(select(Area).where(Area.code == "1861")).one()
    assert area.name == "Hallsberg" and area.kind == "municipality"
    geom = to_shape(area.geom)
    assert geom.geom_type == "MultiPolygon" and geom.bounds == (15.0, 59.0, 15.2, 59.1)


def test_reimport_updates_in_place(db_session):
    import_areas(db_session, fc(feature("1861", "Hallsberg", SQUARE)))
    result = import_areas(db_session, fc(feature("1861", "Hallsbergs kommun", SQUARE)))
    assert (result.created, result.updated) == (0, 1)
    assert db_session.scalar(select(Area.name).where(Area.code == "1861")) == "Hallsbergs kommun"


def test_invalid_polygon_is_repaired_and_reported(db_session):
    result = import_areas(db_session, fc(feature("1861", "Hallsberg", BOWTIE)))
    assert len(result.repaired) == 1 and "Self-intersection" in result.repaired[0]
    valid = db_session.scalar(select(func.ST_IsValid(Area.geom)).where(Area.code == "1861"))
    assert valid is True


@pytest.mark.parametrize(("data", "field", "message"), [
    (fc(), "file", "no Polygon"),
    (fc({"type": "Feature", "properties": {"id": "1"},
         "geometry": {"type": "Point", "coordinates": [15, 59]}}), "file", "no Polygon"),
    (fc(feature("1861", "Hallsberg", SQUARE), crs="urn:ogc:def:crs:EPSG::3006"), "crs", "WGS84"),
    (fc(feature("1861", "Hallsberg", [[[500000, 6500000], [510000, 6500000],
                                        [510000, 6510000], [500000, 6500000]]])),
     "coordinates", "outside WGS84"),
    (fc(feature(None, "Hallsberg", SQUARE)), "id_field", "no property 'id'"),
    ({"type": "Topology"}, "file", "FeatureCollection"),
])
def test_bad_files_are_rejected_and_nothing_is_written(db_session, data, field, message):
    before = area_count(db_session)
    with pytest.raises(ValidationError) as info:
        import_areas(db_session, data)
    assert field in info.value.errors and message in info.value.errors[field]
    assert area_count(db_session) == before


def test_one_bad_feature_rejects_the_whole_file(db_session):
    data = fc(feature("1861", "Hallsberg", SQUARE),
              feature("1880", "Örebro", [[[15.0, 95.0], [15.1, 95.0], [15.1, 96.0],
                                          [15.0, 95.0]]]))
    with pytest.raises(ValidationError):
        import_areas(db_session, data)
    assert area_count(db_session) == 0


def test_load_geojson_errors(tmp_path):
    with pytest.raises(ValidationError, match="does not exist"):
        load_geojson(tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="not valid GeoJSON"):
        load_geojson(bad)


def test_real_swedish_municipalities_import(db_session, shared_data):
    data = load_geojson(shared_data / "swedish_municipalities.geojson")
    result = import_areas(db_session, data)
    assert result.created == 290
    hallsberg = db_session.scalars(select(Area).where(Area.code == "1861")).one()
    assert hallsberg.name == "Hallsberg"
    inside = db_session.scalar(select(func.ST_Contains(
        Area.geom, func.ST_SetSRID(func.ST_MakePoint(15.11, 59.066), 4326)
    )).where(Area.id == hallsberg.id))
    assert inside is True
    json.dumps(result.repaired)  # the report is serialisable for the CLI
