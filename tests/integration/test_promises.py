"""Medborgarlöften: draft structure and exports, stored indicators, follow-up in the lägesbild."""

import io
from datetime import date

from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from est.lagesbild import build_lagesbild, render
from est.models import Category
from est.models.promises import Promise, PromiseIndicator
from est.promises.draft import draft_promise
from est.services.promises import create_from_draft, followup, record_followup
from tests.integration.test_lagesbild import END, SECRETS, START, fixture_reports  # noqa: F401

SECTIONS = ("Inledning", "Syfte", "Lägesbild 2025-03-01 – 2025-04-30",
            "Medborgarlöften under perioden 2025-05-01 – 2026-04-30", "Effekter", "Uppföljning")


def lagesbild(db_session, **kw):
    return build_lagesbild(db_session, area_code="1861", start=START, end=END,
                           today=date(2025, 6, 1), hotspots=False, **kw)


def test_draft_is_structured_like_real_promises(db_session, fixture_reports):  # noqa: F811
    draft = draft_promise(lagesbild(db_session), period_start=date(2025, 5, 1),
                          period_end=date(2026, 4, 30))
    md = render(draft, "md").decode()
    for title in SECTIONS:
        assert f"## {title}" in md
    assert "- Polisen lovar att \\[…\\]" in md and "- Kommunen lovar att \\[…\\]" in md
    assert "registrerades 30 rapporter" in md and "klotter (12)" in md
    assert "klotter (10 → 12, +20 %)" in md  # growing category
    assert "Otrygga platser: Hallsberg tätort (5 rapporter" in md
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render(draft, "pdf"))).pages)
    doc = Document(io.BytesIO(render(draft, "docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    for title in SECTIONS:
        assert title in pdf and title in headings
    assert any(b.startswith("Polisen lovar") for b in bullets)
    assert any(b.startswith("Kommunen lovar") for b in bullets)
    for secret in SECRETS[:3]:
        assert secret not in md and secret not in pdf


def test_indicators_vs_baseline_and_followup_in_next_lagesbild(db_session,
                                                               fixture_reports):  # noqa: F811
    draft = draft_promise(lagesbild(db_session), period_start=date(2025, 5, 1),
                          period_end=date(2026, 4, 30))
    promise = create_from_draft(db_session, draft)
    assert {p.kind for p in promise.parties} == {"kommun", "polis"}
    assert promise.items and promise.focus
    kinds = [i.kind for i in promise.indicators]
    assert "count_per_month" in kinds and "share_public_moderated" in kinds

    # A promise over the fixture period: klotter per month and the moderation share.
    klotter = db_session.scalar(select(Category.id).where(Category.code == "klotter"))
    p = Promise(area_id=fixture_reports.id, title="Löfte 2025", period_start=START,
                period_end=END)
    p.indicators = [
        PromiseIndicator(kind="count_per_month", label="Klotter per månad",
                         category_ids=[klotter], position=0),
        PromiseIndicator(kind="share_public_moderated", label="Granskade efter 7 dagar",
                         params={"days": 7}, position=1),
    ]
    db_session.add(p)
    db_session.flush()
    report = followup(db_session, p, today=date(2025, 6, 1))
    by_label = {r.label: r for r in report.results}
    # 12 klotter in 61 days = 12 / (61 / 30.4375) = 5.99 per month; 10 before = 4.99.
    assert by_label["Klotter per månad"].now == 6.0
    assert by_label["Klotter per månad"].before == 5.0
    assert by_label["Klotter per månad"].change == 1.0
    # Public reports in the period: 3 + 5 published, 5 pending -> 8 / 13 = 61.5 %.
    assert by_label["Granskade efter 7 dagar"].now == 61.5
    assert by_label["Granskade efter 7 dagar"].before is None
    md = render(report, "md").decode()
    assert "| Klotter per månad | 2025-03-01 – 2025-04-30 | 6,0 | 5,0 | +1,0 |" in md

    stored = record_followup(db_session, p.id, today=date(2025, 6, 1))
    assert stored.results[0]["now"] == 6.0

    lb = lagesbild(db_session)  # the promise's period is followed up in the lägesbild
    follow = lb.section("followup")
    table = next(t for t in follow.tables if t.title == "Indikatorer: Löfte 2025")
    assert table.rows[0][:5] == ["Klotter per månad", "2025-03-01 – 2025-04-30", "6,0", "5,0",
                                 "+1,0"]
    assert "Löfte 2025" in render(lb, "md").decode()


def test_small_indicator_counts_are_hidden(db_session, fixture_reports):  # noqa: F811
    narkotika = db_session.scalar(select(Category.id).where(Category.code == "narkotika"))
    p = Promise(area_id=fixture_reports.id, title="Narkotika", period_start=START,
                period_end=END)
    p.indicators = [PromiseIndicator(kind="count_per_month", label="Narkotika per månad",
                                     category_ids=[narkotika])]
    db_session.add(p)
    db_session.flush()
    (result,) = followup(db_session, p, today=date(2025, 6, 1)).results
    assert result.now == "<5" and result.change is None


def test_draft_with_the_activity_library_names_activities(db_session,
                                                          fixture_reports):  # noqa: F811
    from est.plans.library import list_patterns

    draft = draft_promise(lagesbild(db_session), period_start=date(2025, 5, 1),
                          period_end=date(2026, 4, 30), patterns=list_patterns(db_session))
    loften = next(s for s in draft.sections if s.key == "loften").bullets
    # Klotter grows: the library's klotter activity, by the party that carries it.
    assert "Kommunen lovar att sanera klotter och åtgärda skadegörelse inom 24 timmar på " \
        "utpekade platser för att minska klotter i Hallsberg." in loften
    # The otrygg place gets a concrete otrygghet activity, named by its place.
    assert any(b.startswith("Kommunen lovar att genomföra trygghetsvandringar") and
               "Hallsberg tätort" in b for b in loften)
    assert not any(b.startswith(("Polisen lovar att […] för", "Kommunen lovar att […] för"))
                   for b in loften)
