"""The OpenAPI document is generated from the code: operation ids, security, problem
responses, schemas that produce valid reports, and the README's API section agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from est.services import apikeys

README = Path(__file__).resolve().parents[2] / "README.md"
METHODS = ("get", "post", "put", "patch", "delete")


def operations(doc: dict) -> dict[tuple[str, str], dict]:
    return {(method, path): op for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS}


def test_every_operation_has_an_id_security_and_problem_errors(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    ops = operations(doc)
    ids = [op["operationId"] for op in ops.values()]
    assert all(ids) and len(ids) == len(set(ids))
    schemes = doc["components"]["securitySchemes"]
    assert ops[("post", "/api/v1/reports")]["security"] == [{"bearer": []}]
    assert ops[("post", "/open311/v2/requests.json")]["security"] == [{"open311_api_key": []}]
    assert schemes["open311_api_key"]["name"] == "api_key"
    for (method, path), op in ops.items():
        for scheme in op.get("security", []):
            assert set(scheme) <= set(schemes), (method, path)
        if not path.startswith("/api/v1/"):
            continue
        for status, response in op["responses"].items():
            if status >= "400" and "content" in response:
                assert list(response["content"]) == ["application/problem+json"], \
                    (method, path, status)
        for parameter in op.get("parameters", []):
            assert "null" not in str(parameter["schema"].get("type")), (path, parameter)
    post = ops[("post", "/api/v1/reports")]
    assert {"201", "400", "401", "413", "415", "422"} <= set(post["responses"])
    assert ops[("get", "/api/v1/reports.geojson")]["responses"]["200"]["content"] \
        .keys() == {"application/geo+json"}
    assert ops[("get", "/api/v1/reports.geojsonseq")]["responses"]["200"]["content"] \
        .keys() == {"application/geo+json-seq"}


def test_deployment_facts_narrow_the_report_schema(client, make_area):
    make_area()
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert "klotter" in schemas["ReportProperties"]["properties"]["category"]["enum"]
    lon, lat = schemas["Point"]["properties"]["coordinates"]["anyOf"][0]["prefixItems"]
    assert (lon["exclusiveMinimum"], lon["exclusiveMaximum"], lat["exclusiveMinimum"],
            lat["exclusiveMaximum"]) == (15.05, 15.17, 59.03, 59.1)


def test_schema_generated_reports_are_mostly_stored(client, db_session, make_area,
                                                    make_organisation):
    """Positive examples of the document's POST schema become reports (the hand-written
    schema reached 201 for 0 of 517 fuzzed POSTs)."""
    area = make_area()
    make_organisation("Hallbo AB", "bostadsbolag", area=area)
    token = apikeys.create_key(db_session, organisation="Hallbo AB", label="t")[1]
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = schemathesis.openapi.from_dict(doc)["/api/v1/reports"]["POST"]
    statuses: list[int] = []

    @settings(max_examples=40, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def post(case):
        headers = {"Authorization": f"Bearer {token}"}
        response = client.post("/api/v1/reports", json=case.body, headers=headers)
        assert response.status_code in (201, 400), response.get_data(as_text=True)
        statuses.append(response.status_code)

    post()
    stored = statuses.count(201)
    print(f"{stored} of {len(statuses)} schema-generated POSTs stored")
    assert len(statuses) >= 30
    # Measured: 29 of 40 on one database, 10 of 40 on a fresh clone's, where the category
    # enum (read from the database) puts otrygghet categories first: the document cannot say
    # that an otrygghet category needs reasons, so those examples are a 400 naming category.
    assert stored / len(statuses) >= 0.25, (stored, len(statuses))


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    assert body["errors"] and all(e["field"] and e["message"] for e in body["errors"])
    return body


def test_errors_are_problems(app, client, db_session, make_organisation):
    make_organisation("Hallbo AB", "bostadsbolag")
    token = apikeys.create_key(db_session, organisation="Hallbo AB", label="t")[1]
    auth = {"Authorization": f"Bearer {token}"}
    assert problem(client.get("/api/v1/finns-inte"), 404)["errors"][0]["field"] == "path"
    wrong = client.put("/api/v1/reports", json={})
    problem(wrong, 405)
    assert set(wrong.headers["Allow"].split(", ")) >= {"POST"}
    anonymous = client.get("/api/v1/reports.geojson")
    assert problem(anonymous, 401)["errors"][0]["field"] == "Authorization"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    text = client.post("/api/v1/reports", data="x", headers={**auth,
                                                              "Content-Type": "text/plain"})
    assert problem(text, 415)["errors"][0]["field"] == "Content-Type"
    broken = client.post("/api/v1/reports", data="{", headers={
        **auth, "Content-Type": "application/json"})
    assert problem(broken, 400)["errors"][0]["field"] == "body"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = client.post("/api/v1/reports", data="[" + "1," * 999 + "1]", headers={
        **auth, "Content-Type": "application/json"})
    assert problem(big, 413)["errors"][0]["field"] == "body"
    shape = client.post("/api/v1/reports", headers=auth, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [200, 59]},
        "properties": {"category": "klotter", "severity": 7}})
    body = problem(shape, 400)
    assert {e["field"] for e in body["errors"]} == {"geometry", "severity"}
    assert body["error"] == "validation_error" and set(body["fields"]) == {"geometry",
                                                                          "severity"}
    limit = client.get("/api/v1/reports.geojson?limit=0", headers=auth)
    assert problem(limit, 400)["errors"][0]["field"] == "limit"


def _readme_api_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## API (Open311 GeoReport v2 and GeoJSON)")
    end = text.index("\n## ", start + 10)
    return text[start:end]


def test_readme_lists_exactly_the_documented_operations(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = set(operations(doc))
    listed = {(m.lower(), p) for m, p in re.findall(
        r"`(GET|POST|PUT|PATCH|DELETE) (/(?:api/v1|open311)/[^`?\s]+)",
        _readme_api_section())}
    assert listed, "no routes found in the README"
    # An Open311 route listed as .json stands for its .xml twin too.
    twins = {(m, p.removesuffix(".json") + ".xml") for m, p in listed if p.endswith(".json")
             and p.startswith("/open311/")}
    assert listed | twins == documented, (documented - listed - twins, listed - documented)
