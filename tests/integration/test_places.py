"""Place names: KNN on named places within a limit, gazetteer and district fallbacks, staff
names that follow a hot spot lineage, and ``est places import`` (CSV/GeoJSON, all-or-nothing)."""

import json
import uuid

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import func, select

from est.errors import ValidationError
from est.models import Area, Place
from est.places import (
    import_places,
    name_for_lineage,
    name_places,
    read_places_file,
    rename_lineage,
)
from est.services.reports import list_places

# A 100 m square south-east of the Hallsberg station (WGS84: ~0.0017° lon, ~0.0009° lat).
STATION_SQUARE = box(15.1115, 59.0645, 15.1132, 59.0654)


@pytest.fixture
def hallsberg(db_session, make_area):
    area = make_area()
    district = Area(kind="district", code="1861-01", name="Hallsberg tätort", parent_id=area.id,
                    geom=from_shape(MultiPolygon([box(15.07, 59.05, 15.15, 59.085)]), srid=4326))
    db_session.add(district)
    db_session.flush()
    return area


def add_place(db_session, area, name, lon, lat, sort_order=0):
    db_session.add(Place(area_id=area.id, name=name, sort_order=sort_order,
                         geom=from_shape(Point(lon, lat), srid=4326)))
    db_session.flush()


def test_nearest_named_place_inside_or_near_wins(db_session, hallsberg):
    add_place(db_session, hallsberg, "Hallsbergs resecentrum", 15.1122, 59.0651)  # inside
    add_place(db_session, hallsberg, "Torget", 15.1088, 59.0672)  # ~300 m away
    # 0.0010° east of the square's edge at 59° N is ~57 m: near enough.
    near_only = box(15.1000, 59.0645, 15.1010, 59.0650)
    add_place(db_session, hallsberg, "Folkets park", 15.1020, 59.0648)
    names = name_places(db_session, hallsberg.id, [STATION_SQUARE, near_only])
    assert names == ["Hallsbergs resecentrum", "Folkets park"]


def test_two_places_inside_take_the_one_nearest_the_centre(db_session, hallsberg):
    c = STATION_SQUARE.centroid
    add_place(db_session, hallsberg, "Cykelparkeringen", 15.1116, 59.0646)  # a corner
    add_place(db_session, hallsberg, "Perrongen", c.x + 0.0001, c.y)  # ~6 m from the centre
    assert name_places(db_session, hallsberg.id, [STATION_SQUARE]) == ["Perrongen"]


def test_beyond_the_limit_falls_back_to_district_then_municipality(db_session, hallsberg):
    add_place(db_session, hallsberg, "Torget", 15.1088, 59.0672)  # ~250 m from the square
    outside_district = box(15.30, 59.00, 15.301, 59.001)
    assert name_places(db_session, hallsberg.id, [STATION_SQUARE, outside_district]) == [
        "Hallsberg tätort", "Hallsberg"]
    assert name_places(db_session, hallsberg.id, [STATION_SQUARE], max_distance_m=400) == [
        "Torget"]


def test_gazetteer_street_names_a_place_without_landmark_and_stays_off_the_report_form(
        db_session, hallsberg):
    add_place(db_session, hallsberg, "Storgatan", 15.1124, 59.0656, sort_order=30_000)
    add_place(db_session, hallsberg, "Torget", 15.1088, 59.0672)
    assert name_places(db_session, hallsberg.id, [STATION_SQUARE]) == [
        "Storgatan, Hallsberg tätort"]
    assert [p["name"] for p in list_places(db_session, hallsberg.id)] == ["Torget"]


def test_staff_name_follows_the_lineage(db_session, hallsberg):
    add_place(db_session, hallsberg, "Hallsbergs resecentrum", 15.1122, 59.0651)
    lineage = uuid.uuid4()
    assert name_for_lineage(db_session, lineage, hallsberg.id, STATION_SQUARE) == \
        "Hallsbergs resecentrum"
    rename_lineage(db_session, lineage_id=lineage, area_id=hallsberg.id,
                   name="  Busshållplatsen   norra ")
    # Next week the hot spot has moved a little; same lineage, same staff name.
    moved = box(15.1125, 59.0647, 15.1140, 59.0656)
    assert name_for_lineage(db_session, lineage, hallsberg.id, moved) == \
        "Busshållplatsen norra"
    assert name_for_lineage(db_session, uuid.uuid4(), hallsberg.id, moved) == \
        "Hallsbergs resecentrum"
    rename_lineage(db_session, lineage_id=lineage, area_id=hallsberg.id, name="")
    assert name_for_lineage(db_session, lineage, hallsberg.id, moved) == \
        "Hallsbergs resecentrum"
    with pytest.raises(ValidationError) as err:
        rename_lineage(db_session, lineage_id=lineage, area_id=hallsberg.id, name="x" * 201)
    assert "name" in err.value.errors


def test_import_csv_and_geojson(db_session, hallsberg, tmp_path):
    csv_path = tmp_path / "places.csv"
    csv_path.write_text("name;kind;lon;lat\nAlléskolan;skola;15,1040;59,0690\n"
                        "Storgatan;gata;15.1124;59.0656\n", encoding="utf-8")
    result = import_places(db_session, "1861", read_places_file(csv_path))
    assert (result.created, result.gazetteer) == (2, 1)
    park = [[15.0995, 59.0615], [15.1005, 59.0615], [15.1005, 59.0625], [15.0995, 59.0625],
            [15.0995, 59.0615]]
    gj = tmp_path / "places.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Folkets park", "kind": "park"},
         "geometry": {"type": "Polygon", "coordinates": [park]}},
        {"type": "Feature", "properties": {"name": "Alléskolan", "kind": "skola"},
         "geometry": {"type": "Point", "coordinates": [15.1041, 59.0691]}}]}))
    result = import_places(db_session, "1861", read_places_file(gj))
    assert (result.created, result.updated) == (1, 1)
    inside = db_session.scalar(select(func.ST_Within(
        Place.geom, func.ST_GeomFromText(
            "POLYGON((15.0995 59.0615,15.1005 59.0615,15.1005 59.0625,15.0995 59.0625,"
            "15.0995 59.0615))", 4326))).where(Place.name == "Folkets park"))
    assert inside is True
    assert [p["name"] for p in list_places(db_session, hallsberg.id)] == [
        "Alléskolan", "Folkets park"]


def test_import_lists_every_bad_row_and_writes_nothing(db_session, hallsberg, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,kind,lon,lat\n"
                    "Torget,torg,15.1088,59.0672\n"
                    ",skola,15.1,59.06\n"
                    "Månen,plats,15.1,159.0\n"
                    "Torget,torg,15.1089,59.0673\n"
                    "Skolan,Skola!,15.1,59.06\n"
                    "Punkt,plats,abc,59.0\n")
    with pytest.raises(ValidationError) as err:
        read_places_file(path)
    assert set(err.value.errors) == {"line 3", "line 4", "line 5", "line 6", "line 7"}
    far = tmp_path / "far.csv"
    far.write_text("name,kind,lon,lat\nTorget,torg,15.1088,59.0672\nKiruna,plats,20.2,67.8\n")
    with pytest.raises(ValidationError) as err:
        import_places(db_session, "1861", read_places_file(far))
    assert "line 3" in err.value.errors and "outside" in err.value.errors["line 3"]
    assert db_session.scalar(select(func.count()).select_from(Place)) == 0


def test_places_import_command(runner, tmp_path, db_session, hallsberg):
    good = tmp_path / "p.csv"
    good.write_text("name,kind,wkt\nResecentrum,station,POINT(15.1122 59.0651)\n")
    res = runner.invoke(args=["places", "import", str(good)])
    assert res.exit_code == 0, res.output
    assert "Imported 1 places (1 new" in res.output
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Linje", "kind": "gata"},
         "geometry": {"type": "LineString", "coordinates": [[15.1, 59.06], [15.2, 59.07]]}}]}))
    res = runner.invoke(args=["places", "import", str(bad)])
    assert res.exit_code == 1
    assert "feature 1: LineString is not a point or polygon" in res.output
    assert "nothing was imported" in res.output
