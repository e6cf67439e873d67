"""Core tables: areas, organisations, users, categories and reports."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from est.models.base import Base

ROLES = ("admin", "coordinator", "reporter", "viewer")
ORGANISATION_KINDS = (
    "kommun", "polis", "bostadsbolag", "skola", "socialtjanst", "vaktare", "fritid", "annan",
)
REPORT_KINDS = ("incident", "otrygghet")
# ``trygghetsvandring``: a safety-walk observation; ``digital_vandring``: a pin from a public
# digital walk (issue 11, migration 0011).
REPORT_SOURCES = ("public", "organisation", "import", "api", "trygghetsvandring",
                  "digital_vandring")
REPORT_STATUSES = ("pending", "published", "rejected", "new", "reviewed", "closed")
# ``unknown``: a date without a time; ``day``: dated to the day; ``month``: dated to the month.
TIME_PRECISIONS = ("exact", "window", "recurring", "unknown", "day", "month")
# No time or date a user gives may lie before this (also a CHECK constraint, migration 0008).
EARLIEST_DATE = "2000-01-01"
# Receipt references: 8 characters of Crockford base32 (40 random bits), never from the id.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 8


def new_receipt_ref() -> str:
    """Return a random receipt reference such as ``7KQ2M9XA`` (shown as ``EST-7KQ2M9XA``)."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Area(Base):
    """A municipality or a district inside it (WGS84 multipolygon)."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_area_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="municipality")
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Organisation(Base):
    """A party in the EST group: the municipality, the police, a housing company, a school …"""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(_in("kind", ORGANISATION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    # Whether this organisation's reports count on public outputs (public reports always do).
    public_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class User(Base):
    """A staff account with one role, belonging to one organisation."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Per-account back-off for failed sign-ins.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Explicit permission set; NULL means the defaults of ``role``.
    permissions: Mapped[list[str] | None] = mapped_column(ARRAY(String(32)))

    organisation: Mapped[Organisation | None] = relationship()


class UserSession(Base):
    """A server-side sign-in session (the cookie carries its token; only a hash is stored)."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Category(Base):
    """An incident category or an otrygghet reason, with Swedish and English labels."""

    __tablename__ = "category"
    __table_args__ = (CheckConstraint(_in("kind", REPORT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    label_sv: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    sort_order: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


report_reason = Table(
    "report_reason",
    Base.metadata,
    Column("report_id", UUID(as_uuid=True), ForeignKey("report.id", ondelete="CASCADE"),
           primary_key=True),
    Column("category_id", Integer, ForeignKey("category.id", ondelete="RESTRICT"),
           primary_key=True),
)


class Report(Base):
    """One reported incident or otrygghet place (WGS84 point)."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(_in("kind", REPORT_KINDS), name="kind"),
        CheckConstraint(_in("source", REPORT_SOURCES), name="source"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="status"),
        CheckConstraint(_in("time_precision", TIME_PRECISIONS), name="time_precision"),
        CheckConstraint("occurred_until IS NULL OR occurred_until >= occurred_at",
                        name="time_window"),
        CheckConstraint(f"occurred_at IS NULL OR occurred_at >= '{EARLIEST_DATE}'::timestamptz",
                        name="occurred_at_min"),
        CheckConstraint(f"occurred_until IS NULL OR occurred_until >= "
                        f"'{EARLIEST_DATE}'::timestamptz", name="occurred_until_min"),
        CheckConstraint(f"reported_at IS NULL OR reported_at >= '{EARLIEST_DATE}'::timestamptz",
                        name="reported_at_min"),
        Index("ix_report_occurred_at", "occurred_at"),
        Index("ix_report_area_id_occurred_at", "area_id", "occurred_at"),
        Index("ix_report_status", "status"),
        # Month-dated reports (migration 0009): weeks skip them, months count them.
        Index("ix_report_dated_occurred_at", "occurred_at",
              postgresql_where=text("time_precision <> 'month'")),
        Index("ix_report_month_dated", "area_id", "occurred_at", postgresql_include=["status"],
              postgresql_where=text("time_precision = 'month'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True,
                                          default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    occurred_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    time_precision: Mapped[str] = mapped_column(String(16), default="exact",
                                                server_default="exact")
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    source: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    contact: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str | None] = mapped_column(Text)
    internal_note: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16), default="staff", server_default="staff")
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # The reporter's receipt reference (random, never derived from ``id``).
    receipt_ref: Mapped[str | None] = mapped_column(String(16), unique=True,
                                                    default=new_receipt_ref)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("report.id", ondelete="SET NULL")
    )
    # Migration 0010: the reason code a coordinator chose when rejecting
    # (est.services.moderation.REJECT_REASONS), and the reporter's "no more mail".
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    mail_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Migration 0011: the public digital trygghetsvandring a ``digital_vandring`` pin belongs to.
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("digital_walk.id", ondelete="SET NULL"))

    category: Mapped[Category] = relationship()
    reasons: Mapped[list[Category]] = relationship(secondary=report_reason)
