"""Every input of a lägesbild with its period and n: what was used and what was lacking.

``declared_sources`` is what the lägesbild's "Underlag" table and the staff page ``/underlag``
show: one :class:`SourceSummary` per source in a fixed order, ``used=False`` with the Swedish
note "saknas för perioden" when the source has nothing for the area and period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from est import format as sv
from est.inputs.scope import DEFAULT_TZ, Scope, scope_of
from est.models import Report
from est.models.inputs import (
    CrimeStatistic,
    Dialogue,
    KpiValue,
    PoliceEvent,
    Population,
    Survey,
    SurveyResult,
    Walk,
    WalkObservation,
)
from est.queries import COUNTED_STATUSES

MISSING_NOTE = "saknas för perioden"
WALK_SOURCES = ("trygghetsvandring", "digital_vandring")
# Survey kind in the database → source key.
SURVEY_KEYS = {"polisens_trygghetsmatning": "trygghetsmatning", "ntu": "ntu",
               "kommun": "kommun_enkat"}
LABELS = {
    "reports": "Rapporter i EST",
    "trygghetsvandringar": "Trygghetsvandringar",
    "digital_vandring": "Digital trygghetsvandring",
    "dialoger": "Medborgar- och medarbetardialoger",
    "trygghetsmatning": "Polisens trygghetsmätning",
    "ntu": "Nationella trygghetsundersökningen (NTU)",
    "kommun_enkat": "Kommunens trygghetsenkät",
    "polisens_handelser": "Polisens händelser (polisen.se)",
    "bra_statistik": "Anmälda brott (Brå)",
    "kolada": "Nyckeltal (Kolada)",
    "scb_befolkning": "Befolkning per DeSO/RegSO (SCB)",
}
SOURCE_KEYS = tuple(LABELS)


@dataclass(frozen=True)
class SourceSummary:
    """One input of the lägesbild: whether it is present for the period, its n and period."""

    key: str
    label_sv: str
    used: bool
    n: int | None
    period_start: date | None
    period_end: date | None
    detail_sv: str


def declared_sources(session: Session, area_id: int, start: date, end: date,
                     tz: str = DEFAULT_TZ) -> list[SourceSummary]:
    """Return every input of area ``area_id`` for ``start`` … ``end`` (both inclusive).

    The order is :data:`SOURCE_KEYS`. Rows of the area's sub-areas count for the area;
    surveys and statistics of its municipality (or county) count for a district too.
    NotFound if the area does not exist.
    """
    scope = scope_of(session, area_id, tz)
    out: list[SourceSummary] = []
    for key in SOURCE_KEYS:
        out.append(_READERS[key](session, scope, start, end, key))
    return out


# -- one reader per source -------------------------------------------------------------------

def count(n: int, singular: str, plural: str) -> str:
    """Return "1 dialog", "2 dialoger": the number with the noun in the right number."""
    return f"{sv.number(n)} {singular if n == 1 else plural}"


def _missing(key: str, note: str = MISSING_NOTE) -> SourceSummary:
    return SourceSummary(key, LABELS[key], False, None, None, None, note)


def _summary(key: str, n: int | None, first: date | None, last: date | None,
             detail: str) -> SourceSummary:
    return SourceSummary(key, LABELS[key], True, n, first, last, detail)


def _day(scope: Scope, value) -> date | None:
    return value.astimezone(scope.zone).date() if value is not None else None


def report_area_filter(scope: Scope) -> ColumnElement[bool]:
    """Return the filter for reports of the scope's area (the lägesbild's rule)."""
    if scope.area.kind == "municipality":
        return Report.area_id == scope.area.id
    return func.ST_Intersects(Report.geom, scope.area.geom)


def _reports(session: Session, scope: Scope, start: date, end: date, key: str,
             source: str | None = None) -> tuple[int, date | None, date | None, int]:
    lo, hi = scope.window(start, end)
    conds = [Report.occurred_at >= lo, Report.occurred_at < hi, report_area_filter(scope),
             Report.status.in_(COUNTED_STATUSES), Report.duplicate_of.is_(None)]
    conds.append(Report.source == source if source else Report.source.not_in(WALK_SOURCES))
    n, first, last, campaigns = session.execute(
        select(func.count(), func.min(Report.occurred_at), func.max(Report.occurred_at),
               func.count(func.distinct(Report.campaign_id))).where(*conds)).one()
    return int(n), _day(scope, first), _day(scope, last), int(campaigns)


def _read_reports(session: Session, scope: Scope, start: date, end: date,
                  key: str) -> SourceSummary:
    n, first, last, _ = _reports(session, scope, start, end, key)
    if not n:
        return _missing(key)
    return _summary(key, n, first, last, count(n, "rapport", "rapporter"))


def _read_digital(session: Session, scope: Scope, start: date, end: date,
                  key: str) -> SourceSummary:
    n, first, last, campaigns = _reports(session, scope, start, end, key, "digital_vandring")
    if not n:
        return _missing(key)
    return _summary(key, n, first, last,
                    f"{count(n, 'markering', 'markeringar')} från invånare i "
                    f"{count(campaigns, 'kampanj', 'kampanjer')}")


def _read_walks(session: Session, scope: Scope, start: date, end: date,
                key: str) -> SourceSummary:
    lo, hi = scope.window(start, end)
    observations = (select(func.count()).where(WalkObservation.walk_id == Walk.id)
                    .correlate(Walk).scalar_subquery())
    rows = session.execute(
        select(Walk.starts_at, observations)
        .where(Walk.area_id.in_(scope.ids), Walk.starts_at >= lo, Walk.starts_at < hi)
        .where(or_(Walk.status != "planned", observations > 0))).all()
    if not rows:
        return _missing(key)
    n = sum(int(r[1]) for r in rows)
    days = [_day(scope, r[0]) for r in rows]
    walks = "vandring" if len(rows) == 1 else "vandringar"
    obs = "observation" if n == 1 else "observationer"
    return _summary(key, n, min(d for d in days if d), max(d for d in days if d),
                    f"{sv.number(len(rows))} {walks}, {sv.number(n)} {obs}")


def participant_count(participants: list | None) -> int | None:
    """Return the total of a dialogue's participant counts (None if no group has a count)."""
    counts = [p.get("count") for p in participants or [] if isinstance(p, dict)]
    known = [int(c) for c in counts if isinstance(c, int) and not isinstance(c, bool)]
    return sum(known) if known else None


def _read_dialogues(session: Session, scope: Scope, start: date, end: date,
                    key: str) -> SourceSummary:
    rows = session.execute(
        select(Dialogue.held_on, Dialogue.participants)
        .where(Dialogue.area_id.in_(scope.ids), Dialogue.held_on >= start,
               Dialogue.held_on <= end)).all()
    if not rows:
        return _missing(key)
    totals = [participant_count(r.participants) for r in rows]
    known = [t for t in totals if t is not None]
    n = sum(known) if known else None
    what = "dialog" if len(rows) == 1 else "dialoger"
    detail = f"{sv.number(len(rows))} {what}, {sv.number(n)} deltagare"
    if len(known) < len(rows):
        detail += f" (antal deltagare saknas för {sv.number(len(rows) - len(known))})"
    return _summary(key, n, min(r.held_on for r in rows), max(r.held_on for r in rows), detail)


def survey_filter(scope: Scope, start: date, end: date) -> ColumnElement[bool]:
    """Return the filter for surveys overlapping the period that concern the scope."""
    in_area = Survey.id.in_(select(SurveyResult.survey_id)
                            .where(SurveyResult.area_id.in_(scope.ids)))
    return and_(Survey.period_start <= end, Survey.period_end >= start,
                or_(Survey.area_id.in_(scope.ids + scope.ancestors), in_area))


def respondents(rows: list[tuple[str, int | None]]) -> int | None:
    """Return the respondents of a survey: per area label the largest n, summed."""
    best: dict[str, int] = {}
    for label, n in rows:
        if n is not None:
            best[label] = max(best.get(label, 0), n)
    return sum(best.values()) if best else None


def _survey_reader(kind: str) -> Callable[[Session, Scope, date, date, str], SourceSummary]:
    def read(session: Session, scope: Scope, start: date, end: date,
             key: str) -> SourceSummary:
        surveys = list(session.scalars(
            select(Survey).where(Survey.kind == kind, survey_filter(scope, start, end))
            .order_by(Survey.period_start)))
        if not surveys:
            return _missing(key)
        ids = [s.id for s in surveys]
        rows = session.execute(
            select(SurveyResult.survey_id, SurveyResult.area_label, SurveyResult.n,
                   SurveyResult.question).where(SurveyResult.survey_id.in_(ids))).all()
        per_survey = [respondents([(r.area_label, r.n) for r in rows if r.survey_id == i])
                      for i in ids]
        known = [p for p in per_survey if p is not None]
        n = sum(known) if known else None
        questions = len({r.question for r in rows})
        periods = ", ".join(sorted({_period_label(s.period_start, s.period_end)
                                    for s in surveys}))
        return _summary(key, n, min(s.period_start for s in surveys),
                        max(s.period_end for s in surveys),
                        f"{sv.number(len(rows))} resultat, {count(questions, 'fråga', 'frågor')}, "
                        f"n = {sv.number(n)} svarande ({periods})")
    return read


def _period_label(first: date, last: date) -> str:
    if first.month == 1 and first.day == 1 and last.month == 12 and last.day == 31:
        return str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
    return sv.period(first, last)


def _region_codes(scope: Scope) -> list[str]:
    return [scope.municipality.code] if scope.municipality is not None else []


def police_event_filter(scope: Scope, start: date, end: date) -> ColumnElement[bool]:
    """Return the filter for polisen.se events of the scope's municipality in the period.

    An event belongs to the municipality when its location name is the municipality's name
    or its (coarse) point lies inside the municipality.
    """
    lo, hi = scope.window(start, end)
    place = scope.municipality or scope.area
    return and_(PoliceEvent.occurred_at >= lo, PoliceEvent.occurred_at < hi,
                or_(func.lower(PoliceEvent.location_name) == place.name.lower(),
                    func.ST_Intersects(PoliceEvent.geom, place.geom)))


def _read_police(session: Session, scope: Scope, start: date, end: date,
                 key: str) -> SourceSummary:
    n, first, last, types = session.execute(
        select(func.count(), func.min(PoliceEvent.occurred_at), func.max(PoliceEvent.occurred_at),
               func.count(func.distinct(PoliceEvent.type)))
        .where(police_event_filter(scope, start, end))).one()
    if not n:
        return _missing(key)
    return _summary(key, int(n), _day(scope, first), _day(scope, last),
                    f"{count(int(n), 'händelse', 'händelser')} av "
                    f"{count(int(types), 'typ', 'typer')}; "
                    "platsen anges bara på kommun- eller länsnivå")


def crime_period_filter(start: date, end: date) -> ColumnElement[bool]:
    """Return the filter for Brå rows of the period: months in it, years overlapping it."""
    return or_(
        and_(CrimeStatistic.period_kind == "month", CrimeStatistic.period_start >= start,
             CrimeStatistic.period_start <= end),
        and_(CrimeStatistic.period_kind == "year",
             func.extract("year", CrimeStatistic.period_start).between(start.year, end.year)))


def _read_bra(session: Session, scope: Scope, start: date, end: date,
              key: str) -> SourceSummary:
    codes = _region_codes(scope)
    if not codes:
        return _missing(key, "saknas (området ligger inte i en kommun)")
    in_period = crime_period_filter(start, end)
    rows = session.execute(
        select(CrimeStatistic.crime_type, CrimeStatistic.period_kind,
               CrimeStatistic.period_start, CrimeStatistic.count.label("total"))
        .where(CrimeStatistic.region_code.in_(codes), in_period)).all()
    if not rows:
        return _missing(key)
    first = min(r.period_start for r in rows)
    last = max(_period_end(r.period_kind, r.period_start) for r in rows)
    types = len({r.crime_type for r in rows})
    n = sum(r.total for r in rows)
    return _summary(key, n, first, last,
                    f"{sv.number(n)} anmälda brott, {count(types, 'brottstyp', 'brottstyper')}")


def _period_end(kind: str, first: date) -> date:
    if kind == "year":
        return date(first.year, 12, 31)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _read_kolada(session: Session, scope: Scope, start: date, end: date,
                 key: str) -> SourceSummary:
    codes = _region_codes(scope)
    if not codes:
        return _missing(key, "saknas (området ligger inte i en kommun)")
    rows = session.execute(
        select(KpiValue.kpi, KpiValue.year)
        .where(KpiValue.region_code.in_(codes), KpiValue.year.between(start.year, end.year),
               KpiValue.value.is_not(None))).all()
    if not rows:
        return _missing(key)
    kpis = len({r.kpi for r in rows})
    first, last = min(r.year for r in rows), max(r.year for r in rows)
    return _summary(key, len(rows), date(first, 1, 1), date(last, 12, 31),
                    f"{count(len(rows), 'värde', 'värden')} för {sv.number(kpis)} nyckeltal")


def population_year(session: Session, scope: Scope, start: date, end: date) -> int | None:
    """Return the population year used for the period: the latest from start − 1 to end."""
    codes = _population_codes(session, scope)
    if not codes:
        return None
    return session.scalar(
        select(func.max(Population.year))
        .where(Population.region_code.in_(codes),
               Population.year.between(start.year - 1, end.year)))


def _population_codes(session: Session, scope: Scope) -> list[str]:
    from est.models import Area

    return list(session.scalars(select(Area.code).where(
        Area.id.in_(scope.ids), Area.kind.in_(("deso", "regso")))))


def _read_population(session: Session, scope: Scope, start: date, end: date,
                     key: str) -> SourceSummary:
    year = population_year(session, scope, start, end)
    if year is None:
        return _missing(key)
    codes = _population_codes(session, scope)
    rows = session.execute(
        select(Population.region_kind, Population.count.label("total"))
        .where(Population.region_code.in_(codes), Population.year == year)).all()
    deso = [r.total for r in rows if r.region_kind == "deso"]
    regso = [r.total for r in rows if r.region_kind == "regso"]
    parts = deso or regso
    n = sum(parts)
    kind = "DeSO" if deso else "RegSO"
    return _summary(key, n, date(year, 12, 31), date(year, 12, 31),
                    f"{sv.number(n)} invånare 31 dec {year} i {sv.number(len(parts))} "
                    f"{kind}-områden")


_READERS: dict[str, Callable[[Session, Scope, date, date, str], SourceSummary]] = {
    "reports": _read_reports,
    "trygghetsvandringar": _read_walks,
    "digital_vandring": _read_digital,
    "dialoger": _read_dialogues,
    "trygghetsmatning": _survey_reader("polisens_trygghetsmatning"),
    "ntu": _survey_reader("ntu"),
    "kommun_enkat": _survey_reader("kommun"),
    "polisens_handelser": _read_police,
    "bra_statistik": _read_bra,
    "kolada": _read_kolada,
    "scb_befolkning": _read_population,
}
