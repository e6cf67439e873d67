"""Change log of the report table, written by triggers: the review cache's data version."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Identity, Index, Integer, func
from sqlalchemy.orm import Mapped, mapped_column

from est.models.base import Base


class ReportChange(Base):
    """One statement's change to the reports of an area on a (UTC) day.

    Rows are appended by the statement-level triggers of migration 0012 on every INSERT,
    UPDATE and DELETE of ``report`` (one row per area and day the statement touched, the old
    and the new values of an update both), so no two writers ever wait for each other. The
    count and sum of ``id`` over an area's days is a version of those days' data: it changes
    with every committed change, in any commit order. :func:`est.review.cache.compact` keeps
    one row per area and day.
    """

    __tablename__ = "report_change"
    __table_args__ = (Index("ix_report_change_area_day", "area_id", "day", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    area_id: Mapped[int | None] = mapped_column(Integer)  # no FK: a log, areas may go
    day: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
