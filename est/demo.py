"""Demo municipality (Hallsberg, kommunkod 1861) and a year of synthetic, seeded reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from est.db import transaction
from est.models import Area, Category, Organisation, Report
from est.models.core import new_receipt_ref
from est.services.categories import seed_categories

DEMO_CODE = "1861"
DEMO_NAME = "Hallsberg"
DEMO_KEY_PREFIX = "demo:"
DEMO_UUID_NAMESPACE = uuid.UUID("6f1c2f0e-3b7a-4d1e-9a55-186118611861")
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# A hand-generalised outline of Hallsberg municipality (WGS84 lon/lat, about 1-2 km accuracy).
# It is the project's own demo boundary; real boundaries are imported with `est areas import`.
HALLSBERG_OUTLINE = (
    (14.72, 59.03), (14.80, 59.075), (14.91, 59.09), (15.03, 59.085), (15.10, 59.10),
    (15.16, 59.10), (15.28, 59.095), (15.31, 59.155), (15.38, 59.155), (15.46, 59.06),
    (15.56, 58.96),
    (15.59, 58.91), (15.55, 58.87), (15.45, 58.85), (15.41, 58.805), (15.33, 58.89),
    (15.26, 58.945), (15.17, 58.99), (15.09, 59.02), (14.89, 59.01), (14.73, 58.975),
    (14.75, 59.00), (14.72, 59.03),
)

# Towns used as districts: (code, name, lon, lat, half side of the district box in metres).
DEMO_DISTRICTS = (
    ("1861-01", "Hallsberg tätort", 15.1100, 59.0663, 2200),
    ("1861-02", "Pålsboda", 15.3350, 59.0650, 1200),
    ("1861-03", "Vretstorp", 14.8720, 59.0300, 1000),
    ("1861-04", "Östansjö", 15.0060, 59.0460, 900),
    ("1861-05", "Sköllersta", 15.3450, 59.1350, 900),
)

# Named places for reporting without a map: (name, lon, lat).
DEMO_PLACES = (
    ("Hallsbergs resecentrum", 15.1122, 59.0651),
    ("Torget, Hallsberg", 15.1088, 59.0672),
    ("Alléskolan", 15.1040, 59.0690),
    ("Gångtunneln vid järnvägen", 15.1160, 59.0638),
    ("Folkets park, Hallsberg", 15.1000, 59.0620),
    ("Pålsboda station", 15.3338, 59.0654),
    ("Vretstorp centrum", 14.8720, 59.0300),
    ("Östansjö centrum", 15.0060, 59.0460),
)

DEMO_ORGANISATIONS = (
    ("Hallsbergs kommun", "kommun"),
    ("Polisen, lokalpolisområde Hallsberg", "polis"),
    ("Hallbo AB", "bostadsbolag"),
    ("Alléskolan", "skola"),
    ("Socialtjänsten Hallsberg", "socialtjanst"),
    ("Trygghetsvärdar och väktare", "vaktare"),
    ("Fritidsgården Hallsberg", "fritid"),
)

# Weekday (Mon..Sun) and hour (0..23) weight profiles.
PROFILES = {
    "mixed": ([1, 1, 1, 1.1, 1.3, 1.4, 1.1],
              [1, .6, .4, .3, .3, .4, .7, 1, 1.2, 1.2, 1.2, 1.3, 1.4, 1.4, 1.5, 1.7, 1.9, 2,
               2, 2, 2, 1.8, 1.5, 1.2]),
    "night_weekend": ([.6, .6, .7, .9, 1.8, 2.2, 1.0],
                      [2.5, 2.2, 1.6, 1, .5, .2, .2, .3, .3, .3, .3, .3, .4, .4, .5, .6, .8, 1,
                       1.3, 1.6, 2, 2.4, 2.7, 2.8]),
    "school": ([1.5, 1.5, 1.5, 1.5, 1.3, .5, .4],
               [.1, .1, .1, .1, .1, .1, .2, .4, .6, .6, .7, .8, 1.2, 1.5, 1.8, 2.2, 2.5, 2.6,
                2.4, 2.2, 2, 1.5, .8, .3]),
    "evening": ([.8, .8, .9, 1, 1.5, 1.8, 1.2],
                [.8, .5, .3, .2, .1, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.2, 1.5, 1.9,
                 2.3, 2.6, 2.7, 2.5, 2, 1.4]),
    "otrygghet": ([1, 1, 1, 1, 1.2, 1.3, 1.1],
                  [1.5, 1, .6, .4, .4, .5, .8, 1, .8, .5, .4, .4, .4, .4, .5, .7, 1.1, 1.6,
                   2.2, 2.6, 2.7, 2.5, 2.2, 1.9]),
}


@dataclass(frozen=True)
class Group:
    """A population of synthetic reports around one place."""

    name: str
    lon: float
    lat: float
    sigma_m: float
    n: int
    categories: dict[str, float]
    profile: str
    last_days: int | None = None  # only in the last N days (a new hot spot)
    kind: str = "incident"


INCIDENT_MIX = {"skadegorelse": .2, "klotter": .14, "nedskrapning": .14, "ordningsstorning": .12,
                "stold": .15, "inbrott": .08, "narkotika": .05, "trafik": .05, "vald_hot": .03,
                "ovrigt": .04}
OTRYGG_MIX = {"belysning": .35, "skymd_sikt": .2, "folksamling": .15, "ode_plats": .15,
              "otrygg_nedskrapning": .15}

GROUPS = (
    # Town-centre and village background: dense but even, not hot spots.
    Group("Hallsberg tätort", 15.1100, 59.0663, 700, 5200, INCIDENT_MIX, "mixed"),
    Group("Pålsboda", 15.3350, 59.0650, 400, 900, INCIDENT_MIX, "mixed"),
    Group("Vretstorp", 14.8720, 59.0300, 350, 500, INCIDENT_MIX, "mixed"),
    Group("Östansjö", 15.0060, 59.0460, 300, 350, INCIDENT_MIX, "mixed"),
    Group("Sköllersta", 15.3450, 59.1350, 300, 250, INCIDENT_MIX, "mixed"),
    Group("Landsbygd", 0, 0, 0, 400, {"inbrott": .4, "stold": .35, "brand": .1, "ovrigt": .15},
          "mixed"),
    # Persistent, compact hot spots.
    Group("Hallsbergs resecentrum", 15.1122, 59.0651, 35, 900,
          {"skadegorelse": .35, "klotter": .3, "ordningsstorning": .25, "narkotika": .1},
          "night_weekend"),
    Group("Alléskolans skolgård", 15.1040, 59.0690, 40, 650,
          {"klotter": .35, "skadegorelse": .35, "nedskrapning": .2, "ordningsstorning": .1},
          "school"),
    Group("Torget", 15.1088, 59.0672, 35, 600,
          {"ordningsstorning": .4, "narkotika": .25, "nedskrapning": .2, "skadegorelse": .15},
          "evening"),
    Group("Pålsboda station", 15.3338, 59.0654, 35, 250,
          {"skadegorelse": .5, "klotter": .3, "ordningsstorning": .2}, "night_weekend"),
    # New hot spots of the last weeks.
    Group("Folkets park", 15.1000, 59.0620, 30, 45,
          {"narkotika": .5, "ordningsstorning": .3, "nedskrapning": .2}, "evening", last_days=21),
    Group("Vretstorp centrum", 14.8720, 59.0300, 30, 32,
          {"skadegorelse": .6, "stold": .4}, "night_weekend", last_days=14),
    # Otrygghet: spread over the town, and one tight place (the railway underpass).
    Group("Otrygghet tätort", 15.1100, 59.0663, 600, 500, OTRYGG_MIX, "otrygghet",
          kind="otrygghet"),
    Group("Gångtunneln", 15.1160, 59.0638, 30, 150,
          {"belysning": .45, "ode_plats": .3, "skymd_sikt": .25}, "otrygghet", kind="otrygghet"),
)

# Which organisation kinds report which categories (the rest comes from the public).
SOURCE_BY_CATEGORY = {
    "klotter": ("kommun", "bostadsbolag", "skola"),
    "skadegorelse": ("bostadsbolag", "kommun", "skola", "vaktare"),
    "nedskrapning": ("kommun", "fritid"),
    "ordningsstorning": ("polis", "vaktare", "fritid"),
    "narkotika": ("polis", "socialtjanst"),
    "inbrott": ("polis", "bostadsbolag"),
    "stold": ("polis", "vaktare"),
    "brand": ("kommun", "polis"),
    "vald_hot": ("polis",),
    "trafik": ("polis", "kommun"),
}


def demo_outline() -> MultiPolygon:
    """Return the demo boundary of Hallsberg (WGS84)."""
    return MultiPolygon([Polygon(HALLSBERG_OUTLINE)])


def district_box(lon: float, lat: float, half_m: float) -> MultiPolygon:
    """Return a square district of ``2 * half_m`` metres around a WGS84 point."""
    dy = half_m / 110_574.0
    dx = half_m / (111_320.0 * np.cos(np.radians(lat)))
    return MultiPolygon([box(lon - dx, lat - dy, lon + dx, lat + dy)])


@dataclass(frozen=True)
class DemoResult:
    """Counts of what ``load_demo`` wrote."""

    reports: int
    otrygghet: int
    pending: int
    start: date
    end: date


def generate_reports(today: date, seed: int = 1861) -> list[dict]:
    """Return a year of synthetic reports ending the day before ``today`` (deterministic)."""
    rng = np.random.default_rng(seed)
    outline = demo_outline()
    start = today - timedelta(days=365)
    rows: list[dict] = []
    for group in GROUPS:
        lon, lat = _place_points(rng, group, outline)
        days = _sample_days(rng, group, start, len(lon))
        weekday_w, hour_w = PROFILES[group.profile]
        hours = rng.choice(24, size=len(lon), p=np.array(hour_w) / np.sum(hour_w))
        minutes = rng.integers(0, 60, size=len(lon))
        codes = list(group.categories)
        probs = np.array(list(group.categories.values()))
        cats = rng.choice(len(codes), size=len(lon), p=probs / probs.sum())
        precision_draw = rng.random(len(lon))
        window_hours = rng.integers(1, 12, size=len(lon))
        for i in range(len(lon)):
            local = datetime.combine(days[i], time(int(hours[i]), int(minutes[i])),
                                     tzinfo=STOCKHOLM)
            precision = "exact" if precision_draw[i] < 0.86 else (
                "window" if precision_draw[i] < 0.95 else "unknown")
            rows.append({
                "group": group.name,
                "kind": group.kind,
                "category": codes[cats[i]],
                "lon": round(float(lon[i]), 6),
                "lat": round(float(lat[i]), 6),
                "occurred_at": local,
                "occurred_until": local + timedelta(hours=int(window_hours[i]))
                if precision == "window" else None,
                "time_precision": precision,
            })
    rows.sort(key=lambda r: (r["occurred_at"], r["lon"], r["lat"]))
    _assign_sources(rng, rows, today)
    return rows


def load_demo(session: Session, today: date | None = None, seed: int = 1861) -> DemoResult:
    """Create the demo municipality, districts and organisations and (re)load its reports."""
    today = today or datetime.now(STOCKHOLM).date()
    seed_categories(session)
    rows = generate_reports(today, seed)
    with transaction(session):
        area = _upsert_area(session, "municipality", DEMO_CODE, DEMO_NAME, demo_outline(), None)
        for code, name, lon, lat, half in DEMO_DISTRICTS:
            _upsert_area(session, "district", code, name, district_box(lon, lat, half), area.id)
        orgs = _upsert_organisations(session, area.id)
        categories = {c.code: c for c in session.scalars(select(Category))}
        session.execute(delete(Report).where(Report.idempotency_key.like(f"{DEMO_KEY_PREFIX}%")))
        session.flush()
        _copy_reports(session, rows, area.id, orgs, categories, seed)
    from est.demo_plans import load_demo_plan

    load_demo_plan(session, area.id, today)
    return DemoResult(
        reports=len(rows),
        otrygghet=sum(r["kind"] == "otrygghet" for r in rows),
        pending=sum(r["status"] == "pending" for r in rows),
        start=today - timedelta(days=365),
        end=today - timedelta(days=1),
    )


# -- generation helpers ----------------------------------------------------------------------

def _place_points(rng, group: Group, outline: MultiPolygon) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``group.n`` points inside the outline (rejection sampling keeps the seed stable)."""
    lon = np.empty(0)
    lat = np.empty(0)
    while lon.size < group.n:
        if group.sigma_m == 0:  # uniform over the municipality
            minx, miny, maxx, maxy = outline.bounds
            x = rng.uniform(minx, maxx, group.n * 3)
            y = rng.uniform(miny, maxy, group.n * 3)
        else:
            y = group.lat + rng.normal(0, group.sigma_m, group.n) / 110_574.0
            x = group.lon + rng.normal(0, group.sigma_m, group.n) / (
                111_320.0 * np.cos(np.radians(group.lat)))
        inside = shapely.contains_xy(outline, x, y)
        lon = np.concatenate([lon, x[inside]])
        lat = np.concatenate([lat, y[inside]])
    return lon[: group.n], lat[: group.n]


def _sample_days(rng, group: Group, start: date, n: int) -> list[date]:
    span = group.last_days or 365
    first = start + timedelta(days=365 - span)
    days = [first + timedelta(days=d) for d in range(span)]
    weekday_w = PROFILES[group.profile][0]
    season = np.array([1 + 0.3 * np.sin((d.timetuple().tm_yday - 80) / 365 * 2 * np.pi)
                       for d in days])
    if group.kind == "otrygghet":  # dark evenings: more otrygghet in autumn and winter
        season = 2.0 - season
    if group.profile == "school":  # summer holiday
        season = season * np.array([0.2 if d.month == 7 else 1.0 for d in days])
    weights = season * np.array([weekday_w[d.weekday()] for d in days])
    idx = rng.choice(span, size=n, p=weights / weights.sum())
    return [days[i] for i in idx]


def _assign_sources(rng, rows: list[dict], today: date) -> None:
    recent = datetime.combine(today - timedelta(days=4), time(0), tzinfo=STOCKHOLM)
    for row in rows:
        orgs = SOURCE_BY_CATEGORY.get(row["category"])
        public = orgs is None or rng.random() < 0.2
        if public or orgs is None:  # no orgs implies public; said again to narrow `orgs`
            row["source"] = "public"
            row["org_kind"] = None
            row["status"] = "pending" if row["occurred_at"] >= recent and rng.random() < 0.3 \
                else "published"
        else:
            row["source"] = "organisation"
            row["org_kind"] = orgs[int(rng.integers(len(orgs)))]
            row["status"] = "reviewed"
        row["severity"] = None if public else int(rng.integers(1, 4))


# -- persistence helpers ---------------------------------------------------------------------

def _upsert_area(session: Session, kind: str, code: str, name: str, geom: MultiPolygon,
                 parent_id: int | None) -> Area:
    area = session.scalar(select(Area).where(Area.kind == kind, Area.code == code))
    if area is None:
        area = Area(kind=kind, code=code)
        session.add(area)
    area.name = name
    area.parent_id = parent_id
    area.geom = from_shape(geom, srid=4326)
    session.flush()
    return area


def _upsert_organisations(session: Session, area_id: int) -> dict[str, int]:
    by_kind: dict[str, int] = {}
    for name, kind in DEMO_ORGANISATIONS:
        org = session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            # Demo organisations share their reports on the public map (public_opt_in).
            org = Organisation(name=name, kind=kind, area_id=area_id, public_opt_in=True)
            session.add(org)
            session.flush()
        by_kind.setdefault(kind, org.id)
    return by_kind


def _copy_reports(session: Session, rows: list[dict], area_id: int, orgs: dict[str, int],
                  categories: dict[str, Category], seed: int) -> None:
    """Bulk-load reports and otrygghet reasons with COPY (10k rows in well under a second)."""
    cursor = session.connection().connection.cursor()
    columns = ("id, kind, category_id, geom, area_id, occurred_at, occurred_until, "
               "time_precision, reported_at, source, organisation_id, status, visibility, "
               "severity, idempotency_key, receipt_ref")
    reasons = []
    now = datetime.now(UTC)
    with cursor.copy(f"COPY report ({columns}) FROM STDIN") as copy:
        for i, row in enumerate(rows):
            rid = uuid.uuid5(DEMO_UUID_NAMESPACE, f"{seed}:{i}")
            category = categories[row["category"]]
            # Received half an hour later, but never in the future (just after midnight).
            reported = min((row["occurred_until"] or row["occurred_at"]) + timedelta(minutes=30),
                           now)
            copy.write_row((
                rid, row["kind"], category.id, f"SRID=4326;POINT({row['lon']} {row['lat']})",
                area_id, row["occurred_at"], row["occurred_until"], row["time_precision"],
                reported, row["source"], orgs.get(row["org_kind"]) if row["org_kind"] else None,
                row["status"], "public" if row["status"] == "published" else "staff",
                row["severity"], f"{DEMO_KEY_PREFIX}{seed}:{i}", new_receipt_ref(),
            ))
            if row["kind"] == "otrygghet":
                reasons.append((rid, category.id))
    with cursor.copy("COPY report_reason (report_id, category_id) FROM STDIN") as copy:
        for rid, cid in reasons:
            copy.write_row((rid, cid))
