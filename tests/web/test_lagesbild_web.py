"""Lägesbild and promise pages (roles, downloads) and the ``est lagesbild`` command."""

import uuid

import pytest

from tests.integration.test_lagesbild import fixture_reports  # noqa: F401

Q = "from=2025-03-01&to=2025-04-30&area=1861"


@pytest.fixture
def login(sign_in, make_organisation):
    """Sign in with ``role`` as a member of a new organisation."""
    return lambda role: sign_in(role, make_organisation(f"Org {uuid.uuid4().hex[:6]}"))


def test_lagesbild_page_and_downloads(client, login, fixture_reports):  # noqa: F811
    assert client.get(f"/lagesbild?{Q}").status_code in (302, 401)
    login("reporter")
    assert client.get(f"/lagesbild?{Q}").status_code == 403
    login("viewer")
    page = client.get(f"/lagesbild?{Q}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lägesbild Hallsberg 2025-03-01 – 2025-04-30" in html
    assert "leaflet" in html.lower() and "data:image/png;base64," in html
    assert "anna.secret@example.se" not in html
    for fmt, media in (("pdf", "application/pdf"), ("csv", "text/csv"),
                       ("geojson", "application/geo+json"), ("md", "text/markdown")):
        resp = client.get(f"/lagesbild/export.{fmt}?{Q}")
        assert resp.status_code == 200 and resp.mimetype == media
        assert "attachment" in resp.headers["Content-Disposition"]
    assert client.get("/lagesbild?from=2025-02-30&to=2025-04-30&area=1861").status_code == 400
    assert client.get("/lagesbild/export.xls?" + Q).status_code == 400


def test_promise_draft_save_and_followup(client, login, fixture_reports):  # noqa: F811
    login("coordinator")
    draft = client.get(f"/promises/draft?{Q}&start=2025-05-01&end=2026-04-30")
    assert draft.status_code == 200 and "Polisen lovar" in draft.get_data(as_text=True)
    docx = client.get(f"/promises/draft.docx?{Q}&start=2025-05-01&end=2026-04-30")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    saved = client.post(f"/promises?{Q}&start=2025-05-01&end=2026-04-30")
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"])
    assert page.status_code == 200 and "Indikatorer" in page.get_data(as_text=True)
    assert client.get(saved.headers["Location"] + "/followup.pdf").status_code == 200
    assert client.get("/promises?area=1861").status_code == 200


def test_cli_writes_file_or_nothing(runner, tmp_path, fixture_reports):  # noqa: F811
    out = tmp_path / "lb.md"
    result = runner.invoke(args=["lagesbild", "--from", "2025-03-01", "--to", "2025-04-30",
                                 "--format", "md", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "| Klotter | Händelser | 12 | 10 | +20 % | 8 | +50 % |" in out.read_text()
    for args in (["--from", "2025-13-01", "--to", "2025-04-30", "--format", "md"],
                 ["--from", "2025-03-01", "--to", "2025-04-30", "--area", "9999",
                  "--format", "md"],
                 ["--from", "2025-03-01", "--to", "2025-04-30", "--format", "xls"]):
        bad = tmp_path / "bad.out"
        result = runner.invoke(args=["lagesbild", *args, "-o", str(bad)])
        assert result.exit_code != 0
        assert not bad.exists() and list(tmp_path.glob(".bad.out*")) == []
    assert "Error" in result.output or "Invalid" in result.output
    draft = tmp_path / "draft.docx"
    result = runner.invoke(args=["promises", "draft", "--from", "2025-03-01", "--to",
                                 "2025-04-30", "--period-start", "2025-05-01", "--period-end",
                                 "2026-04-30", "--format", "docx", "-o", str(draft)])
    assert result.exit_code == 0, result.output
    assert draft.read_bytes()[:2] == b"PK"
