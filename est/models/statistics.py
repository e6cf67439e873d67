"""Official statistics kept as context for the lägesbild (issue 11, migration 0011).

``police_event`` (polisen.se's events API: context only, never in hot spot detection),
``crime_statistic`` (Brå anmälda brott), ``kpi_value`` (Kolada) and ``population`` (SCB per
DeSO/RegSO or municipality). DeSO/RegSO boundaries live in ``area`` (kind ``deso``/``regso``).
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from est.models.base import Base

PERIOD_KINDS = ("month", "year")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PoliceEvent(Base):
    """An event from polisen.se's events API: context only, never in hot spot detection."""

    __tablename__ = "police_event"
    __table_args__ = (
        Index("ix_police_event_occurred_at", "occurred_at"),
        CheckConstraint("occurred_at >= '2000-01-01'::timestamptz", name="occurred_at_min"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(100))
    location_name: Mapped[str] = mapped_column(String(200))
    # The location's centroid as polisen.se gives it: a municipality or county, not a site.
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class CrimeStatistic(Base):
    """Brå anmälda brott: a crime type × municipality (or county/country) × month or year."""

    __tablename__ = "crime_statistic"
    __table_args__ = (
        UniqueConstraint("region_code", "crime_type", "period_kind", "period_start",
                         name="uq_crime_statistic_key"),
        CheckConstraint(_in("period_kind", PERIOD_KINDS), name="period_kind"),
        CheckConstraint("count >= 0", name="count"),
        CheckConstraint("period_start >= '2000-01-01'::date", name="period_start_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kommunkod (4 digits), länskod (2 digits) or ``00`` for the whole country.
    region_code: Mapped[str] = mapped_column(String(8))
    region_name: Mapped[str] = mapped_column(String(200))
    crime_type: Mapped[str] = mapped_column(String(300))
    period_kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    per_100k: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100), default="Brå", server_default="Brå")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class KpiValue(Base):
    """A Kolada KPI value for a municipality (or county/country), year and gender."""

    __tablename__ = "kpi_value"
    __table_args__ = (
        UniqueConstraint("kpi", "region_code", "year", "gender", name="uq_kpi_value_key"),
        CheckConstraint("gender IN ('T', 'K', 'M')", name="gender"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(16))
    kpi_title: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(SmallInteger)
    gender: Mapped[str] = mapped_column(String(1), default="T", server_default="T")
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())


class Population(Base):
    """SCB population of a DeSO/RegSO (or municipality) for a year."""

    __tablename__ = "population"
    __table_args__ = (
        UniqueConstraint("region_kind", "region_code", "year", name="uq_population_key"),
        CheckConstraint("count >= 0", name="count"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_kind: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(SmallInteger)
    count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
