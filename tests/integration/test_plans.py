"""Åtgärdsplan: cause → action → indicator → status, validation, permissions, exports."""

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from est.errors import PermissionDenied, ValidationError
from est.lagesbild.render import render
from est.models.plans import ActivityPattern, PlanCause, PlanRow
from est.plans import library, service
from est.plans.document import plan_document, yearly_report
from est.plans.status import plan_status
from est.services.actions import create_action

TODAY = date(2025, 9, 1)


@pytest.fixture
def town(make_area, make_organisation, make_actor):
    area = make_area()
    kommun = make_organisation("Hallsbergs kommun", "kommun", area=area)
    polis = make_organisation("Polisen Hallsberg", "polis", area=area)
    return area, kommun, polis, make_actor("coordinator", kommun), make_actor("viewer",
                                                                               kommun)


def reports(make_report, area, code, day_counts):
    for (y, m, d), n in day_counts:
        for i in range(n):
            make_report(code=code, area=area, occurred_at=datetime(y, m, d, 12, i, tzinfo=UTC))


def plan_with_row(db_session, area, org, actor, *, target_value=None, status="planned",
                  due=date(2025, 12, 31), category_id=None):
    plan = service.create_plan(db_session, actor, area.id, {
        "title": "Åtgärdsplan 2025", "period_start": "2025-06-01", "period_end": "2025-12-31"})
    cause = service.add_cause(db_session, actor, plan.id, {
        "text": "Klottret ökar i centrum",
        "finding": "category_trend|klotter|Klotter: 10 → 20 (+100 %)"})
    action = create_action(db_session, actor, area_id=area.id, data={
        "title": "Sanera klotter inom 24 timmar", "organisation_id": org.id,
        "starts_on": "2025-06-01", "category_id": category_id, "status": status})
    pattern = db_session.scalar(select(ActivityPattern).where(
        ActivityPattern.code == "klotter_sanering"))
    row = service.add_row(db_session, actor, cause.id, {
        "measure": "Sanering och tillsyn", "indicator_kind": "count_per_month",
        "indicator_ref": "klotter", "indicator": "Klotter per månad i Hallsberg",
        "target": "Högst 2 per månad", "target_value": target_value,
        "starts_on": "2025-06-01", "due_on": due.isoformat(), "organisation_id": org.id,
        "contact_role": "Gatuchef", "activity_pattern_id": pattern.id,
        "action_ids": [action.id]})
    return plan, cause, row, action


def test_row_links_cause_action_indicator_and_status(db_session, town, make_report, category):
    area, kommun, _polis, coordinator, _viewer = town
    klotter = category("klotter")
    # 20 klotter reports before (Mar–May), 5 during (Jun–Aug): fewer than before.
    reports(make_report, area, "klotter", [((2025, 3, 10), 10), ((2025, 5, 10), 10),
                                           ((2025, 7, 10), 5)])
    plan, cause, row, action = plan_with_row(db_session, area, kommun, coordinator,
                                             target_value=3, category_id=klotter.id)
    assert (cause.number, cause.link_kind, cause.link_ref) == (1, "category_trend", "klotter")
    assert [a.id for a in service.row_actions(db_session, row.id)] == [action.id]
    status = plan_status(db_session, plan, today=TODAY)
    rs = status.rows[0]
    assert rs.result is not None and rs.result.now == pytest.approx(5 / (92 / (365.25 / 12)),
                                                                     abs=0.1)
    assert isinstance(rs.result.before, float) and rs.result.before > rs.result.now
    assert rs.effect == "good" and rs.done is None and rs.computed == "green"
    # The group's judgement overrides, and is shown as overriding.
    service.judge_row(db_session, coordinator, row.id, {"judgement": "yellow",
                                                       "judgement_note": "Vänta på vintern"})
    rs = plan_status(db_session, plan, today=TODAY).rows[0]
    assert (rs.colour, rs.computed, rs.overridden) == ("yellow", "green", True)


def test_status_red_when_action_not_done_or_late(db_session, town, category):
    area, kommun, _polis, coordinator, _viewer = town
    plan, _c, row, action = plan_with_row(db_session, area, kommun, coordinator,
                                          status="not_done", category_id=category("klotter").id)
    rs = plan_status(db_session, plan, today=TODAY).rows[0]
    assert rs.computed == "red" and rs.done is False
    assert "utan att genomföras" in " ".join(rs.reasons)
    # Late: past its due date and not done.
    plan2, _c2, row2, _a2 = plan_with_row(db_session, area, kommun, coordinator,
                                          status="in_progress", due=date(2025, 8, 1),
                                          category_id=category("klotter").id)
    rs2 = plan_status(db_session, plan2, today=TODAY).rows[0]
    assert rs2.computed == "red" and any("Försenad" in r for r in rs2.reasons)


def test_validation_names_fields_and_writes_nothing(db_session, town):
    area, kommun, _polis, coordinator, viewer = town
    with pytest.raises(ValidationError) as exc:
        service.create_plan(db_session, coordinator, area.id, {
            "title": "x" * 301, "period_start": "1999-01-01", "period_end": "nej"})
    assert set(exc.value.errors) >= {"title", "period_start", "period_end"}
    plan = service.create_plan(db_session, coordinator, area.id, {
        "title": "Plan", "period_start": "2025-01-01", "period_end": "2025-12-31"})
    with pytest.raises(ValidationError) as exc:
        service.add_cause(db_session, coordinator, plan.id, {"text": "a\x00b"})
    assert "text" in exc.value.errors
    cause = service.add_cause(db_session, coordinator, plan.id, {"text": "Orsak"})
    before = db_session.scalar(select(func.count(PlanRow.id)))
    with pytest.raises(ValidationError) as exc:
        service.add_row(db_session, coordinator, cause.id, {
            "measure": "", "indicator_kind": "nope", "target": "", "starts_on": "2025-05-01",
            "due_on": "2025-04-01", "action_ids": ["999999"], "target_value": "mycket"})
    assert set(exc.value.errors) >= {"measure", "indicator_kind", "target", "due_on",
                                     "action_ids", "target_value"}
    assert db_session.scalar(select(func.count(PlanRow.id))) == before
    with pytest.raises(PermissionDenied):
        service.add_cause(db_session, viewer, plan.id, {"text": "Orsak"})
    service.require_read(viewer, area.id)  # a viewer reads the plan
    assert db_session.scalar(select(func.count(PlanCause.id)).where(
        PlanCause.plan_id == plan.id)) == 1


def test_exports_docx_a4_pdf_and_xlsx_without_formulas(db_session, town, category):
    area, kommun, _polis, coordinator, _viewer = town
    plan, cause, row, _a = plan_with_row(db_session, area, kommun, coordinator,
                                         category_id=category("klotter").id)
    service.judge_row(db_session, coordinator, row.id, {"judgement": "red",
                                                       "judgement_note": "=HYPERLINK(\"x\")"})
    doc = plan_document(db_session, plan, today=TODAY)
    docx = Document(io.BytesIO(render(doc, "docx")))
    section = docx.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    cells = [c.text for t in docx.tables for r in t.rows for c in r.cells]
    assert any(c.startswith("Klottret ökar i centrum (Kategori och trend: Klotter") for c in cells)
    assert any(c.startswith("Sanering och tillsyn (Sanera klotter") for c in cells)
    assert any(c.startswith("Röd (gruppens bedömning") for c in cells)
    pdf = " ".join(" ".join(p.extract_text().split())
                   for p in PdfReader(io.BytesIO(render(doc, "pdf"))).pages)
    assert "Åtgärdsplan" in pdf and "Klottret ökar i centrum" in pdf
    data = render(doc, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for r in ws.iter_rows() for c in r
             if isinstance(c.value, str)]
    assert "Gatuchef" in " ".join(c.value for c in cells)
    evil = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert evil and all(c.data_type == "s" and c.quotePrefix for c in evil)
    assert not any(c.data_type == "f" for c in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "<f>" not in "".join(z.read(n).decode() for n in z.namelist()
                                    if n.endswith(".xml"))


def test_activity_library_seeded_and_extended(db_session, town):
    _area, _kommun, _polis, coordinator, viewer = town
    codes = {p.code for p in library.list_patterns(db_session)}
    assert {"narkotika_ungdomar", "grannsamverkan", "informationstraffar_skolor",
            "hotspot_besok"} <= codes
    own = library.add_pattern(db_session, coordinator, {
        "theme": "Fritid", "text": "öppna fritidsgården fredagskvällar",
        "parties": ["fritid"], "indicator": "count_per_month:ordningsstorning",
        "fits": "ordningsstorning"})
    assert own.code.startswith("egen_fritid") and not own.builtin
    assert library.fitting(library.list_patterns(db_session), ["ordningsstorning"])
    with pytest.raises(ValidationError) as exc:
        library.add_pattern(db_session, coordinator, {"theme": "", "text": "x" * 2001,
                                                      "parties": ["nej"], "indicator": "?"})
    assert set(exc.value.errors) >= {"theme", "text", "parties", "indicator"}
    with pytest.raises(PermissionDenied):
        library.add_pattern(db_session, viewer, {"theme": "t"})


def test_yearly_report_follows_up_plan(db_session, town, category):
    area, kommun, _polis, coordinator, _viewer = town
    plan_with_row(db_session, area, kommun, coordinator, category_id=category("klotter").id)
    doc = yearly_report(db_session, area.id, 2025, today=TODAY)
    assert doc.title == "Uppföljning av medborgarlöften och åtgärdsplan Hallsberg 2025"
    keys = [s.key for s in doc.sections]
    assert keys[0] == "inledning" and "loften" in keys and any(k.startswith("plan_")
                                                                for k in keys)
    assert "Inga medborgarlöften gällde under 2025." in doc.sections[1].paragraphs
    body = render(doc, "docx")
    assert body[:2] == b"PK"
    # With a promise drafted from the plan, each commitment's row is followed up in it.
    from est.models.plans import ActionPlan
    from est.promises.from_plan import draft_from_plan
    from est.services.promises.from_plan import create_from_plan_draft

    plan = db_session.scalar(select(ActionPlan).where(ActionPlan.area_id == area.id))
    promise = create_from_plan_draft(db_session, coordinator, plan,
                                     draft_from_plan(db_session, plan, layout="hallsberg"))
    doc = yearly_report(db_session, area.id, 2025, today=TODAY)
    section = next(s for s in doc.sections if s.key == f"loften_{promise.id}")
    table = section.tables[0]
    assert table.title.startswith("Löftena i åtgärdsplanen")
    assert table.rows[0][0] == "Sanering och tillsyn"
    assert table.rows[0][1] == "Klotter per månad i Hallsberg: Högst 2 per månad"
    assert table.rows[0][4].startswith(("Grön", "Gul", "Röd"))


def test_demo_plan_loads_twice_and_drafts(db_session, town):
    from est.demo_plans import DEMO_PLAN_TITLE, load_demo_plan
    from est.models.plans import ActionPlan
    from est.promises.from_plan import draft_from_plan

    area = town[0]
    load_demo_plan(db_session, area.id, TODAY)
    message = load_demo_plan(db_session, area.id, TODAY)
    assert message.startswith("Åtgärdsplan: 3 orsaker, 4 rader")
    (plan,) = db_session.scalars(select(ActionPlan).where(ActionPlan.title == DEMO_PLAN_TITLE))
    status = plan_status(db_session, plan, today=TODAY)
    assert len(status.rows) == 4 and sum(len(r.actions) for r in status.rows) == 2
    draft = draft_from_plan(db_session, plan, layout="hallsberg")
    assert [c.party for c in draft.commitments] == ["Polisen", "Kommunen", "Kommunen",
                                                     "Polisen"]
    assert all(c.indicator.endswith("per månad, Hallsberg") for c in draft.commitments)


def test_hot_spot_cause_counts_at_its_place_and_new_action_takes_the_outline(
        db_session, town, make_report):
    import uuid

    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiPolygon, box

    from est.models.hotspots import Hotspot, HotspotRun

    area, kommun, _polis, coordinator, _viewer = town
    station = MultiPolygon([box(15.1110, 59.0645, 15.1135, 59.0657)])
    lineage = uuid.uuid4()
    run = HotspotRun(area_id=area.id, window_start=datetime(2025, 5, 1, tzinfo=UTC),
                     window_end=datetime(2025, 6, 1, tzinfo=UTC), baseline_weeks=12,
                     method="scan", parameters={}, params_hash="x", data_version="x",
                     n_reports=9)
    run.hotspots = [Hotspot(rank=1, lineage_id=lineage, klass="new",
                            polygon=from_shape(station, srid=4326),
                            centroid=from_shape(station.centroid, srid=4326), count=9,
                            area_m2=25000.0, counts={}, profile={})]
    db_session.add(run)
    db_session.flush()
    # Before (Mar–May): 8 inside, 30 outside; during (Jun–Aug): 6 inside, 30 outside.
    for month, inside in ((3, 4), (4, 4), (7, 6)):
        for i in range(inside):
            make_report(15.1122, 59.0651, code="skadegorelse", area=area,
                        occurred_at=datetime(2025, month, 5, 10, i, tzinfo=UTC))
        for i in range(10):
            make_report(15.0700, 59.0400, code="skadegorelse", area=area,
                        occurred_at=datetime(2025, month, 6, 10, i, tzinfo=UTC))
    plan = service.create_plan(db_session, coordinator, area.id, {
        "title": "Plan", "period_start": "2025-06-01", "period_end": "2025-12-31"})
    cause = service.add_cause(db_session, coordinator, plan.id, {
        "text": "Ny hot spot", "finding": f"lineage|{lineage}|Hot spot vid Stationen (ny)"})
    row = service.add_row(db_session, coordinator, cause.id, {
        "measure": "Besök", "indicator_kind": "count_per_month",
        "indicator_ref": "skadegorelse", "target": "Färre", "starts_on": "2025-06-01",
        "due_on": "2025-08-31"})
    assert row.indicator == "Skadegörelse per månad, Stationen"
    rs = plan_status(db_session, plan, today=TODAY).rows[0]
    months = 92 / (365.25 / 12)
    assert rs.result.now == pytest.approx(round(6 / months, 1))
    assert rs.result.before == pytest.approx(round(8 / months, 1))
    assert rs.effect == "good"
    action = service.create_row_action(db_session, coordinator, row.id, {
        "title": "Besök hos butikerna", "organisation_id": kommun.id,
        "starts_on": "2025-06-02"})
    assert action.lineage_id == lineage and action.place_name == "Stationen"
    assert [a.id for a in service.row_actions(db_session, row.id)] == [action.id]


def test_a_plan_on_a_saved_version_answers_that_version(db_session, town, make_report):
    from est.lagesbild import build_lagesbild
    from est.lagesbild.cache import to_json
    from est.models.plans import LagesbildVersion
    from est.plans import findings

    area, _kommun, _polis, coordinator, _viewer = town
    reports(make_report, area, "klotter", [((2025, 2, 10), 6), ((2025, 4, 10), 12)])
    lb = build_lagesbild(db_session, area_code=area.code, start="2025-04-01",
                         end="2025-04-30", audience="internal", today=TODAY, hotspots=False)
    version = LagesbildVersion(area_id=area.id, number=1, title="Lägesbild april",
                               period_start=lb.start, period_end=lb.end, fingerprint="x",
                               figures={"schema": 1, "audiences": {"internal": to_json(lb)}})
    db_session.add(version)
    db_session.flush()
    plan = service.create_plan(db_session, coordinator, area.id, {
        "title": "Plan", "period_start": "2025-06-01", "period_end": "2025-12-31",
        "lagesbild_version_id": version.id})
    assert findings.plan_basis(db_session, plan, TODAY) == (date(2025, 4, 1),
                                                             date(2025, 4, 30))
    # Reports arriving later do not change what the plan answers: the frozen version.
    reports(make_report, area, "narkotika", [((2025, 4, 15), 30)])
    saved = findings.saved_lagesbild(db_session, plan)
    labels = [f.label for f in findings.lagesbild_findings(saved)]
    assert "Klotter: 12 rapporter under perioden" in labels
    assert not any(label.startswith("Narkotika") for label in labels)
    other = service.create_plan(db_session, coordinator, area.id, {
        "title": "Utan version", "period_start": "2025-06-01", "period_end": "2025-12-31"})
    assert findings.saved_lagesbild(db_session, other) is None
    assert findings.plan_basis(db_session, other, TODAY) == (date(2024, 6, 1),
                                                              date(2025, 5, 31))


def test_small_action_counts_are_published_as_less_than_k(db_session, town, make_report,
                                                           category):
    from est.plans.status import shown

    assert (shown(None, 5), shown(0, 5), shown(3, 5), shown(5, 5)) == ("–", "0", "<5", "5")
    area, kommun, _polis, coordinator, _viewer = town
    # Three klotter reports in the four weeks before the action, none after.
    reports(make_report, area, "klotter", [((2025, 5, 20), 3)])
    plan, _cause, _row, _action = plan_with_row(db_session, area, kommun, coordinator,
                                                category_id=category("klotter").id)
    rs = plan_status(db_session, plan, today=TODAY).rows[0]
    (effect,) = rs.actions
    assert (effect.before, effect.after) == (3, 0)
    assert (effect.before_text, effect.after_text) == ("<5", "0")
