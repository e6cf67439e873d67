"""The figures of the lägesbild's "Annan information": dialogues, surveys, statistics, events.

Everything here is an aggregate: dialogue themes with their n, survey results with n, period
and margin of error (never individual answers), rates per 1,000 inhabitants with the county
and the country beside the municipality, and polisen.se events counted by type with their
coarse location precision stated.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from est.inputs.scope import DEFAULT_TZ, Scope, scope_of
from est.inputs.sources import (
    crime_period_filter,
    participant_count,
    police_event_filter,
    population_year,
    report_area_filter,
    survey_filter,
)
from est.models import Area, Category, Report
from est.models.inputs import (
    CrimeStatistic,
    Dialogue,
    DialogueTheme,
    KpiValue,
    PoliceEvent,
    Population,
    Survey,
    SurveyResult,
)
from est.queries import COUNTED_STATUSES

Z95 = 1.96
POLICE_PRECISION_SV = ("Polisens händelser anges med kommun eller län som plats, inte med "
                       "adress; de visas som bakgrund och ingår aldrig i hot spot-analysen.")
SHARE_MEASURES = ("share_agree", "share")


def margin_of_error(share_percent: float, n: int | None) -> float | None:
    """Return the 95 % margin of error in percentage points of a share given in percent.

    Normal approximation, ``1.96 · sqrt(p(1 − p) / n)``; None without a positive n.
    """
    if n is None or n <= 0 or not 0 <= share_percent <= 100:
        return None
    p = share_percent / 100
    return round(100 * Z95 * math.sqrt(p * (1 - p) / n), 1)


def other_information(session: Session, area_id: int, start: date, end: date,
                      tz: str = DEFAULT_TZ) -> dict:
    """Return the "Annan information" figures of area ``area_id`` for ``start`` … ``end``.

    Keys: ``dialogues`` (themes by area with mentions, dialogues and participants),
    ``surveys`` (results with n, period, margin and the change from the previous survey of
    the same kind where both exist), ``statistics`` (population, crimes per 1,000 inhabitants
    for the municipality, county and country, Kolada values, reports per 1,000 by DeSO/RegSO)
    and ``police_events`` (counts by type, with ``precision_sv``); and the same as document
    tables under ``table_*`` keys (see :mod:`est.inputs.tables`).
    """
    from est.inputs.tables import as_tables

    scope = scope_of(session, area_id, tz)
    info = {
        "area": {"id": scope.area.id, "code": scope.area.code, "name": scope.area.name},
        "period": {"start": start, "end": end},
        "dialogues": dialogue_themes(session, scope, start, end),
        "surveys": survey_results(session, scope, start, end),
        "statistics": statistics(session, scope, start, end),
        "police_events": police_events(session, scope, start, end),
    }
    # The same figures as document tables ({"title", "columns", "rows", "note"}, plain
    # JSON) for the lägesbild: keys ``table_dialogue_themes``, ``table_surveys`` …
    info.update({f"table_{k}": v for k, v in as_tables(info).items()})
    return info


# -- dialogues ------------------------------------------------------------------------------

def dialogue_themes(session: Session, scope: Scope, start: date, end: date) -> dict:
    """Return themes by area: mentions, in how many dialogues, and the dialogues' n."""
    dialogues = list(session.scalars(
        select(Dialogue).where(Dialogue.area_id.in_(scope.ids), Dialogue.held_on >= start,
                               Dialogue.held_on <= end).order_by(Dialogue.held_on)))
    names: dict[int, str] = {r[0]: r[1] for r in session.execute(
        select(Area.id, Area.name).where(Area.id.in_(scope.ids)))}
    labels: dict[int, str] = {r[0]: r[1] for r in session.execute(
        select(Category.id, Category.label_sv))}
    mentions: Counter[tuple[int, str]] = Counter()
    held_in: dict[tuple[int, str], set[int]] = defaultdict(set)
    people: dict[int, int | None] = {}
    for d in dialogues:
        people[d.id] = participant_count(d.participants)
        for t in session.scalars(select(DialogueTheme).where(DialogueTheme.dialogue_id == d.id)):
            label = labels.get(t.category_id, "") if t.category_id else (t.free_theme or "")
            key = (d.area_id, label)
            mentions[key] += t.mentions
            held_in[key].add(d.id)
    themes = []
    for (aid, label), count in sorted(mentions.items(),
                                      key=lambda kv: (names.get(kv[0][0], ""), -kv[1],
                                                      kv[0][1])):
        ids = held_in[(aid, label)]
        known = [p for i in ids if (p := people[i]) is not None]
        themes.append({"area": names.get(aid, ""), "area_id": aid, "theme": label,
                       "mentions": count, "dialogues": len(ids),
                       "participants": sum(known) if known else None})
    known_all = [p for p in people.values() if p is not None]
    return {"n_dialogues": len(dialogues),
            "participants": sum(known_all) if known_all else None,
            "themes": themes}


# -- surveys --------------------------------------------------------------------------------

def survey_results(session: Session, scope: Scope, start: date, end: date) -> list[dict]:
    """Return the results of surveys overlapping the period, with the previous value."""
    surveys = list(session.scalars(select(Survey).where(survey_filter(scope, start, end))
                                   .order_by(Survey.kind, Survey.period_start)))
    out = []
    for s in surveys:
        earlier = _earlier_results(session, s)
        for r in session.scalars(select(SurveyResult).where(SurveyResult.survey_id == s.id)
                                 .order_by(SurveyResult.id)):
            margin = r.margin_of_error
            if margin is None and r.measure in SHARE_MEASURES:
                margin = margin_of_error(r.value, r.n)
            prev = earlier.get((r.area_label, r.question, r.measure))
            out.append({
                "kind": s.kind, "title": s.title, "period_start": s.period_start,
                "period_end": s.period_end, "area": r.area_label, "question": r.question,
                "measure": r.measure, "value": r.value, "n": r.n,
                "response_rate": r.response_rate, "margin_of_error": margin,
                "previous": prev,
                "change": round(r.value - prev["value"], 2) if prev else None,
            })
    return out


def _earlier_results(session: Session, survey: Survey) -> dict[tuple[str, str, str], dict]:
    """Return, per (area, question, measure), the latest value of an earlier survey."""
    rows = session.execute(
        select(SurveyResult.area_label, SurveyResult.question, SurveyResult.measure,
               SurveyResult.value, SurveyResult.n, Survey.period_start, Survey.period_end)
        .join(Survey, Survey.id == SurveyResult.survey_id)
        .where(Survey.kind == survey.kind, Survey.period_end < survey.period_start,
               Survey.area_id.is_not_distinct_from(survey.area_id))
        .order_by(Survey.period_end)).all()
    out: dict[tuple[str, str, str], dict] = {}
    for r in rows:  # later periods overwrite earlier ones
        out[(r.area_label, r.question, r.measure)] = {
            "value": r.value, "n": r.n, "period_start": r.period_start,
            "period_end": r.period_end}
    return out


# -- statistics -----------------------------------------------------------------------------

def _population_row(session: Session, code: str, year: int) -> tuple[int, int] | None:
    """Return (count, year) of the latest population of ``code`` up to ``year``."""
    row = session.execute(
        select(Population.count.label("people"), Population.year)
        .where(Population.region_code == code, Population.year <= year)
        .order_by(Population.year.desc()).limit(1)).first()
    return (int(row.people), int(row.year)) if row is not None else None


def _population(session: Session, code: str, year: int) -> int | None:
    row = _population_row(session, code, year)
    return row[0] if row is not None else None


def _rate(count: int, per_100k: float | None, population: int | None) -> float | None:
    if per_100k is not None:
        return round(per_100k / 100, 2)
    if population:
        return round(1000 * count / population, 2)
    return None


def statistics(session: Session, scope: Scope, start: date, end: date) -> dict:
    """Return population, crimes per 1,000 (municipality, county, country), Kolada values
    and counted EST reports per 1,000 inhabitants by DeSO/RegSO."""
    muni = scope.municipality
    out: dict = {"population": None, "population_year": None,
                 "municipality_population_year": None, "crimes": [], "kpis": [],
                 "areas": []}
    if muni is None:
        return out
    county, country = muni.code[:2], "00"
    year = population_year(session, scope, start, end)
    muni_row = _population_row(session, muni.code, end.year)
    muni_pop = muni_row[0] if muni_row else None
    out["population_year"] = year
    out["population"] = muni_pop
    out["municipality_population_year"] = muni_row[1] if muni_row else None
    rows = session.execute(
        select(CrimeStatistic.region_code, CrimeStatistic.crime_type,
               func.sum(CrimeStatistic.count).label("total"),
               func.sum(CrimeStatistic.per_100k).label("per_100k"),
               CrimeStatistic.period_kind)
        .where(CrimeStatistic.region_code.in_((muni.code, county, country)),
               crime_period_filter(start, end))
        .group_by(CrimeStatistic.region_code, CrimeStatistic.crime_type,
                  CrimeStatistic.period_kind)
        .order_by(CrimeStatistic.period_kind)).all()  # month before year: years win
    by_type: dict[str, dict] = {}
    for r in rows:
        entry = by_type.setdefault(r.crime_type, {"crime_type": r.crime_type})
        level = ("municipality" if r.region_code == muni.code
                 else "county" if r.region_code == county else "country")
        pop = muni_pop if level == "municipality" else _population(session, r.region_code,
                                                                   end.year)
        entry[level] = {"count": int(r.total),
                        "per_1000": _rate(int(r.total), r.per_100k, pop)}
    out["crimes"] = [by_type[k] for k in sorted(by_type) if "municipality" in by_type[k]]
    # Kolada's ids: a county is 00 + länskod ("0018"), the country "0000".
    k_county, k_country = f"00{county}", "0000"
    kpis = session.execute(
        select(KpiValue.kpi, KpiValue.kpi_title, KpiValue.region_code, KpiValue.year,
               KpiValue.value)
        .where(KpiValue.region_code.in_((muni.code, k_county, k_country)),
               KpiValue.year.between(start.year, end.year), KpiValue.gender == "T")
        .order_by(KpiValue.kpi, KpiValue.year)).all()
    by_kpi: dict[tuple[str, int], dict] = {}
    for k in kpis:
        entry = by_kpi.setdefault((k.kpi, k.year), {"kpi": k.kpi, "title": k.kpi_title,
                                                    "year": k.year})
        level = ("municipality" if k.region_code == muni.code
                 else "county" if k.region_code == k_county else "country")
        entry[level] = k.value
        entry["title"] = entry["title"] or k.kpi_title
    out["kpis"] = [v for v in by_kpi.values() if "municipality" in v]
    out["areas"] = _area_rates(session, scope, start, end, year)
    return out


def _area_rates(session: Session, scope: Scope, start: date, end: date,
                year: int | None) -> list[dict]:
    if year is None:
        return []
    lo, hi = scope.window(start, end)
    areas = session.execute(
        select(Area.id, Area.kind, Area.code, Area.name, Population.count.label("people"))
        .join(Population, (Population.region_code == Area.code)
              & (Population.region_kind == Area.kind) & (Population.year == year))
        .where(Area.id.in_(scope.ids), Area.kind.in_(("deso", "regso")))
        .order_by(Area.kind, Area.code)).all()
    out = []
    for a in areas:
        reports = session.scalar(
            select(func.count()).select_from(Report)
            .where(report_area_filter(scope), Report.occurred_at >= lo, Report.occurred_at < hi,
                   Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None),
                   func.ST_Intersects(Report.geom, select(Area.geom).where(Area.id == a.id)
                                      .scalar_subquery()))) or 0
        out.append({"kind": a.kind, "code": a.code, "name": a.name, "population": a.people,
                    "year": year, "reports": int(reports),
                    "per_1000": round(1000 * reports / a.people, 2) if a.people else None})
    return out


# -- police events --------------------------------------------------------------------------

def police_events(session: Session, scope: Scope, start: date, end: date) -> dict:
    """Return polisen.se events of the period counted by type (most frequent first)."""
    rows = session.execute(
        select(PoliceEvent.type, func.count().label("n"))
        .where(police_event_filter(scope, start, end))
        .group_by(PoliceEvent.type).order_by(func.count().desc(), PoliceEvent.type)).all()
    return {"total": sum(int(r.n) for r in rows),
            "by_type": [{"type": r.type, "count": int(r.n)} for r in rows],
            "precision_sv": POLICE_PRECISION_SV}


def recent_police_events(session: Session, area_id: int, start: date, end: date,
                         limit: int = 50, tz: str = DEFAULT_TZ) -> list[PoliceEvent]:
    """Return the latest polisen.se events of the area's municipality in the period."""
    scope = scope_of(session, area_id, tz)
    return list(session.scalars(
        select(PoliceEvent).where(police_event_filter(scope, start, end))
        .order_by(PoliceEvent.occurred_at.desc()).limit(limit)))
