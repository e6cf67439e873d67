"""Open311 GeoReport v2 under /open311/v2/ and the API keys behind it (service and CLI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from est.models import ApiKey, AuditEvent, Report
from est.services import apikeys
from web import create_app

STATION = (15.1122, 59.0651)


@pytest.fixture
def hallsberg(make_area, make_organisation):
    area = make_area()
    return area, make_organisation("Hallbo AB", "bostadsbolag", area=area)


@pytest.fixture
def token(db_session, hallsberg) -> str:
    return apikeys.create_key(db_session, organisation="Hallbo AB", label="felanmälan")[1]


def post(client, token=None, **fields):
    data = {"service_code": "klotter", "lat": "59.0651", "long": "15.1122",
            "description": "Klotter på perrongen", "email": "anna@example.se", **fields}
    if token is not None:
        data["api_key"] = token
    return client.post("/open311/v2/requests.json", data=data)


def described(response) -> str:
    body = response.get_json()
    assert isinstance(body, list) and body, body
    assert all(set(e) == {"code", "description"} and e["code"] == response.status_code
               for e in body)
    return " | ".join(e["description"] for e in body)


def test_key_is_hashed_and_revocable(db_session, hallsberg):
    key, token = apikeys.create_key(db_session, organisation=hallsberg[1].id, label="x")
    assert token.startswith("est_") and len(token) > 40
    assert key.key_hash == apikeys.hash_token(token) != token
    dump = db_session.execute(text("SELECT row_to_json(k)::text FROM api_key k")).scalars().all()
    assert dump and not any(token in row or token[4:] in row for row in dump)
    client = apikeys.authenticate(db_session, token)
    assert client is not None and client.organisation_id == hallsberg[1].id
    assert client.role == "reporter" and client.area_id == hallsberg[0].id
    assert apikeys.authenticate(db_session, token + "x") is None
    assert apikeys.authenticate(db_session, "") is None
    first = apikeys.revoke_key(db_session, key.id).revoked_at
    assert apikeys.authenticate(db_session, token) is None
    assert apikeys.revoke_key(db_session, key.id).revoked_at == first


def test_cli_create_list_revoke(runner, db_session, hallsberg):
    result = runner.invoke(args=["apikeys", "create", "--org", "Hallbo AB", "--label", "Felanm"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert apikeys.authenticate(db_session, token) is not None
    key_id = db_session.scalar(select(ApiKey.id).where(ApiKey.label == "Felanm"))
    listing = runner.invoke(args=["apikeys", "list"]).output
    assert "Hallbo AB" in listing and "Felanm" in listing and "active" in listing
    assert token not in listing
    result = runner.invoke(args=["apikeys", "revoke", str(key_id)])
    assert result.exit_code == 0 and "Revoked" in result.output
    assert "revoked" in runner.invoke(args=["apikeys", "list"]).output
    assert apikeys.authenticate(db_session, token) is None
    missing = runner.invoke(args=["apikeys", "create", "--org", "Nobody", "--label", "x"])
    assert missing.exit_code == 1 and "no organisation" in missing.output
    assert runner.invoke(args=["apikeys", "revoke", "99999"]).exit_code == 1


def test_services_list_and_definition(client, hallsberg):
    services = client.get("/open311/v2/services.json").get_json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["klotter"]["group"] == "incident"
    assert by_code["klotter"]["service_name"] == "Klotter"
    assert by_code["belysning"]["group"] == "otrygghet"
    assert all(s["type"] == "realtime" for s in services)
    assert all(s["metadata"] is (s["group"] == "otrygghet") for s in services)
    assert client.get("/open311/v2/services/klotter.json").get_json() == {
        "service_code": "klotter", "attributes": []}
    definition = client.get("/open311/v2/services/belysning.json").get_json()
    [attribute] = definition["attributes"]
    assert attribute["code"] == "reasons" and attribute["datatype"] == "multivaluelist"
    assert attribute["variable"] is True and attribute["required"] is False
    keys = {v["key"] for v in attribute["values"]}
    assert "belysning" in keys and keys == {s["service_code"] for s in services
                                            if s["group"] == "otrygghet"}
    missing = client.get("/open311/v2/services/nope.json")
    assert missing.status_code == 404 and "nope" in described(missing)


def test_post_request_with_key_stores_reviewed_report_of_the_organisation(
        client, db_session, hallsberg, token):
    when = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    response = post(client, token, requested_datetime=when.isoformat())
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert len(body) == 1 and "112" in body[0]["service_notice"]
    report = db_session.get(Report, body[0]["service_request_id"])
    assert report.source == "api" and report.status == "reviewed"
    assert report.organisation_id == hallsberg[1].id and report.area_id == hallsberg[0].id
    assert report.occurred_at == when and report.contact == "anna@example.se"
    assert db_session.scalar(select(AuditEvent.action).where(AuditEvent.report_id == report.id))
    # an otrygghet reason works as a service too
    other = post(client, token, service_code="belysning", email="", phone="070-123 45 67")
    other_report = db_session.get(Report, other.get_json()[0]["service_request_id"])
    assert other_report.kind == "otrygghet" and other_report.contact == "070-123 45 67"


@pytest.mark.parametrize(("fields", "status", "named"), [
    ({"lat": "north"}, 400, "lat:"),
    ({"long": "200"}, 400, "long:"),
    ({"lat": "", "long": ""}, 400, "lat/long:"),
    ({"service_code": "nope"}, 400, "service_code:"),
    ({"service_code": ""}, 400, "service_code:"),
    ({"lat": "57.7", "long": "11.97"}, 400, "utanför kommunen"),
    ({"requested_datetime": "yesterday"}, 400, "requested_datetime:"),
    ({"requested_datetime": "2099-01-01T00:00:00Z"}, 400, "requested_datetime:"),
    ({"email": "not an address"}, 400, "email:"),
    ({"description": "x" * 2001}, 400, "description:"),
])
def test_post_request_errors_name_the_field(client, db_session, hallsberg, token, fields,
                                            status, named):
    response = post(client, token, **fields)
    assert response.status_code == status
    assert named in described(response)
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_post_request_needs_a_valid_key(client, db_session, hallsberg, token):
    assert post(client).status_code == 403
    assert "api_key" in described(post(client, "est_wrong"))
    key_id = db_session.scalar(select(ApiKey.id))
    apikeys.revoke_key(db_session, key_id)
    revoked = post(client, token)
    assert revoked.status_code == 403 and "api_key" in described(revoked)
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_post_is_rate_limited_and_csrf_exempt(app_config, db_session, hallsberg, token):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": True,
                      "EST_API_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    addr = {"REMOTE_ADDR": "198.51.100.9"}
    data = {"api_key": token, "service_code": "klotter", "lat": "59.0651", "long": "15.1122"}
    statuses = [client.post("/open311/v2/requests.json", data=data,
                            environ_base=addr).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/open311/v2/requests.json", environ_base=addr).status_code == 200
    app.extensions["est_db"].dispose()


# GET requests.json / requests/<id>.json serve aggregated cells (public privacy model):
# tests/web/test_public_outputs.py and tests/integration/test_public_privacy.py.


@pytest.mark.parametrize(("args", "named"), [
    ({"start_date": "last week"}, "start_date:"),
    ({"end_date": "2026-13-01"}, "end_date:"),
    ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, "end_date:"),
    ({"status": "done"}, "status:"),
    ({"service_code": "nope"}, "service_code:"),
    ({"page_size": "5000"}, "page_size:"),
    ({"page": "0"}, "page:"),
])
def test_get_requests_bad_parameters(client, hallsberg, args, named):
    response = client.get("/open311/v2/requests.json", query_string=args)
    assert response.status_code == 400
    assert named in described(response)


def test_open311_error_body_is_json_list(client, hallsberg):
    body = json.loads(client.get("/open311/v2/services/x.json").get_data(as_text=True))
    assert body[0]["code"] == 404


def test_post_keeps_extra_fields_for_staff_only(client, db_session, hallsberg, token):
    response = post(client, token, first_name="Anna", last_name="Andersson",
                    address_string="Storgatan 1, Hallsberg", address_id="A-17",
                    device_id="ios-42", account_id="hallbo-9",
                    media_url="http://127.0.0.1:9/bild.jpg", jurisdiction_id="1861")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()[0]
    assert body["account_id"] == "hallbo-9"
    report = db_session.get(Report, body["service_request_id"])
    note = report.internal_note
    for line in ("Förnamn: Anna", "Efternamn: Andersson", "Adress: Storgatan 1, Hallsberg",
                 "Adress-id: A-17", "Enhets-id: ios-42", "Konto-id: hallbo-9",
                 "Bildlänk (inte hämtad): http://127.0.0.1:9/bild.jpg"):
        assert line in note
    assert report.contact == "anna@example.se"
    public_text = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert "Anna" not in public_text and "Storgatan" not in public_text


def test_post_otrygghet_reasons_as_a_multivaluelist_attribute(client, db_session, hallsberg,
                                                              token):
    response = post(client, token, service_code="belysning", **{
        "attribute[reasons][]": ["skymd_sikt", "belysning"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    report = db_session.get(Report, response.get_json()[0]["service_request_id"])
    assert report.kind == "otrygghet"
    assert {c.code for c in report.reasons} == {"belysning", "skymd_sikt"}


@pytest.mark.parametrize(("fields", "named"), [
    ({"jurisdiction_id": "1880"}, "jurisdiction_id:"),
    ({"attribute[reasons][]": "nope"}, "attribute[reasons]:"),
    ({"service_code": "belysning", "attribute[reasons][]": "klotter"}, "attribute[reasons]:"),
    ({"attribute[colour]": "red"}, "attribute[colour]:"),
    ({"first_name": "x" * 101}, "first_name:"),
    ({"media_url": "http://x/" + "y" * 800}, "media_url:"),
    ({"address_string": "a" * 401}, "address_string:"),
])
def test_post_extra_field_errors_name_the_field(client, db_session, hallsberg, token, fields,
                                                named):
    response = post(client, token, **fields)
    assert response.status_code == 400
    assert named in described(response)
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_get_requests_by_ids_status_and_dates(client, db_session, hallsberg, make_report):
    from est import public

    area, org = hallsberg
    org.public_opt_in = True
    policy = public.PublicPolicy()
    newest = public.latest_window(policy, datetime.now(policy.tz))
    older = public.Window(newest.start - timedelta(days=7), newest.start, policy.tz)
    for window, point in ((newest, STATION), (older, STATION), (newest, (15.1300, 59.0700))):
        at = window.start_at + timedelta(days=2, hours=9)
        for _ in range(5):
            make_report(*point, area=area, occurred_at=at, reported_at=at,
                        organisation_id=org.id)
    url = "/open311/v2/requests.json"
    start = older.start_at.isoformat()
    rows = client.get(url, query_string={"start_date": start}).get_json()
    assert len(rows) == 3 and rows[0]["requested_datetime"] == newest.start_at.isoformat()
    assert all(r["agency_responsible"] == "Hallsberg" and r["status"] == "open" for r in rows)
    published = datetime.combine(newest.end + timedelta(days=policy.delay_days),
                                 datetime.min.time(), tzinfo=policy.tz)
    assert rows[0]["updated_datetime"] == published.isoformat()
    assert "minst 5" in rows[0]["service_notice"]
    # the spec filters on requested_datetime: a start inside a window skips that window
    mid = (older.start_at + timedelta(days=1)).isoformat()
    later = client.get(url, query_string={"start_date": mid}).get_json()
    assert {r["window_start"] for r in later} == {newest.start.isoformat()}
    before = client.get(url, query_string={"start_date": start,
                                            "end_date": newest.start_at.isoformat()})
    assert [r["window_start"] for r in before.get_json()] == [older.start.isoformat()]
    both = client.get(url, query_string={"status": "open,closed", "start_date": start})
    assert both.status_code == 200 and both.get_json() == rows
    assert client.get(url, query_string={"status": "closed,closed"}).get_json() == []
    ids = [rows[2]["service_request_id"], "agg_nope", rows[0]["service_request_id"]]
    chosen = client.get(url, query_string={"service_request_id": ",".join(ids),
                                           "status": "closed"}).get_json()
    assert [r["service_request_id"] for r in chosen] == [ids[0], ids[2]]
    too_many = client.get(url, query_string={"service_request_id": ",".join(
        f"agg_{i}" for i in range(101))})
    assert too_many.status_code == 400 and "service_request_id:" in described(too_many)
    assert client.get(url, query_string={"jurisdiction_id": "1861"}).status_code == 200
