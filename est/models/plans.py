"""The law's lägesbild versions, the åtgärdsplan and the activity library (issue 12, 0011).

Lag (2023:196) asks for a lägesbild (4 §), a decided åtgärdsplan and coordination.

- ``lagesbild_version``: a saved, dated lägesbild: the figures frozen as JSON with the data
  fingerprint they were built from, the group's texts (analysis, conclusions,
  consequences), the sources declared, and the decision record.
- ``action_plan`` (Brå's template): numbered causes (``plan_cause``, each linked to a
  lägesbild finding), and for each cause the measures (``plan_row``: indicator and target,
  when, who, follow-up judgement) with their actions (``plan_row_action``).
- ``activity_pattern``: the library of concrete activities (from real medborgarlöften and
  Brå's guidance) that promise drafts pick from; users may add their own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from est.models.base import Base

VERSION_STATUSES = ("saved", "decided")
PLAN_STATUSES = ("draft", "decided", "closed")
# What a cause is linked to in the lägesbild.
CAUSE_LINKS = ("lineage", "category_trend", "survey_result", "walk_observation",
               "dialogue", "statistic", "other")
JUDGEMENTS = ("green", "yellow", "red")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LagesbildVersion(Base):
    """A saved lägesbild: frozen figures, the fingerprint, the group's texts, the decision."""

    __tablename__ = "lagesbild_version"
    __table_args__ = (
        UniqueConstraint("area_id", "number", name="uq_lagesbild_version_number"),
        CheckConstraint(_in("status", VERSION_STATUSES), name="status"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("period_start >= '2000-01-01'::date", name="period_start_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    fingerprint: Mapped[str] = mapped_column(String(128))
    # The built lägesbild as JSON (every figure shown), frozen at save time.
    figures: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # The group's texts: {"consequences": …, "other": …, "analysis": …, "conclusions": …}.
    texts: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # [{"source": "reports", "used": true, "period": […], "n": 812, "note": …}, …]
    sources: Mapped[list] = mapped_column(JSONB, default=list, server_default="[]")
    status: Mapped[str] = mapped_column(String(16), default="saved", server_default="saved")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ActionPlan(Base):
    """An åtgärdsplan of one municipality for a period, built on a lägesbild version."""

    __tablename__ = "action_plan"
    __table_args__ = (
        CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("period_start >= '2000-01-01'::date", name="period_start_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    lagesbild_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("lagesbild_version.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    causes: Mapped[list[PlanCause]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanCause.number")


class PlanCause(Base):
    """Orsak: a numbered cause linked to a lägesbild finding (``link_kind`` + ``link_ref``)."""

    __tablename__ = "plan_cause"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_cause_number"),
        CheckConstraint(_in("link_kind", CAUSE_LINKS), name="link_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    link_kind: Mapped[str] = mapped_column(String(20), default="other", server_default="other")
    # The finding's key: a lineage UUID, a category code, a survey_result/observation id …
    link_ref: Mapped[str | None] = mapped_column(String(100))
    link_label: Mapped[str | None] = mapped_column(String(300))

    plan: Mapped[ActionPlan] = relationship(back_populates="causes")
    rows: Mapped[list[PlanRow]] = relationship(
        back_populates="cause", cascade="all, delete-orphan", order_by="PlanRow.position")


plan_row_action = Table(
    "plan_row_action",
    Base.metadata,
    Column("plan_row_id", Integer, ForeignKey("plan_row.id", ondelete="CASCADE"),
           primary_key=True),
    Column("action_id", Integer, ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
)


class PlanRow(Base):
    """Åtgärd → Operativt mål → När → Vem → Uppföljning, for one cause."""

    __tablename__ = "plan_row"
    __table_args__ = (
        CheckConstraint("judgement IS NULL OR " + _in("judgement", JUDGEMENTS),
                        name="judgement"),
        CheckConstraint("due_on IS NULL OR starts_on IS NULL OR due_on >= starts_on",
                        name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cause_id: Mapped[int] = mapped_column(ForeignKey("plan_cause.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    measure: Mapped[str] = mapped_column(Text)
    # Operativt mål: an indicator (e.g. "count_per_month:skadegorelse@lineage") and a target.
    indicator: Mapped[str] = mapped_column(String(300))
    indicator_kind: Mapped[str | None] = mapped_column(String(32))
    indicator_ref: Mapped[str | None] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(300))
    target_value: Mapped[float | None] = mapped_column(Float)
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    contact_role: Mapped[str | None] = mapped_column(String(200))
    regular_work: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promise.id", ondelete="SET NULL"))
    activity_pattern_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity_pattern.id", ondelete="SET NULL"))
    judgement: Mapped[str | None] = mapped_column(String(8))
    judgement_note: Mapped[str | None] = mapped_column(Text)

    cause: Mapped[PlanCause] = relationship(back_populates="rows")


class ActivityPattern(Base):
    """A concrete activity a promise can commit to, with its theme, parties and indicator."""

    __tablename__ = "activity_pattern"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    theme: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # Organisation kinds that usually carry it (kommun, polis, skola, …).
    parties: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list,
                                               server_default="{}")
    indicator: Mapped[str] = mapped_column(String(300))
    # Category codes or place kinds this activity fits, to pick it for a finding.
    fits: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")
    source: Mapped[str | None] = mapped_column(String(300))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
