"""The lägesbild document: sections of text, tables and charts, already privacy-protected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from est.lagesbild.suppress import Hidden

Cell = int | float | str | Hidden | None
TableRow = list[Cell]


@dataclass
class Table:
    """A table of published values (counts are ``int`` or :class:`Hidden`)."""

    key: str
    title: str
    columns: list[str]
    rows: list[TableRow]
    note: str = ""


@dataclass
class Chart:
    """A chart rendered to PNG."""

    key: str
    title: str
    png: bytes
    alt: str = ""


@dataclass
class Section:
    """A titled section: paragraphs, then tables and charts."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    # The part of the law's structure the section belongs to ("1. Kartläggning" …); empty
    # for documents without parts (a promise draft, the bare build).
    part: str = ""


@dataclass
class Facts:
    """Published figures a medborgarlöfte draft is built from."""

    total: Cell = 0
    previous_total: Cell = 0
    last_year_total: Cell = 0
    top_categories: list[dict] = field(default_factory=list)
    growing_categories: list[dict] = field(default_factory=list)
    hotspots: list[dict] = field(default_factory=list)
    otrygghet_places: list[dict] = field(default_factory=list)
    otrygghet_reasons: list[dict] = field(default_factory=list)


@dataclass
class Lagesbild:
    """A lägesbild of one area for ``start`` … ``end`` (both dates inclusive, local time)."""

    area_code: str
    area_name: str
    start: date
    end: date
    min_cell: int
    generated_on: date
    sections: list[Section]
    geojson: dict
    facts: Facts
    outline: dict | None = None
    audience: str = "public"

    @property
    def title(self) -> str:
        """Return the document title."""
        return f"Lägesbild {self.area_name} {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def subtitle(self) -> str:
        """Return the line under the title (who the document is for)."""
        line = (f"Område {self.area_name} ({self.area_code}). Framtagen "
                f"{self.generated_on:%Y-%m-%d} med EST lägesbild. ")
        if self.audience == "internal":
            return line + "Internt underlag för EST-gruppen: exakta antal."
        reader = "samverkanspartner" if self.audience == "partner" else "allmänheten"
        return line + f"För {reader}: antal under {self.min_cell} visas inte."

    def section(self, key: str) -> Section:
        """Return the section with ``key``."""
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        """Return the table with ``key`` from any section."""
        return next(t for s in self.sections for t in s.tables if t.key == key)
