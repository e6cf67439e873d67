"""Open311 GeoReport v2 in XML (the spec's element names), discovery, errors in both formats."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from est import public
from est.services import apikeys

BASE = "/open311/v2"
STATION = (15.1122, 59.0651)
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
def window():
    policy = public.PublicPolicy()
    return public.latest_window(policy, datetime.now(policy.tz))


@pytest.fixture
def town(make_area, make_organisation, db_session):
    area = make_area()
    shared = make_organisation("Polisen Hallsberg", "polis", area=area)
    shared.public_opt_in = True
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    token = apikeys.create_key(db_session, organisation="Hallbo AB", label="xml")[1]
    return area, shared, token


@pytest.fixture
def published(town, window, make_report):
    """Five published reports in one cell of the newest public window."""
    area, shared, _token = town
    at = window.start_at + timedelta(days=1, hours=10)
    return [make_report(*STATION, area=area, occurred_at=at,
                        reported_at=at + timedelta(hours=1), organisation_id=shared.id)
            for _ in range(5)]


def xml(response) -> ET.Element:
    assert response.mimetype == "text/xml", response.get_data(as_text=True)
    assert response.get_data(as_text=True).startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.get_data())


def xml_errors(response) -> str:
    root = xml(response)
    assert root.tag == "errors" and len(root) >= 1
    for error in root:
        assert error.tag == "error" and [c.tag for c in error] == ["code", "description"]
        assert error.findtext("code") == str(response.status_code)
    return " | ".join(e.findtext("description") for e in root)


def test_services_and_definitions_in_xml(client, town):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and {s.tag for s in root} == {"service"}
    as_json = client.get(f"{BASE}/services.json").get_json()
    assert [s.findtext("service_code") for s in root] == [s["service_code"] for s in as_json]
    klotter = next(s for s in root if s.findtext("service_code") == "klotter")
    assert [c.tag for c in klotter] == ["service_code", "service_name", "description",
                                        "metadata", "type", "keywords", "group"]
    assert klotter.findtext("metadata") == "false" and klotter.findtext("type") == "realtime"
    definition = xml(client.get(f"{BASE}/services/belysning.xml"))
    assert definition.tag == "service_definition"
    assert definition.findtext("service_code") == "belysning"
    [attribute] = definition.find("attributes")
    assert attribute.tag == "attribute" and attribute.findtext("code") == "reasons"
    assert attribute.findtext("datatype") == "multivaluelist"
    assert attribute.findtext("variable") == "true"
    values = attribute.find("values")
    assert {v.tag for v in values} == {"value"}
    assert "belysning" in {v.findtext("key") for v in values}
    assert all(v.findtext("name") for v in values)
    plain = xml(client.get(f"{BASE}/services/klotter.xml"))
    assert plain.find("attributes") is not None and len(plain.find("attributes")) == 0


def test_post_and_read_requests_in_xml(client, db_session, town, published, window):
    _area, _shared, token = town
    posted = client.post(f"{BASE}/requests.xml", data={
        "api_key": token, "service_code": "klotter", "lat": "59.0651", "long": "15.1122",
        "account_id": "hallbo-17"})
    root = xml(posted)
    assert posted.status_code == 200 and root.tag == "service_requests"
    [created] = root
    assert created.tag == "request" and created.findtext("service_request_id")
    assert "112" in created.findtext("service_notice")
    assert created.findtext("account_id") == "hallbo-17"
    listing = xml(client.get(f"{BASE}/requests.xml"))
    assert listing.tag == "service_requests" and len(listing) == 1
    [row] = listing
    assert row.tag == "request" and REQUEST_FIELDS <= {c.tag for c in row}
    assert row.findtext("count") == "5" and row.findtext("status") == "open"
    assert row.findtext("requested_datetime") == window.start_at.isoformat()
    assert row.findtext("agency_responsible") == "Hallsberg"
    assert row.findtext("service_code") == ""  # an aggregate is over all services
    as_json = client.get(f"{BASE}/requests.json").get_json()[0]
    assert row.findtext("updated_datetime") == as_json["updated_datetime"]
    rid = row.findtext("service_request_id")
    one = xml(client.get(f"{BASE}/requests/{rid}.xml"))
    assert one.tag == "service_requests" and one[0].findtext("service_request_id") == rid
    # the single report posted above is never readable, in either format
    report_id = created.findtext("service_request_id")
    assert client.get(f"{BASE}/requests/{report_id}.xml").status_code == 404
    assert report_id not in client.get(f"{BASE}/requests.xml").get_data(as_text=True)


def test_discovery_in_json_and_xml(client, town):
    doc = client.get("/open311/discovery.json").get_json()
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert datetime.fromisoformat(doc["changeset"]) <= datetime.now(public.PublicPolicy().tz)
    root = xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("changeset") == doc["changeset"]
    [node] = root.find("endpoints")
    assert node.tag == "endpoint" and node.findtext("url") == endpoint["url"]
    assert node.findtext("specification") == endpoint["specification"]
    assert [f.text for f in node.find("formats")] == endpoint["formats"]
    assert all(f.tag == "format" for f in node.find("formats"))


@pytest.mark.parametrize(("method", "path", "status", "named"), [
    ("get", "/services/nope", 404, "nope"),
    ("get", "/requests/agg_x", 404, "aggregated"),
    ("get", "/requests?status=done", 400, "status:"),
    ("get", "/requests?start_date=1999-12-31T00:00:00Z", 400, "start_date:"),
    ("get", "/services?jurisdiction_id=1880", 400, "jurisdiction_id:"),
    ("get", "/no/such/thing", 404, "not_found:"),
    ("delete", "/requests", 405, "method_not_allowed:"),
    ("post", "/services", 405, "method_not_allowed:"),
    ("post", "/requests", 403, "api_key:"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_failure_in_the_spec_shape(client, town, method, path, status, named, fmt):
    path, _, query = path.partition("?")
    response = getattr(client, method)(f"{BASE}{path}.{fmt}", query_string=query)
    assert response.status_code == status
    if fmt == "xml":
        assert named in xml_errors(response)
    else:
        body = response.get_json()
        assert isinstance(body, list) and body
        assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
        assert named in " | ".join(e["description"] for e in body)
    if status == 405:
        assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_body_over_the_limit_is_413_in_the_spec_shape(app, client, town, fmt):
    body = b"description=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post(f"{BASE}/requests.{fmt}", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    text = (xml_errors(response) if fmt == "xml"
            else " | ".join(e["description"] for e in response.get_json()))
    assert "request_entity_too_large:" in text


def test_xml_never_carries_control_characters(client, town):
    response = client.get(f"{BASE}/services/bad\x01code.xml")
    assert response.status_code == 404
    raw = response.get_data(as_text=True)
    assert "\x01" not in raw and "bad" in xml_errors(response)


def test_xml_document_drops_characters_xml_cannot_hold():
    from web.views.open311 import xml as open311_xml

    text = open311_xml.document("errors", [{"code": 400, "description": "a\x01b\x0bc<&>"}])
    root = ET.fromstring(text)
    assert root.find("error").findtext("description") == "abc<&>"
    assert root.find("error").findtext("code") == "400"


def test_database_outage_is_503_in_xml(tmp_path):
    from web import create_app

    socket_dir = tmp_path / "no-server"
    socket_dir.mkdir()
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": False,
        "DATABASE_URL": f"postgresql+psycopg://est@/est?host={socket_dir}&connect_timeout=2",
    })
    try:
        response = app.test_client().get(f"{BASE}/services.xml")
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
        assert "database:" in xml_errors(response)
    finally:
        app.extensions["est_db"].dispose()


@pytest.mark.parametrize("query", [
    "service_request_id=,,,", "service_request_id=agg_100_3006_99999999_7_1_1",
    "service_request_id=agg_100_3006_20000103_7_99999999999999999999_1",
    "status=,", "status=open,,closed", "start_date=2100-12-31T23:59:59%2B14:00",
    "start_date=2000-01-01", "end_date=2000-01-02T00:00:00Z", "page_size=", "page=1e3",
    "jurisdiction_id=%20", "start_date=2026-11-01T00:00:00-12:00&end_date=2026-11-01",
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_odd_queries_never_fail_the_server(client, published, query, fmt):
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400 and fmt == "xml":
        assert xml_errors(response)
    elif response.status_code == 400:
        assert all(e["code"] == 400 for e in response.get_json())
    elif fmt == "xml":
        assert xml(response).tag == "service_requests"
    else:
        assert isinstance(response.get_json(), list)
