"""Operators' tables (migration 0014): account tokens, settings, notification preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from est.models.base import Base

TOKEN_KINDS = ("invite", "reset")
# What a staff member can be told about (est.services.notifications).
NOTIFICATION_KINDS = ("moderation", "actions_due", "agenda")


class AccountToken(Base):
    """A single-use, time-limited link token (invitation or password reset); only its hash."""

    __tablename__ = "account_token"
    __table_args__ = (
        CheckConstraint("kind IN ('invite', 'reset')", name="kind"),
        Index("ix_account_token_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    """An operator's setting (retention days, minimum cell …) overriding the environment."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))


class NotificationPreference(Base):
    """Which staff notifications a person wants on the start page and by e-mail."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    on_page: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    by_mail: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    last_mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
