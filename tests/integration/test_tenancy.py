"""Many municipalities in one deployment: who works where, and where a point belongs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from est import access, tenancy
from est.errors import NotFound, PermissionDenied, ValidationError
from est.models import Report
from est.services.apikeys import ApiClient

A_BOX = (15.05, 59.03, 15.17, 59.10)  # "Hallsberg" (1861)
B_BOX = (15.17, 59.03, 15.29, 59.10)  # "Askersund" (1882), east of it
IN_A, IN_B, NOWHERE = (15.10, 59.06), (15.25, 59.06), (18.07, 59.33)


@pytest.fixture
def two(make_area):
    a = make_area("1861", "Hallsberg", bounds=A_BOX)
    b = make_area("1882", "Askersund", bounds=B_BOX)
    district = make_area("1882-01", "Askersund centrum", kind="district",
                         bounds=(15.24, 59.05, 15.26, 59.07), parent=b)
    return a, b, district


def test_municipalities_of_users(db_session, two, make_actor, make_organisation):
    a, b, district = two
    in_a = make_actor("coordinator", area=a)
    in_b_district = make_actor("coordinator", area=district)  # an organisation of a district
    national = make_actor("coordinator", org=make_organisation("Polisregion Bergslagen",
                                                               "polis"))
    assert [m.code for m in tenancy.municipalities_of(db_session, in_a)] == ["1861"]
    assert [m.code for m in tenancy.municipalities_of(db_session, in_b_district)] == ["1882"]
    assert [m.name for m in tenancy.municipalities_of(db_session, national)] == [
        "Askersund", "Hallsberg"]  # by name
    assert tenancy.municipalities_of(db_session, None) == []


def test_current_municipality(db_session, two, make_actor, make_organisation):
    a, b, _ = two
    in_a = make_actor("viewer", area=a)
    national = make_actor("viewer", org=make_organisation(kind="polis"))
    assert tenancy.current_municipality(db_session, in_a, None, "1882") == a  # their only one
    assert tenancy.current_municipality(db_session, in_a, " 1861 ") == a
    with pytest.raises(PermissionDenied, match="1882"):
        tenancy.current_municipality(db_session, in_a, "1882")
    with pytest.raises(NotFound, match="9999"):
        tenancy.current_municipality(db_session, in_a, "9999")
    with pytest.raises(ValidationError) as bad:
        tenancy.current_municipality(db_session, in_a, "x" * 40)
    assert "kommun" in bad.value.errors
    assert tenancy.current_municipality(db_session, national, "1882") == b
    assert tenancy.current_municipality(db_session, national, None, "1861") == a  # default
    assert tenancy.current_municipality(db_session, national, None, None) == b  # first by name
    assert tenancy.current_municipality(db_session, national, "") == b


def test_scoped_actor_narrows_a_national_account(db_session, two, make_actor,
                                                  make_organisation, make_report):
    a, b, _ = two
    national = make_actor("coordinator", org=make_organisation(kind="polis"))
    in_a = make_report(*IN_A, area=a)
    in_b = make_report(*IN_B, area=b)
    everything = set(db_session.scalars(access.visible_reports(select(Report.id), national)))
    assert {in_a.id, in_b.id} <= everything
    narrowed = tenancy.scoped_actor(national, b)
    assert narrowed.area_id == b.id and national.area_id is None
    assert set(db_session.scalars(access.visible_reports(select(Report.id), narrowed))) == {
        in_b.id}


def test_municipality_for_point(db_session, two):
    a, b, _ = two
    assert tenancy.municipality_for_point(db_session, *IN_A) == a
    assert tenancy.municipality_for_point(db_session, *IN_B) == b
    assert tenancy.municipality_for_point(db_session, *NOWHERE) is None
    # On the shared border (lon 15.17) the lowest code wins, every time.
    assert tenancy.municipality_for_point(db_session, 15.17, 59.06) == a


def test_route_point_by_key(db_session, two, make_organisation):
    a, b, _ = two
    key_a = ApiClient(id=1, label="system", organisation_id=make_organisation(area=a).id,
                      organisation_name="Hallbo", area_id=a.id)
    regional = ApiClient(id=2, label="region", organisation_id=make_organisation().id,
                         organisation_name="Region", area_id=None)
    assert tenancy.route_point(db_session, regional, *IN_B) == b
    assert tenancy.route_point(db_session, key_a, str(IN_A[0]), str(IN_A[1])) == a
    with pytest.raises(ValidationError) as other:
        tenancy.route_point(db_session, key_a, *IN_B, field="geometry")
    assert "Askersund (1882)" in other.value.errors["geometry"]
    with pytest.raises(ValidationError) as nowhere:
        tenancy.route_point(db_session, regional, *NOWHERE)
    assert "lon 18.070000, lat 59.330000" in nowhere.value.errors["location"]
    # Not numbers: the report service names the bad field itself.
    assert tenancy.route_point(db_session, key_a, "x", 59.0) is None
    assert tenancy.route_point(db_session, key_a, 200, 59.0) is None


def test_route_batch(db_session, two, make_organisation):
    a, b, _ = two
    key_a = ApiClient(id=1, label="system", organisation_id=make_organisation(area=a).id,
                      organisation_name="Hallbo", area_id=a.id)
    regional = ApiClient(id=2, label="region", organisation_id=make_organisation().id,
                         organisation_name="Region", area_id=None)
    assert tenancy.route_batch(db_session, regional, [NOWHERE, ("x", 1), IN_B, IN_A]) == b
    assert tenancy.route_batch(db_session, key_a, [IN_B, IN_A]) == a
    assert tenancy.route_batch(db_session, key_a, [NOWHERE]) == a  # its own: per-point errors
    assert tenancy.route_batch(db_session, regional, [NOWHERE]) is None


def test_works_in(db_session, two, make_actor):
    a, b, district = two
    in_a = make_actor("viewer", area=a)
    assert tenancy.works_in(db_session, in_a, a.id)
    assert not tenancy.works_in(db_session, in_a, district.id)
    assert not tenancy.works_in(db_session, in_a, None)
    with pytest.raises(PermissionDenied):
        tenancy.require_in(db_session, in_a, b.id)
    tenancy.require_in(db_session, in_a, a.id)
