"""Promise drafts from an åtgärdsplan against the five real medborgarlöften.

For each real document (read in place from ``../shared/reference/medborgarloften``) the test
builds matching demo inputs — an åtgärdsplan with the document's causes and activities, and
the walks and dialogues it names — drafts the promise in the document's layout, and checks:
the draft has the real document's sections in the same order (each heading found, in order,
in the real text and in the draft), and every commitment has a party, an activity, a place
or a theme, and an indicator.
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from est.lagesbild.render import render
from est.models.inputs import Dialogue, Walk
from est.models.plans import ActivityPattern
from est.plans import service
from est.promises.from_plan import draft_from_plan

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / \
    "medborgarloften"

# document -> (layout, municipality, kommun organisation, causes [(text, finding, [(pattern,
# indicator kind, ref)])], period, expected sections [(key, heading regex)])
DOCUMENTS = {
    "hallsberg-2019-2021.txt": (
        "hallsberg", "Hallsberg", "Hallsbergs kommun", [
            ("Narkotikabrottsligheten bland unga ökar enligt dialogerna",
             "category_trend|narkotika|Narkotika: 4 → 9 (+125 %)",
             [("narkotika_ungdomar", "count_per_month", "narkotika"),
              ("informationstraffar_skolor", "count_per_month", "narkotika")]),
            ("Bostadsinbrott i villaområdena", "category_trend|inbrott|Inbrott: 12 rapporter",
             [("grannsamverkan", "count_per_month", "inbrott")])],
        (date(2019, 11, 28), date(2021, 5, 31)), [
            ("inledning", r"^Inledning$"), ("syfte", r"^Syfte$"),
            ("lagesbild", r"^Lägesbild \d{4}$"),
            ("loften", r"^Medborgarlöften under perioden \d{4}-\d\d-\d\d - \d{4}-\d\d-\d\d$"),
            ("effekter", r"^Effekter$"), ("uppfoljning", r"^Uppföljning$"),
            ("underskrifter", r"Lokalpolisområdeschef")]),
    "hallsberg-2019-2021-news.txt": (
        "nyhet", "Hallsberg", "Hallsbergs kommun", [
            ("Narkotika bland unga", "category_trend|narkotika|Narkotika: 4 → 9 (+125 %)",
             [("narkotika_ungdomar", "count_per_month", "narkotika"),
              ("informationstraffar_skolor", "count_per_month", "narkotika")]),
            ("Bostadsinbrott", "category_trend|inbrott|Inbrott: 12 rapporter",
             [("grannsamverkan", "count_per_month", "inbrott")])],
        (date(2019, 11, 28), date(2021, 5, 31)), [
            ("ingress", r"^Medborgarlöften för \d{4}-\d{4} nu beslutade för Hallsbergs kommun$"),
            ("loften", r"^Medborgarlöftena$"), ("om", r"^Om medborgarlöften$"),
            ("kontakt", r"^Kontakta säkerhetssamordnaren$")]),
    "hassleholm-2016.txt": (
        "hassleholm", "Hässleholm", "Hässleholms kommun", [
            ("Ungdomars relation till droger (folkhälsorapporten)",
             "survey_result|1|Barn och ungas levnadsvanor: droger",
             [("andt_samverkan", "count_per_month", "narkotika,langning")]),
            ("Annan brottslighet som skapar otrygghet: dieselstölder, villainbrott, "
             "skadegörelse", "category_trend|stold|Stöld: 30 rapporter",
             [("situationsanpassade_insatser", "count_per_month", "stold,inbrott")])],
        (date(2016, 1, 1), date(2016, 12, 31)), [
            ("ingress", r"^Medborgarlöfte i Hässleholms kommun$"),
            ("syfte", r"^Syfte och mål$"), ("beslut", r"^Beslut$"),
            ("giltighet", r"^Medborgarlöftets gällande$"),
            ("tillvagagangssatt", r"^Tillvägagångssätt$"),
            ("samverkan", r"^Samverkansorganisation$"), ("budget", r"^Budget$"),
            ("uppfoljning", r"^Uppföljning o\w* utvärdering$"),
            ("problembild", r"^Problembild$"), ("arbetssatt", r"^Arbetssätt$"),
            ("underskrifter", r"Kommunstyrelsens ordförande")]),
    "kungsor-2020.txt": (
        "kungsor", "Kungsör", "Kungsörs kommun", [
            ("Brott, störningar och otrygghet i skolmiljön",
             "dialogue|1|Medarbetardialog skolan",
             [("skola_samverkan", "count_per_month", "skadegorelse,vald_hot")]),
            ("Återkommande problem vid Kungsgatan",
             "lineage|6f1c2d3e-0000-4000-8000-000000000001|Hot spot vid Kungsgatan (ny)",
             [("hotspot_samverkan", "count_per_month", ""),
              ("hotspot_besok", "count_per_month", "")]),
            ("En samlad lokal lägesbild behövs", "other||EST",
             [("lokal_lagesbild_est", "share_public_moderated", "7"),
              ("strategiskt_mote", "actions_done", "")])],
        (date(2020, 1, 1), date(2020, 12, 31)), [
            ("ingress", r"^Medborgarlöften i Kungsörs kommun - \d{4}$"),
            ("ska", r"^Medborgarlöften ska$"), ("tema", r"(?i)skolor och skolmiljö"),
            ("tema", r"Hot spots"), ("tema", r"^Lokal lägesbild och EST$"),
            ("giltighet",
             r"^Medborgarlöftet gäller under tiden \d{4}-\d\d-\d\d -- \d{4}-\d\d-\d\d$"),
            ("underskrifter", r"Lokalpolisområdeschef")]),
    "hallefors-2020.txt": (
        "hallefors", "Hällefors", "Hällefors kommun", [
            ("Problembilder behöver mötas systematiskt", "other||EST",
             [("lokal_lagesbild_est", "share_public_moderated", "7")]),
            ("Otrygghet i offentliga miljöer", "walk_observation|1|Centrum: dålig belysning",
             [("trygghetsvandringar", "count_per_month", "otrygghet")]),
            ("Narkotika, trafik och ordningsstörningar",
             "category_trend|narkotika|Narkotika: 8 rapporter",
             [("narkotika_trafik_ordning", "count_per_month", "narkotika,trafik")]),
            ("Brottsutsatta saknar återkoppling", "other||Brottsofferdialog",
             [("brottsutsatta_kontakt", "actions_done", "")])],
        (date(2021, 1, 1), date(2021, 12, 31)), [
            ("ingress", r"^Medborgarlöften för Hällefors kommun$"),
            ("loften", r"^\s*1\. Kommunen och polisen ska"),
            ("lagesbild", r"^Under hösten \d{4} har polisen"),
            ("uppfoljning", r"^I syfte att utveckla"),
            ("trygghet", r"^Det finns samband mellan trygghet")]),
}


def real_positions(lines: list[str], regexes: list[str]) -> list[int]:
    """Return the line of each heading in the real text, each after the previous one."""
    out, start = [], 0
    for rx in regexes:
        found = next((i for i in range(start, len(lines)) if re.search(rx, lines[i].strip())),
                     None)
        assert found is not None, f"{rx!r} not found after line {start}"
        out.append(found)
        start = found + 1
    return out


def section_lines(section) -> list[str]:
    return [section.title, *section.paragraphs, *section.bullets]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_draft_has_the_real_documents_sections_and_complete_commitments(
        name, db_session, make_area, make_organisation, make_actor):
    layout, town, kommun_name, causes, (start, end), expected = DOCUMENTS[name]
    real = (REFERENCE / name).read_text(encoding="utf-8")
    real_positions(real.splitlines(), [rx for _key, rx in expected])

    area = make_area(code=f"9{abs(hash(name)) % 1000:03d}", name=town)
    kommun = make_organisation(kommun_name, "kommun", area=area)
    make_organisation(f"Lokalpolisområde {town}", "polis", area=area)
    actor = make_actor("coordinator", kommun)
    basis_end = date(start.year - 1, 11, 15) if start.month < 3 else date(start.year, 10, 31)
    db_session.add_all([
        Walk(area_id=area.id, title=f"Trygghetsvandring {town} centrum", status="finished",
             starts_at=datetime(basis_end.year, 9, 20, 18, tzinfo=UTC)),
        Dialogue(area_id=area.id, kind="medborgardialog", title=f"Medborgardialog {town}",
                 held_on=date(basis_end.year, 10, 2)),
        Dialogue(area_id=area.id, kind="medarbetardialog", title="Medarbetardialog polisen",
                 held_on=date(basis_end.year, 10, 9)),
    ])
    db_session.flush()
    plan = service.create_plan(db_session, actor, area.id, {
        "title": f"Åtgärdsplan {town}", "period_start": start, "period_end": end})
    patterns = {p.code: p for p in db_session.scalars(select(ActivityPattern))}
    for text, finding, rows in causes:
        cause = service.add_cause(db_session, actor, plan.id, {"text": text,
                                                               "finding": finding})
        for code, kind, ref in rows:
            service.add_row(db_session, actor, cause.id, {
                "measure": patterns[code].text, "activity_pattern_id": patterns[code].id,
                "indicator_kind": kind, "indicator_ref": ref, "target": "Färre än före",
                "starts_on": start, "due_on": end})

    draft = draft_from_plan(db_session, plan, layout=layout,
                            basis=(date(basis_end.year, 1, 1), basis_end))
    keys = [re.sub(r"_\d+$", "", s.key) for s in draft.sections]
    assert keys == [key for key, _rx in expected]
    for section, (_key, rx) in zip(draft.sections, expected, strict=True):
        assert any(re.search(rx, line.strip()) for line in section_lines(section)), \
            (rx, section_lines(section))

    assert len(draft.commitments) == sum(len(rows) for _t, _f, rows in causes)
    for c in draft.commitments:
        assert c.party and c.activity and (c.place or c.theme) and c.indicator, c
        assert "Hot spot " not in c.text and "[…]" not in c.text
    # The Lägesbild paragraph names the walks and dialogues actually held.
    text = "\n".join(line for s in draft.sections for line in section_lines(s))
    if any(s.key in ("lagesbild", "tillvagagangssatt", "om") for s in draft.sections):
        assert f"Trygghetsvandring {town} centrum" in text
        assert f"Medborgardialog {town}" in text
    assert "året innan 0" not in text
    assert render(draft, "docx")[:2] == b"PK"


def test_a_hot_spot_commitment_names_its_place(db_session, make_area, make_organisation,
                                               make_actor):
    area = make_area()
    actor = make_actor("coordinator", make_organisation("Hallsbergs kommun", "kommun",
                                                        area=area))
    plan = service.create_plan(db_session, actor, area.id, {
        "title": "Plan", "period_start": "2026-01-01", "period_end": "2026-12-31"})
    cause = service.add_cause(db_session, actor, plan.id, {
        "text": "Ny hot spot med skadegörelse",
        "finding": "lineage|6f1c2d3e-0000-4000-8000-000000000002|Hot spot vid Stortorget (ny)"})
    pattern = db_session.scalar(select(ActivityPattern).where(
        ActivityPattern.code == "hotspot_besok"))
    service.add_row(db_session, actor, cause.id, {
        "measure": "Besök hos butikerna", "activity_pattern_id": pattern.id,
        "indicator_kind": "count_per_month", "indicator_ref": "skadegorelse",
        "indicator": "Skadegörelse per månad, Stortorget", "target": "Högst 3 per månad"})
    draft = draft_from_plan(db_session, plan, layout="hallsberg")
    (c,) = draft.commitments
    assert c.place == "Stortorget" and c.party == "Polisen och kommunen"
    assert c.text.startswith("Polisen och kommunen lovar att genomföra besök och samtal med "
                             "berörda i ett identifierat hot spot vid Stortorget.")
    assert c.indicator == "Skadegörelse per månad, Stortorget"
