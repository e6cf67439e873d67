"""Swedish region codes: the country, the 21 counties (länskod) and municipalities by name."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from est.models import Area

COUNTRY_CODE = "00"
COUNTRY_NAMES = {"hela landet", "riket", "sverige", "totalt", "hela riket"}
COUNTIES = {
    "01": "Stockholms län", "03": "Uppsala län", "04": "Södermanlands län",
    "05": "Östergötlands län", "06": "Jönköpings län", "07": "Kronobergs län",
    "08": "Kalmar län", "09": "Gotlands län", "10": "Blekinge län", "12": "Skåne län",
    "13": "Hallands län", "14": "Västra Götalands län", "17": "Värmlands län",
    "18": "Örebro län", "19": "Västmanlands län", "20": "Dalarnas län",
    "21": "Gävleborgs län", "22": "Västernorrlands län", "23": "Jämtlands län",
    "24": "Västerbottens län", "25": "Norrbottens län",
}
_BY_COUNTY_NAME = {name.lower(): code for code, name in COUNTIES.items()}
_CODED = re.compile(r"^(\d{2}|\d{4})\s+(.+)$")


class RegionResolver:
    """Turn a region cell ("1861 Hallsberg", "Hallsberg", "Örebro län", "Riket") into a code."""

    def __init__(self, session: Session):
        self._municipalities: dict[str, str] = {}
        for code, name in session.execute(
                select(Area.code, Area.name).where(Area.kind == "municipality")):
            self._municipalities[name.lower()] = code

    def resolve(self, cell: str) -> tuple[str, str]:
        """Return (code, name); ValueError if the region is not known."""
        text = " ".join(str(cell).split())
        low = text.lower()
        if low in COUNTRY_NAMES or low == COUNTRY_CODE:
            return COUNTRY_CODE, "Riket"
        m = _CODED.match(text)
        if m:
            return m.group(1), m.group(2)
        if text.isdigit() and len(text) in (2, 4):
            return text, COUNTIES.get(text, text)
        if low in _BY_COUNTY_NAME:
            return _BY_COUNTY_NAME[low], text
        for candidate in (low, re.sub(r"s? kommun$", "", low), re.sub(r" kommun$", "", low)):
            if candidate in self._municipalities:
                return self._municipalities[candidate], text
        raise ValueError(f"region {text!r} is neither a known municipality (see `est areas "
                         "list`), a county, nor the country; write it as '1861 Hallsberg'")
