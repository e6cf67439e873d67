"""Who reads an aggregate, and how small counts are protected for them (one place).

Three audiences (see the privacy model in the README):

``internal``
    Staff of the EST group on the service's own pages and internal exports: exact counts.
``partner``
    Documents shared with partner organisations outside the service: a count of 1 … k-1
    reports is shown as ``<k`` (primary suppression); sums stay exact.
``public``
    Documents for anyone: ``<k`` and, where a published sum would let a reader subtract a
    hidden count back out, a second cell hidden as ``..`` (secondary suppression).

Maps follow the spatial rules for every audience (cells and hot spots with fewer than k
reports are left out); only the tables differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from est.errors import ValidationError

Audience = Literal["internal", "partner", "public"]
AUDIENCES: tuple[Audience, ...] = ("internal", "partner", "public")
AUDIENCE_LABELS = {
    "internal": "Intern (exakta antal, EST-gruppen)",
    "partner": "Samverkanspartner (antal under gränsen dolda)",
    "public": "Allmänheten (antal under gränsen och summor som avslöjar dem dolda)",
}


@dataclass(frozen=True)
class Protection:
    """How counts are published: minimum count ``k`` and whether sums are protected."""

    audience: Audience
    k: int
    secondary: bool

    @property
    def suppresses(self) -> bool:
        """Return True when some counts may be hidden."""
        return self.k > 1


def protection(audience: str, min_cell: int) -> Protection:
    """Return how counts are published for ``audience`` with minimum count ``min_cell``."""
    aud = parse_audience(audience)
    if min_cell < 1:
        raise ValidationError("Minsta antal per cell måste vara minst 1.", field="min_cell")
    if aud == "internal":
        return Protection(aud, 1, False)
    return Protection(aud, min_cell, aud == "public")


def parse_audience(value: str | None, default: Audience = "public") -> Audience:
    """Return ``value`` as an audience (``default`` when empty); 400 naming ``audience``."""
    text = (value or "").strip().lower() or default
    if text not in AUDIENCES:
        raise ValidationError(f"Okänd mottagare {value!r}; välj {', '.join(AUDIENCES)}.",
                              field="audience")
    return text  # type: ignore[return-value]


__all__ = ["AUDIENCES", "AUDIENCE_LABELS", "Audience", "Protection", "parse_audience",
           "protection"]
