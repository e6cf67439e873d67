"""Åtgärdsplan pages: roles, create → cause → row → status, 400s naming fields, exports,
the promise draft saved from the plan, the yearly follow-up and the activity library."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from est.models.plans import ActionPlan, ActivityPattern, PlanRow
from est.models.promises import Promise
from est.plans.service import row_actions as service_row_actions


@pytest.fixture
def town(make_area, make_organisation, make_report):
    area = make_area()
    kommun = make_organisation("Hallsbergs kommun", "kommun", area=area)
    polis = make_organisation("Polisen Hallsberg", "polis", area=area)
    for day in (3, 9, 15, 21, 27):
        make_report(code="narkotika", area=area,
                    occurred_at=datetime(2025, 10, day, 12, tzinfo=UTC))
    return area, kommun, polis


def csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return m.group(1) if m else ""


def test_plan_flow_cause_row_status_exports_and_promise(client, sign_in, town, db_session):
    area, kommun, polis = town
    sign_in("coordinator", kommun)
    assert client.get("/atgardsplan").status_code == 200
    token = csrf(client, "/atgardsplan")
    r = client.post("/atgardsplan", data={"csrf_token": token, "title": "Plan 2026",
                                          "period_start": "2026-01-01",
                                          "period_end": "2026-12-31"})
    assert r.status_code == 302
    plan = db_session.scalar(select(ActionPlan).where(ActionPlan.title == "Plan 2026"))
    page = client.get(f"/atgardsplan/{plan.id}").get_data(as_text=True)
    assert "Fynd i lägesbilden" in page and "Kategori och trend: Narkotika" in page
    r = client.post(f"/atgardsplan/{plan.id}/orsaker", data={
        "csrf_token": token, "text": "Narkotika bland unga",
        "finding": "category_trend|narkotika|Narkotika: 5 rapporter under perioden"})
    assert r.status_code == 302
    cause = plan.causes[0]
    pattern = db_session.scalar(select(ActivityPattern).where(
        ActivityPattern.code == "narkotika_ungdomar"))
    p = f"{cause.id}-"
    bad = client.post(f"/atgardsplan/{plan.id}/orsaker/{cause.id}/rader", data={
        "csrf_token": token, p + "measure": "", p + "indicator_kind": "count_per_month",
        p + "target": "", p + "due_on": "2026-01-01", p + "starts_on": "2026-02-01"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert f'id="e-{p}measure"' in text and f'id="e-{p}target"' in text
    assert f'id="e-{p}due_on"' in text
    ok = client.post(f"/atgardsplan/{plan.id}/orsaker/{cause.id}/rader", data={
        "csrf_token": token, p + "measure": "Riktade insatser",
        p + "activity_pattern_id": str(pattern.id), p + "indicator_kind": "count_per_month",
        p + "indicator_ref": "narkotika", p + "target": "Färre än 2025",
        p + "organisation_id": str(polis.id), p + "contact_role": "Kommunpolis"})
    assert ok.status_code == 302
    row = db_session.scalar(select(PlanRow).where(PlanRow.cause_id == cause.id))
    assert row.indicator == "Narkotika per månad, Hallsberg"
    page = client.get(f"/atgardsplan/{plan.id}").get_data(as_text=True)
    assert "Riktade insatser" in page and "Ingen åtgärd kopplad." in page
    r = client.post(f"/atgardsplan/{plan.id}/rader/{row.id}/atgard", data={
        "csrf_token": token, "title": "Insats vid skolan", "organisation_id": str(polis.id),
        "starts_on": "2026-01-15"})
    assert r.status_code == 302
    page = client.get(f"/atgardsplan/{plan.id}").get_data(as_text=True)
    assert "Insats vid skolan" in page
    edit = f"/atgardsplan/{plan.id}/rader/{row.id}/andra"
    form = client.get(edit).get_data(as_text=True)
    assert 'value="Färre än 2025"' in form and "Kommunpolis" in form
    assert f'<option value="{pattern.id}" selected>' in form
    bad = client.post(edit, data={"csrf_token": token, "measure": "Riktade insatser",
                                  "indicator_kind": "count_per_month", "target": "x" * 301})
    assert bad.status_code == 400 and 'id="e-target"' in bad.get_data(as_text=True)
    ok = client.post(edit, data={
        "csrf_token": token, "measure": "Riktade insatser", "indicator_kind":
        "count_per_month", "indicator_ref": "narkotika", "target": "Högst 1 per månad",
        "target_value": "1", "organisation_id": str(polis.id),
        "activity_pattern_id": str(pattern.id),
        "action_ids": [str(a.id) for a in service_row_actions(db_session, row.id)]})
    assert ok.status_code == 302
    db_session.refresh(row)
    assert (row.target, row.target_value) == ("Högst 1 per månad", 1.0)
    assert [a.title for a in service_row_actions(db_session, row.id)] == ["Insats vid skolan"]
    dash = client.get(f"/atgardsplan/{plan.id}/status").get_data(as_text=True)
    assert "Åtgärdsplanens status" in dash and "Riktade insatser" in dash
    for fmt, magic in (("docx", b"PK"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        body = client.get(f"/atgardsplan/{plan.id}.{fmt}")
        assert body.status_code == 200 and body.data[:len(magic)] == magic
    assert client.get(f"/atgardsplan/{plan.id}.exe").status_code == 400

    draft = client.get(f"/atgardsplan/{plan.id}/medborgarloften?layout=hallsberg")
    html = draft.get_data(as_text=True)
    assert draft.status_code == 200 and "Polisen lovar att arbeta med insatser" in html
    assert "Narkotika per månad, Hallsberg" in html
    r = client.post(f"/atgardsplan/{plan.id}/medborgarloften",
                    data={"csrf_token": token, "layout": "hallsberg"})
    assert r.status_code == 302
    promise = db_session.scalar(select(Promise).where(Promise.area_id == area.id))
    db_session.refresh(row)
    assert row.promise_id == promise.id
    assert [a.title for a in promise.actions] == ["Insats vid skolan"]
    shown = client.get(f"/promises/{promise.id}").get_data(as_text=True)
    assert "Åtgärdsplanens rader" in shown and "Riktade insatser" in shown

    yearly = client.get("/atgardsplan/uppfoljning?year=2026")
    assert yearly.status_code == 200
    assert "Uppföljning av medborgarlöften och åtgärdsplan" in yearly.get_data(as_text=True)
    assert client.get("/atgardsplan/uppfoljning?year=2026&format=docx").data[:2] == b"PK"
    assert client.get("/atgardsplan/uppfoljning?year=1066").status_code == 400


def test_viewer_reads_but_cannot_change(client, sign_in, town, db_session, make_actor):
    area, kommun, _polis = town
    from est.plans import service

    plan = service.create_plan(db_session, make_actor("coordinator", kommun), area.id, {
        "title": "Plan", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    sign_in("viewer", kommun)
    page = client.get(f"/atgardsplan/{plan.id}")
    assert page.status_code == 200 and "Ny orsak" not in page.get_data(as_text=True)
    token = csrf(client, "/")
    assert client.post(f"/atgardsplan/{plan.id}/orsaker",
                       data={"csrf_token": token, "text": "x"}).status_code == 403
    assert client.get("/aktiviteter").status_code == 200


def test_activity_library_page_adds_and_hides(client, sign_in, town, db_session):
    _area, kommun, _polis = town
    sign_in("coordinator", kommun)
    token = csrf(client, "/aktiviteter")
    bad = client.post("/aktiviteter", data={"csrf_token": token, "theme": "", "text": ""})
    assert bad.status_code == 400 and 'id="e-theme"' in bad.get_data(as_text=True)
    r = client.post("/aktiviteter", data={
        "csrf_token": token, "theme": "Fritid", "text": "öppna fritidsgården",
        "parties": ["fritid", "kommun"], "indicator": "count_per_month:ordningsstorning"})
    assert r.status_code == 302
    own = db_session.scalar(select(ActivityPattern).where(ActivityPattern.theme == "Fritid"))
    assert client.post(f"/aktiviteter/{own.id}/dolj",
                       data={"csrf_token": token}).status_code == 302
    db_session.refresh(own)
    assert not own.active
