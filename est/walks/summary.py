"""The walk report's content: facts, route, observations, ratings summary and proposals.

Built once (:func:`walk_report`) and rendered as the HTML page (web), a PDF (WeasyPrint) and a
DOCX (python-docx) by :mod:`est.walks.documents`. A rating nobody gave is "saknas", never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import format as sv
from est.models import Action, Area, Category, Organisation, Walk
from est.models.inputs import WALK_RATINGS
from est.services.actions import STATUS_LABELS as ACTION_STATUS_LABELS
from est.walks import rules
from est.walks.observations import observation_points
from est.walks.proposals import list_proposals
from est.walks.store import route_coords


@dataclass(frozen=True)
class RatingRow:
    """One CPTED parameter: how many rated it, the mean and the count per score 0–3."""

    key: str
    label: str
    n: int
    mean: float | None
    counts: tuple[int, int, int, int]

    @property
    def mean_text(self) -> str:
        """Return the mean with a decimal comma, or "saknas" when nobody rated it."""
        return sv.number(self.mean, 1)


@dataclass(frozen=True)
class ObservationRow:
    """An observation as the report lists it (WGS84 lon/lat)."""

    number: int
    id: int
    lon: float
    lat: float
    observed_at: datetime
    safety: int | None
    ratings: dict
    safe_place: bool
    problem: str
    note: str | None
    has_photo: bool
    photo_id: str | None
    report_id: str | None


@dataclass(frozen=True)
class ProposalRow:
    """A proposal with its observation number, owner and status (and the action made of it)."""

    id: int
    observation_number: int
    measure: str
    horizon: str
    organisation: str | None
    priority: int
    status: str
    reject_reason: str | None
    action_id: int | None
    action_status: str | None


@dataclass
class WalkReport:
    """Everything the walk report shows."""

    walk: Walk
    area_name: str
    organiser: str | None
    organisations: list[str]
    route: list[tuple[float, float]]
    observations: list[ObservationRow]
    ratings: list[RatingRow]
    safety_n: int
    safety_mean: float | None
    safety_counts: tuple[int, int, int, int, int]
    proposals: list[ProposalRow] = field(default_factory=list)
    tz: str = "Europe/Stockholm"

    @property
    def problem_count(self) -> int:
        """Return the number of observations that are problem places (counted as reports)."""
        return sum(1 for o in self.observations if not o.safe_place)

    @property
    def safe_count(self) -> int:
        """Return the number of safe place marks."""
        return sum(1 for o in self.observations if o.safe_place)

    def local(self, moment: datetime | None) -> str:
        """Return a time as ``2026-11-30 18:05`` local time ("saknas" without one)."""
        if moment is None:
            return "saknas"
        return moment.astimezone(ZoneInfo(self.tz)).strftime("%Y-%m-%d %H:%M")

    @property
    def when(self) -> str:
        """Return the walk's date and time span in local time."""
        start = self.local(self.walk.starts_at)
        if self.walk.ends_at is None:
            return f"{start}–(sluttid saknas)"
        end = self.local(self.walk.ends_at)
        return f"{start}–{end[11:]}" if end[:10] == start[:10] else f"{start} – {end}"

    @property
    def participant_lines(self) -> list[str]:
        """Return the participant profile as Swedish lines (counts only)."""
        p = self.walk.participants or {}
        lines = [f"Totalt: {sv.number(p.get('total'))}"]
        if "residents" in p:
            lines.append(f"Boende i området: {sv.number(p['residents'])}")
        age = p.get("age") or {}
        if age:
            lines.append("Ålder: " + ", ".join(f"{rules.AGE_LABELS[b]} {sv.number(age[b])}"
                                               for b in rules.AGE_BANDS if b in age))
        gender = p.get("gender") or {}
        if gender:
            lines.append("Kön: " + ", ".join(f"{rules.GENDER_LABELS[g]} {sv.number(gender[g])}"
                                             for g in rules.GENDERS if g in gender))
        return lines


def ratings_summary(observations: list[ObservationRow]) -> list[RatingRow]:
    """Return one row per CPTED parameter over the observations that rated it."""
    out = []
    for key in WALK_RATINGS:
        values = [o.ratings[key] for o in observations if key in (o.ratings or {})]
        counts = tuple(values.count(i) for i in range(4))
        out.append(RatingRow(key, rules.RATING_LABELS[key], len(values),
                             sum(values) / len(values) if values else None,
                             counts))  # type: ignore[arg-type]
    return out


def walk_report(session: Session, walk: Walk, tz: str = "Europe/Stockholm") -> WalkReport:
    """Collect a walk's report: facts, route, observations, ratings summary and proposals."""
    area = session.get(Area, walk.area_id)
    names = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    labels = dict(session.execute(select(Category.id, Category.label_sv)).all())
    rows: list[ObservationRow] = []
    numbers: dict[int, int] = {}
    for i, item in enumerate(observation_points(session, walk), start=1):
        o = item["observation"]
        numbers[o.id] = i
        if o.safe_place:
            problem = "Trygg plats"
        elif o.category_id is not None:
            problem = labels.get(o.category_id, "saknas")
        else:
            problem = ", ".join(labels.get(c, "saknas") for c in o.reason_ids) or \
                "Annat som känns otryggt"
        rows.append(ObservationRow(
            number=i, id=o.id, lon=item["lon"], lat=item["lat"], observed_at=o.observed_at,
            safety=o.safety, ratings=dict(o.ratings or {}), safe_place=o.safe_place,
            problem=problem, note=o.note, has_photo=o.photo_id is not None,
            photo_id=str(o.photo_id) if o.photo_id else None,
            report_id=str(o.report_id) if o.report_id else None))
    safety = [o.safety for o in rows if o.safety is not None]
    proposals = []
    for p in list_proposals(session, walk.id):
        action = session.get(Action, p.action_id) if p.action_id else None
        proposals.append(ProposalRow(
            id=p.id, observation_number=numbers.get(p.observation_id, 0), measure=p.measure,
            horizon=p.horizon,
            organisation=names.get(p.organisation_id) if p.organisation_id else None,
            priority=p.priority, status=p.status, reject_reason=p.reject_reason,
            action_id=p.action_id,
            action_status=ACTION_STATUS_LABELS.get(action.status) if action else None))
    return WalkReport(
        walk=walk, area_name=area.name if area else "saknas",
        organiser=names.get(walk.organiser_id) if walk.organiser_id else None,
        organisations=[names[i] for i in walk.organisation_ids or [] if i in names],
        route=route_coords(walk), observations=rows, ratings=ratings_summary(rows),
        safety_n=len(safety), safety_mean=sum(safety) / len(safety) if safety else None,
        safety_counts=tuple(safety.count(i) for i in range(1, 6)),  # type: ignore[arg-type]
        proposals=proposals, tz=tz)
