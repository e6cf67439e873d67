"""``est plans``: list, export, draft from a plan, yearly follow-up, errors exit non-zero."""

from docx import Document

from est.plans import service


def test_plans_cli(runner, tmp_path, db_session, make_area, make_organisation, make_actor):
    area = make_area()
    kommun = make_organisation("Hallsbergs kommun", "kommun", area=area)
    actor = make_actor("coordinator", kommun)
    plan = service.create_plan(db_session, actor, area.id, {
        "title": "Plan 2026", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    cause = service.add_cause(db_session, actor, plan.id, {
        "text": "Inbrotten ökar", "finding": "category_trend|inbrott|Inbrott: 9 rapporter"})
    service.add_row(db_session, actor, cause.id, {
        "measure": "Grannsamverkan i villaområdena", "indicator_kind": "count_per_month",
        "indicator_ref": "inbrott", "target": "Färre än 2025", "organisation_id": kommun.id})

    res = runner.invoke(args=["plans", "list"])
    assert res.exit_code == 0 and "Plan 2026" in res.output and "gul 1" in res.output
    out = tmp_path / "plan.docx"
    res = runner.invoke(args=["plans", "export", str(plan.id), "--format", "docx", "-o",
                              str(out)])
    assert res.exit_code == 0, res.output
    cells = [c.text for t in Document(str(out)).tables for r in t.rows for c in r.cells]
    assert any(c.startswith("Grannsamverkan i villaområdena") for c in cells)
    md = tmp_path / "draft.md"
    res = runner.invoke(args=["plans", "draft", str(plan.id), "--layout", "nyhet", "--from",
                              "2025-01-01", "--to", "2025-12-31", "--format", "md", "-o",
                              str(md)])
    assert res.exit_code == 0, res.output
    text = md.read_text()
    assert "## Medborgarlöftena" in text and "Kommunen lovar att grannsamverkan" in text
    res = runner.invoke(args=["plans", "draft", str(plan.id), "--layout", "hallefors",
                              "--format", "md", "-o", str(md)])
    assert res.exit_code == 0, res.output
    text = md.read_text()
    assert "Kommunen ska grannsamverkan i villaområdena" in text
    assert "lägesbilden 2025-01-01 – 2025-12-31" in text  # the year before the plan
    res = runner.invoke(args=["plans", "draft", str(plan.id), "--from", "2025-01-01",
                              "--format", "md", "-o", str(tmp_path / "y.md")])
    assert res.exit_code == 1 and "--to" in res.output
    res = runner.invoke(args=["plans", "followup", "--year", "2026", "--format", "md", "-o",
                              str(tmp_path / "f.md")])
    assert res.exit_code == 0, res.output
    assert "Plan 2026" in (tmp_path / "f.md").read_text()
    res = runner.invoke(args=["plans", "export", "999999", "--format", "pdf", "-o",
                              str(tmp_path / "x.pdf")])
    assert res.exit_code == 1 and "Ingen åtgärdsplan 999999" in res.output
    assert not (tmp_path / "x.pdf").exists()
    res = runner.invoke(args=["plans", "patterns"])
    assert res.exit_code == 0 and "grannsamverkan" in res.output
