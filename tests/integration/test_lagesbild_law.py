"""The lägesbild under Lag (2023:196): law order, group texts, sources, versions, decisions."""

from datetime import date, timedelta

import pytest

from est.errors import PermissionDenied, ValidationError
from est.lagesbild import law, render
from est.lagesbild.document import build_document
from est.lagesbild.group import check_group_input, group_input, save_draft
from est.lagesbild.render import html_fragment, to_markdown
from est.lagesbild.versions import (
    compare,
    decide,
    fingerprint,
    frozen,
    get_version,
    latest_decided,
    list_versions,
    save_version,
)
from tests.integration.test_lagesbild import END, START, STATION, at, fixture_reports  # noqa: F401

KW = {"area_code": "1861", "start": START, "end": END, "today": date(2025, 6, 1),
      "hotspots": False, "min_cell": 5}
TEXTS = {"consequences": "Pendlare vid stationen känner sig otrygga.\n\nHandlare drabbas.",
         "costs": "Sanering av klotter 120 000 kr.",
         "patterns": "Klottret är koncentrerat till stationen på vardagar.",
         "causes": "Dålig belysning i tunneln.",
         "conclusions": "Stationen och tunneln är prioriterade platser.",
         "source_gaps": "Utan trygghetsmätning vet vi inte hur utbredd otryggheten är."}
CHANGES = [{"kind": "byggnation", "text": "Nytt resecentrum byggs", "place": "Stationen",
            "when": "2026"},
           {"kind": "ovrigt", "text": "", "place": "", "when": ""}]  # an empty form row


@pytest.fixture
def coordinator(make_actor, fixture_reports):  # noqa: F811
    return make_actor("coordinator", area=fixture_reports)


def keys(lb):
    return [s.key for s in lb.sections]


def test_sections_follow_the_law_with_the_group_texts_beside_the_figures(
        db_session, coordinator, fixture_reports):  # noqa: F811
    save_draft(db_session, coordinator, fixture_reports, START, END, TEXTS, CHANGES)
    lb = build_document(db_session, **KW, audience="internal")
    parts = list(dict.fromkeys(s.part for s in lb.sections))
    assert parts == [law.KARTLAGGNING, law.ANNAN, law.ANALYS, law.KALLOR, law.UPPFOLJNING,
                     law.OM]
    assert keys(lb) == ["summary", "categories", "hotspots", "otrygghet", "when",
                        "consequences", "other_inputs", "statistics", "planned_changes",
                        "analysis", "causes", "conclusions", "declared_sources", "quality",
                        "sources", "actions", "followup", "privacy"]
    cons = lb.section("consequences")
    assert cons.paragraphs[:2] == ["Pendlare vid stationen känner sig otrygga.",
                                   "Handlare drabbas."]
    assert "Kostnader: Sanering av klotter 120 000 kr." in cons.paragraphs
    assert dict(lb.table("consequence_figures").rows)["Rapporter om otrygghet"] == 5
    figures = dict(lb.table("key_figures").rows)
    assert figures["Rapporter under perioden"] == 30 and figures["Föregående period"] == 10
    assert figures["Samma period i fjol"] == 13
    assert lb.section("analysis").paragraphs == [TEXTS["patterns"]]
    assert lb.table("planned_changes").rows == [
        ["Byggnation eller ombyggnad", "Nytt resecentrum byggs", "Stationen", "2026"]]
    sources = {r[0]: r for r in lb.table("declared_sources").rows}
    # Reports in EST (walk reports are their own source): 30, 2025-03-10 … 2025-04-12.
    assert sources["Rapporter i EST"][1:] == ["Ja", "2025-03-10 – 2025-04-12", 30,
                                              "30 rapporter"]
    assert sources["Trygghetsvandringar"][1:] == ["Nej", "saknas", "saknas",
                                                  "saknas för perioden"]
    gaps = lb.section("declared_sources").paragraphs
    assert any(p.startswith("Saknas för perioden: ") and "Trygghetsvandringar" in p
               for p in gaps)
    assert f"Vad det betyder för slutsatserna: {TEXTS['source_gaps']}" in gaps
    md = to_markdown(lb)
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads == ["## 1\\. Kartläggning", "## 2\\. Annan information", "## 3\\. Analys",
                     "## 4\\. Källor och datakvalitet", "## 5\\. Åtgärder och uppföljning",
                     "## Om uppgifterna"]
    assert "### Konsekvenser" in md
    html = html_fragment(lb)
    assert '<h2 class="lb-part">2. Annan information</h2>' in html


def test_without_texts_the_page_says_so_and_quality_figures_are_shares(
        db_session, fixture_reports):  # noqa: F811
    lb = build_document(db_session, **KW, audience="internal")
    assert lb.section("causes").paragraphs == [law.NO_TEXT]
    assert lb.section("planned_changes").paragraphs[-1] == \
        "Inga planerade förändringar har registrerats."
    quality = dict(lb.table("quality").rows)
    assert quality["Andel med exakt tidpunkt"] == "93 %"  # 28 / 30
    assert quality["Andel med bara månad"] == "0 %"
    assert quality["Andel med position inom området"] == "100 %"
    assert quality["Väntar på granskning (räknas inte)"] == 5


def test_public_document_hides_small_source_counts(db_session, fixture_reports, make_report):  # noqa: F811
    lb = build_document(db_session, **{**KW, "start": date(2025, 4, 12),
                                       "end": date(2025, 4, 12)}, audience="public")
    reports = next(r for r in lb.table("declared_sources").rows if r[0] == "Rapporter i EST")
    assert reports[3] == "<5" and reports[4] == "färre än 5"  # 3 narkotika that day


def test_group_input_is_bounded_and_names_the_field(
        db_session, fixture_reports, make_actor):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        check_group_input({"patterns": "x" * 8001}, [])
    assert "text_patterns" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        check_group_input({"causes": "a\x00b"}, [{"kind": "okand", "text": "y"}])
    assert set(exc.value.errors) == {"text_causes", "change_kind_0"}
    with pytest.raises(ValidationError) as exc:
        check_group_input({"secret": "x"}, [])
    assert "text_secret" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        check_group_input({}, [{"kind": "byggnation", "text": "t", "place": "p" * 201}])
    assert "change_place_0" in exc.value.errors
    viewer = make_actor("viewer", area=fixture_reports)
    with pytest.raises(PermissionDenied):
        save_draft(db_session, viewer, fixture_reports, START, END, TEXTS, [])
    coordinator = make_actor("coordinator", area=fixture_reports)
    with pytest.raises(ValidationError):
        save_draft(db_session, coordinator, fixture_reports, START, END,
                   {"patterns": "x" * 9000}, [])
    assert group_input(db_session, fixture_reports, START, END).texts == {}  # nothing written


def test_saved_version_is_reproducible_and_compared_with_the_previous(
        db_session, coordinator, fixture_reports, make_report):  # noqa: F811
    save_draft(db_session, coordinator, fixture_reports, START, END, TEXTS, CHANGES)
    v1 = save_version(db_session, coordinator, None, **KW)
    assert v1.number == 1 and v1.status == "saved" and v1.title.startswith("Lägesbild Hallsberg")
    assert set(v1.figures["audiences"]) == {"internal", "partner", "public"}
    assert v1.texts["patterns"] == TEXTS["patterns"]
    assert any(s["Källa"] == "Rapporter i EST" and s["Antal (n)"] == 30 for s in v1.sources)
    # Rebuilding from the same data gives the same fingerprint.
    assert fingerprint(db_session, fixture_reports) == v1.fingerprint
    page = {a: render(frozen(v1, a), "html") for a in ("internal", "public")}
    fresh = html_fragment(build_document(db_session, **KW, audience="internal"))
    assert html_fragment(frozen(v1, "internal")) == fresh

    for _ in range(7):  # the data change: 7 more klotter reports in April
        make_report(*STATION, code="klotter", occurred_at=at(2025, 4, 15), area=fixture_reports,
                    reported_at=at(2025, 4, 15) + timedelta(hours=1))
    assert fingerprint(db_session, fixture_reports) != v1.fingerprint
    db_session.expire_all()
    again = get_version(db_session, fixture_reports, 1)
    assert {a: render(frozen(again, a), "html") for a in page} == page  # renders identically
    assert dict(frozen(again, "internal").table("key_figures").rows)[
        "Rapporter under perioden"] == 30
    assert dict(build_document(db_session, **KW, audience="internal")
                .table("key_figures").rows)["Rapporter under perioden"] == 37

    save_draft(db_session, coordinator, fixture_reports, START, END,
               {**TEXTS, "conclusions": "Stationen är prioriterad.\nTunneln följs upp."}, [])
    v2 = save_version(db_session, coordinator, None, **KW)
    assert v2.number == 2 and v2.fingerprint != v1.fingerprint
    assert [v.number for v in list_versions(db_session, fixture_reports)] == [2, 1]
    deltas, texts = compare(v1, v2)
    total = next(d for d in deltas if d.row == "Rapporter under perioden")
    assert (total.before, total.after, total.change) == (30, 37, 7)
    klotter = next(d for d in deltas if d.row == "Klotter" and d.column == "Perioden")
    assert (klotter.before, klotter.after) == (12, 19)
    changed = {t.key: t.lines for t in texts}
    assert set(changed) == {"conclusions", "planned_changes"}
    assert "- Stationen och tunneln är prioriterade platser." in changed["conclusions"]
    assert "+ Tunneln följs upp." in changed["conclusions"]


def test_decision_record(db_session, coordinator, fixture_reports, make_actor):  # noqa: F811
    v1 = save_version(db_session, coordinator, None, **KW)
    assert latest_decided(db_session, fixture_reports) is None
    with pytest.raises(ValidationError) as exc:
        decide(db_session, coordinator, v1, decided_by=" ", decided_on="2025-13-01",
               note="x" * 4001)
    assert set(exc.value.errors) == {"decided_by", "decided_on", "decision_note"}
    with pytest.raises(ValidationError) as exc:
        decide(db_session, coordinator, v1, decided_by="Kommunstyrelsen",
               decided_on="2025-07-01", today=date(2025, 6, 1))
    assert "decided_on" in exc.value.errors
    assert v1.status == "saved" and v1.decided_by is None  # nothing half-written
    with pytest.raises(PermissionDenied):
        decide(db_session, make_actor("viewer", area=fixture_reports), v1,
               decided_by="Kommunstyrelsen", decided_on="2025-05-20")
    decide(db_session, coordinator, v1, decided_by="Kommunstyrelsen", decided_on="2025-05-20",
           note="§ 112, dnr KS 2025/88")
    assert latest_decided(db_session, fixture_reports).number == 1
    assert (v1.status, v1.decided_by, v1.decided_on) == ("decided", "Kommunstyrelsen",
                                                         date(2025, 5, 20))


def test_annan_information_shows_the_dialogues_held(db_session, fixture_reports):  # noqa: F811
    from est.models.inputs import Dialogue, DialogueTheme

    dialogue = Dialogue(area_id=fixture_reports.id, kind="medborgardialog",
                        title="Dialog på torget", held_on=date(2025, 4, 2),
                        participants=[{"group": "Boende", "count": 14}])
    dialogue.themes.append(DialogueTheme(free_theme="Mörk gångtunnel", mentions=6))
    db_session.add(dialogue)
    db_session.flush()
    lb = build_document(db_session, **KW, audience="public")
    held = {r[0]: r for r in lb.table("other_inputs").rows}
    assert held["Medborgar- och medarbetardialoger"][1] == "Ja"
    themes = lb.table("dialogue_themes")
    assert lb.section("other_inputs").tables[1] is themes
    assert any("Mörk gångtunnel" in row and 6 in row for row in themes.rows)


def test_report_counts_from_the_inputs_are_protected_for_the_audience():
    from est.audience import protection
    from est.lagesbild.inputs import _protect_counts

    table = {"title": "Rapporter per 1 000 invånare per DeSO/RegSO",
             "columns": ["Område", "Invånare", "Rapporter", "Per 1 000 invånare"],
             "rows": [["A", 900, 3, "3,3"], ["B", 1200, 40, "33,3"], ["C", 800, 12, "15,0"]]}
    public = _protect_counts(table, 2, (3,), protection("public", 5))["rows"]
    assert public[0][2:] == ["<5", "<5"] and public[2][2:] == ["..", ".."]
    assert public[1][2:] == [40, "33,3"]
    partner = _protect_counts(table, 2, (3,), protection("partner", 5))["rows"]
    assert partner[0][2:] == ["<5", "<5"] and partner[2][2] == 12
    assert _protect_counts(table, 2, (3,), protection("internal", 5))["rows"] == table["rows"]


def test_safety_walks_held_are_listed_titles_only_internally(db_session,
                                                             fixture_reports):  # noqa: F811
    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from est.models.inputs import Walk, WalkObservation

    walk = Walk(area_id=fixture_reports.id, title="Kvällsvandring runt stationen",
                starts_at=at(2025, 3, 25, 19), status="finished", participants={"total": 12})
    for safety in (2, 3, None):
        walk.observations.append(WalkObservation(geom=from_shape(Point(*STATION), srid=4326),
                                                 observed_at=at(2025, 3, 25, 19),
                                                 safety=safety))
    db_session.add(walk)
    db_session.flush()
    internal = build_document(db_session, **KW, audience="internal")
    assert internal.table("walks").rows == [
        ["Kvällsvandring runt stationen", "2025-03-25", 12, 3, "2,5", 0]]
    public = build_document(db_session, **KW, audience="public")
    assert public.table("walks").rows[0][0] == "Trygghetsvandring"
    held = {r[0]: r for r in public.table("other_inputs").rows}
    assert held["Trygghetsvandringar"][1] == "Ja"
