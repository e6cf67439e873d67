"""The activity library (``activity_pattern``): concrete activities promises commit to.

Built-in patterns come from real medborgarlöften and Brå's guidance (migration 0017); the
EST group adds its own (``actions`` permission). A pattern fits findings by category code,
``hotspot``, ``otrygghet``, ``skola`` or ``est``.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from est import access
from est.db import transaction
from est.errors import PermissionDenied, ValidationError
from est.models import Organisation
from est.models.core import ORGANISATION_KINDS
from est.models.plans import ActivityPattern
from est.plans import indicators
from est.plans.text import text

THEME_MAX = 200
TEXT_MAX = 2000
SOURCE_MAX = 300
CODE_RE = re.compile(r"[^a-z0-9]+")
PARTY_SV = {"kommun": "Kommunen", "polis": "Polisen", "bostadsbolag": "Bostadsbolaget",
            "skola": "Skolan", "socialtjanst": "Socialtjänsten", "vaktare": "Väktarbolaget",
            "fritid": "Fritidsförvaltningen", "annan": "Annan part"}


def list_patterns(session: Session, *, active_only: bool = True) -> list[ActivityPattern]:
    """Return the library, built-ins first, then by theme."""
    stmt = select(ActivityPattern)
    if active_only:
        stmt = stmt.where(ActivityPattern.active)
    return list(session.scalars(stmt.order_by(ActivityPattern.builtin.desc(),
                                              ActivityPattern.theme, ActivityPattern.id)))


def fitting(patterns: list[ActivityPattern], keys: list[str]) -> list[ActivityPattern]:
    """Return the patterns whose ``fits`` share a key with ``keys``, best match first."""
    scored = [(len(set(p.fits or []) & set(keys)), i, p) for i, p in enumerate(patterns)]
    return [p for score, _i, p in sorted(scored, key=lambda t: (-t[0], t[1])) if score]


def add_pattern(session: Session, actor, data: dict) -> ActivityPattern:
    """Add the group's own activity (``actions`` permission); ValidationError names fields."""
    if not access.can(actor, "action.manage"):
        raise PermissionDenied("Bara samordnare och administratörer lägger till aktiviteter.")
    errors: dict[str, str] = {}
    theme = text(data, "theme", errors, max_len=THEME_MAX, required="Ange ett tema.")
    body = text(data, "text", errors, max_len=TEXT_MAX,
                required="Beskriv aktiviteten (fortsätter ”… lovar att”).")
    source = text(data, "source", errors, max_len=SOURCE_MAX)
    parties = [p for p in (data.get("parties") or []) if p]
    if not parties:
        errors["parties"] = "Välj minst en part."
    elif set(parties) - set(ORGANISATION_KINDS):
        errors["parties"] = "Okänd part."
    spec = indicators.parse_spec(data.get("indicator"))
    if spec is None:
        errors["indicator"] = "Välj en indikator."
    elif spec.codes and indicators.unknown_codes(session, spec.codes):
        errors["indicator"] = "Okänd kategori i indikatorn."
    fits = [f.strip() for f in str(data.get("fits") or "").split(",") if f.strip()]
    if len(fits) > 20 or any(len(f) > 64 or "\x00" in f for f in fits):
        errors["fits"] = "Högst 20 nyckelord om högst 64 tecken."
    if errors:
        raise ValidationError(errors)
    assert spec is not None and theme and body
    with transaction(session):
        base = "egen_" + (CODE_RE.sub("_", theme.lower()).strip("_")[:40] or "aktivitet")
        code, i = base, 2
        while session.scalar(select(ActivityPattern.id).where(ActivityPattern.code == code)):
            code, i = f"{base}_{i}", i + 1
        pattern = ActivityPattern(code=code, theme=theme, text=body, parties=parties,
                                  indicator=spec.text(), fits=fits, source=source,
                                  builtin=False, active=True)
        session.add(pattern)
        session.flush()
    return pattern


def set_active(session: Session, actor, pattern_id: int, active: bool) -> ActivityPattern:
    """Hide or show a pattern in the choices (built-ins too; nothing is deleted)."""
    if not access.can(actor, "action.manage"):
        raise PermissionDenied("Bara samordnare och administratörer ändrar aktiviteter.")
    with transaction(session):
        pattern = session.get(ActivityPattern, pattern_id)
        if pattern is None:
            raise ValidationError("Okänd aktivitet.", field="pattern_id")
        pattern.active = active
    return pattern


def party_names(session: Session, area_id: int, kinds: list[str]) -> list[str]:
    """Return the area's organisation names for party kinds (a generic name if none)."""
    orgs: dict[str, str] = {}
    for o in session.scalars(select(Organisation).where(Organisation.area_id == area_id)
                             .order_by(Organisation.id)):
        orgs.setdefault(o.kind, o.name)
    return [orgs.get(k) or PARTY_SV.get(k, k) for k in kinds]
