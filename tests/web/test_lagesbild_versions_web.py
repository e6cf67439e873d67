"""Lägesbild pages under Lag (2023:196): group texts, versions, comparison, decision, public."""

import re
from datetime import timedelta

import pytest

from tests.integration.test_lagesbild import STATION, at, fixture_reports  # noqa: F401

Q = "from=2025-03-01&to=2025-04-30&area=1861"


@pytest.fixture
def app_config(app_config, tmp_path):
    """Keep this module's lägesbild cache in a temporary directory."""
    return {**app_config, "EST_LAGESBILD_CACHE_DIR": str(tmp_path / "lagesbild-cache")}


@pytest.fixture
def login(sign_in, make_organisation, fixture_reports):  # noqa: F811
    """Sign in with ``role`` in an organisation of the municipality."""
    return lambda role: sign_in(role, make_organisation(area=fixture_reports))


def frozen_part(html: str) -> str:
    return re.search(r'<div class="lb-frozen">(.*?)\n  </div>', html, re.S).group(1)


DRAFT = {"text_consequences": "Resenärer vid stationen drabbas.",
         "text_patterns": "Klotter på vardagar vid stationen.",
         "text_conclusions": "Stationen prioriteras.", "change_count": "2",
         "change_kind_0": "byggnation", "change_text_0": "Nytt resecentrum",
         "change_place_0": "Stationen", "change_when_0": "hösten 2026",
         "change_kind_1": "ovrigt", "change_text_1": ""}


def test_group_writes_texts_saves_versions_compares_and_decides(
        client, login, fixture_reports, make_report):  # noqa: F811
    login("viewer")
    page = client.get(f"/lagesbild?{Q}").get_data(as_text=True)
    assert "1. Kartläggning" in page and "Källor som använts och som saknas" in page
    assert 'id="gruppens-texter"' not in page and "Spara version" not in page
    assert client.post(f"/lagesbild/utkast?{Q}", data=DRAFT).status_code == 403
    assert client.post(f"/lagesbild/versioner?{Q}").status_code == 403

    login("coordinator")
    assert 'id="gruppens-texter"' in client.get(f"/lagesbild?{Q}").get_data(as_text=True)
    bad = client.post(f"/lagesbild/utkast?{Q}", data={**DRAFT, "text_causes": "x" * 8001})
    assert bad.status_code == 400 and 'href="#f-text_causes"' in bad.get_data(as_text=True)
    assert "Klotter på vardagar vid stationen." in bad.get_data(as_text=True)  # kept in form
    saved = client.post(f"/lagesbild/utkast?{Q}", data=DRAFT)
    assert saved.status_code == 302
    page = client.get(f"/lagesbild?{Q}").get_data(as_text=True)
    assert "<p>Klotter på vardagar vid stationen.</p>" in page
    assert "<td>Nytt resecentrum</td><td>Stationen</td><td>hösten 2026</td>" in page

    resp = client.post(f"/lagesbild/versioner?{Q}")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        "/lagesbild/versioner/1?area=1861")
    v1 = client.get("/lagesbild/versioner/1?area=1861").get_data(as_text=True)
    before = frozen_part(v1)
    assert "<p>Stationen prioriteras.</p>" in before
    public_before = frozen_part(client.get(
        "/lagesbild/versioner/1?area=1861&audience=public").get_data(as_text=True))
    assert '<td class="num">&lt;5</td>' in public_before

    for _ in range(7):  # the data change
        make_report(*STATION, code="klotter", occurred_at=at(2025, 4, 15), area=fixture_reports,
                    reported_at=at(2025, 4, 15) + timedelta(hours=1))
    assert frozen_part(client.get("/lagesbild/versioner/1?area=1861")
                       .get_data(as_text=True)) == before
    md = client.get("/lagesbild/versioner/1/export.md?area=1861&audience=internal")
    assert md.status_code == 200 and "Källor som använts och som saknas" in md.get_data(
        as_text=True)

    client.post(f"/lagesbild/utkast?{Q}", data={**DRAFT, "text_conclusions": "Tunneln också."})
    assert client.post(f"/lagesbild/versioner?{Q}").status_code == 302
    listing = client.get("/lagesbild/versioner?area=1861").get_data(as_text=True)
    assert "Version 2" in listing and "mot version 1" in listing
    diff = client.get("/lagesbild/versioner/2/jamfor?area=1861").get_data(as_text=True)
    assert ("<td>Nyckeltal bredvid analysen</td><td>Rapporter under perioden</td><td>Värde</td>"
            '\n        <td class="num">30</td><td class="num">37</td><td class="num">+7</td>'
            in diff)
    assert "<del>Stationen prioriteras.</del>" in diff and "<ins>Tunneln också.</ins>" in diff
    assert client.get("/lagesbild/versioner/1/jamfor?area=1861").status_code == 404

    assert "ingen beslutad lägesbild" in client.get("/lagesbild/publik?area=1861").get_data(
        as_text=True)
    bad = client.post("/lagesbild/versioner/1/beslut?area=1861",
                      data={"decided_by": "", "decided_on": "2025-02-30"})
    assert bad.status_code == 400
    assert 'href="#f-decided_by"' in bad.get_data(as_text=True)
    assert 'href="#f-decided_on"' in bad.get_data(as_text=True)
    ok = client.post("/lagesbild/versioner/1/beslut?area=1861",
                     data={"decided_by": "Kommunstyrelsen", "decided_on": "2025-05-20",
                           "decision_note": "§ 112"})
    assert ok.status_code == 302
    assert "Beslutad av Kommunstyrelsen 2025-05-20" in client.get(
        "/lagesbild/versioner/1?area=1861").get_data(as_text=True)

    client.get("/logout")
    with client.session_transaction() as sess:
        sess.clear()
    public = client.get("/lagesbild/publik?area=1861")
    html = public.get_data(as_text=True)
    assert public.status_code == 200 and "Beslutad av Kommunstyrelsen 2025-05-20" in html
    assert "<p>Stationen prioriteras.</p>" in html  # version 1, not the newer draft
    assert "Veckodag × tid" not in html and 'id="actions"' not in html
    assert '<td class="num">&lt;5</td>' in html and "anna.secret@example.se" not in html
    assert client.get("/lagesbild/versioner/1?area=1861").status_code in (302, 401)


def test_current_exports_carry_the_law_sections_and_sources(client, login):
    login("viewer")
    md = client.get(f"/lagesbild/export.md?{Q}&audience=partner").get_data(as_text=True)
    for heading in ("## 1\\. Kartläggning", "## 2\\. Annan information", "## 3\\. Analys",
                    "### Källor som använts och som saknas", "### Planerade förändringar"):
        assert heading in md
    assert "| Rapporter i EST | Ja |" in md


def test_cli_exports_a_saved_version_or_refuses(client, login, runner, tmp_path):
    login("coordinator")
    client.post(f"/lagesbild/utkast?{Q}", data=DRAFT)
    assert client.post(f"/lagesbild/versioner?{Q}").status_code == 302
    out = tmp_path / "v1.md"
    result = runner.invoke(args=["lagesbild", "--version", "1", "--area", "1861", "--audience",
                                 "internal", "--format", "md", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## 3\\. Analys" in text and "Klotter på vardagar vid stationen" in text
    assert "| Byggnation eller ombyggnad | Nytt resecentrum | Stationen | hösten 2026 |" in text
    for args in (["--version", "2"], ["--from", "2025-03-01"], ["--version", "0"]):
        bad = tmp_path / "bad.md"
        result = runner.invoke(args=["lagesbild", *args, "--format", "md", "-o", str(bad)])
        assert result.exit_code != 0 and not bad.exists()
    assert "--version" in result.output or "0" in result.output


def test_staff_of_another_municipality_get_403(client, sign_in, make_area,
                                               make_organisation, login):
    login("coordinator")
    assert client.post(f"/lagesbild/versioner?{Q}").status_code == 302
    other = make_area("1880", "Örebro", bounds=(15.1, 59.2, 15.3, 59.3))
    sign_in("coordinator", make_organisation(area=other))
    for path in (f"/lagesbild?{Q}", f"/lagesbild/export.md?{Q}", "/lagesbild/versioner?area=1861",
                 "/lagesbild/versioner/1?area=1861", "/lagesbild/versioner/1/export.md?area=1861"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/lagesbild/utkast?{Q}", data=DRAFT).status_code == 403
    assert client.post("/lagesbild/versioner/1/beslut?area=1861",
                       data={"decided_by": "KS", "decided_on": "2025-05-20"}).status_code == 403
