"""The EST group's working texts for a lägesbild not yet saved as a version (migration 0016).

One draft per area and period: the group's texts (consequences, costs, analysis, causes,
conclusions, what missing sources mean) and the group-edited list of planned changes
(construction, new businesses, population change). "Spara version" copies them into
``lagesbild_version``; the draft stays, so the next version starts from it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from est.models.base import Base


class LagesbildDraft(Base):
    """The group's texts and planned changes for the lägesbild of an area and period."""

    __tablename__ = "lagesbild_draft"
    __table_args__ = (
        UniqueConstraint("area_id", "period_start", "period_end",
                         name="uq_lagesbild_draft_period"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("period_start >= '2000-01-01'::date", name="period_start_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # {"consequences": …, "costs": …, "analysis": …, "causes": …, "conclusions": …,
    #  "source_gaps": …}
    texts: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # [{"kind": "byggnation", "text": …, "place": …, "when": …}, …]
    planned_changes: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
