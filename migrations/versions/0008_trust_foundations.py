"""Trust and EST-week foundations.

- ``report.receipt_ref``: the reporter's receipt reference, random (not derived from the id);
- ``organisation.public_opt_in``: an organisation's reports count on public outputs only
  when it opts in (public reports always do once published);
- ``user_session``: server-side sessions (revocable on logout, idle and absolute lifetime);
- ``user_account.failed_logins`` / ``locked_until``: per-account back-off for failed logins;
- ``user_account.permissions``: an explicit permission set (NULL = the role's defaults);
- ``lineage_name``: a staff-given name of a place (hot spot lineage) kept across weeks;
- time precisions ``day`` and ``month``; hot spot classes ``consecutive``, ``oscillating``
  and ``historical``;
- CHECK constraints: no time or date a user gives is before 2000-01-01 (``NOT VALID`` where
  old bad rows exist, so they do not block the upgrade; new rows are always checked).

Revision ID: 0008
Revises: 0007
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST = "2000-01-01"
# (table, constraint name, column, timestamp or date)
TIME_CHECKS = (
    ("report", "occurred_at_min", "occurred_at", "timestamptz"),
    ("report", "occurred_until_min", "occurred_until", "timestamptz"),
    ("report", "reported_at_min", "reported_at", "timestamptz"),
    ("action", "starts_on_min", "starts_on", "date"),
    ("action", "due_on_min", "due_on", "date"),
    ("promise", "period_start_min", "period_start", "date"),
    ("promise", "period_end_min", "period_end", "date"),
)
OLD_PRECISIONS = "('exact', 'window', 'recurring', 'unknown')"
NEW_PRECISIONS = "('exact', 'window', 'recurring', 'unknown', 'day', 'month')"
OLD_CLASSES = "('new', 'persistent', 'intensifying', 'diminishing', 'sporadic')"
NEW_CLASSES = ("('new', 'consecutive', 'intensifying', 'persistent', 'diminishing', "
               "'sporadic', 'oscillating', 'historical')")


def upgrade() -> None:
    op.add_column("report", sa.Column("receipt_ref", sa.String(length=16), nullable=True))
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM report"))]
    used: set[str] = set()
    for report_id in ids:
        ref = _random_ref(used)
        conn.execute(sa.text("UPDATE report SET receipt_ref = :ref WHERE id = :id"),
                     {"ref": ref, "id": report_id})
    op.create_unique_constraint(op.f("uq_report_receipt_ref"), "report", ["receipt_ref"])

    op.add_column("organisation", sa.Column("public_opt_in", sa.Boolean(),
                                            server_default="false", nullable=False))
    op.add_column("user_account", sa.Column("failed_logins", sa.Integer(), server_default="0",
                                            nullable=False))
    op.add_column("user_account", sa.Column("locked_until", sa.DateTime(timezone=True),
                                            nullable=True))
    op.add_column("user_account", sa.Column("permissions", postgresql.ARRAY(sa.String(32)),
                                            nullable=True))
    op.create_table(
        "user_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_user_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_table(
        "lineage_name",
        sa.Column("lineage_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("renamed_by", sa.Integer(), nullable=True),
        sa.Column("renamed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"],
                                name=op.f("fk_lineage_name_area_id_area"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["renamed_by"], ["user_account.id"],
                                name=op.f("fk_lineage_name_renamed_by_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("lineage_id", name=op.f("pk_lineage_name")),
    )

    op.drop_constraint(op.f("ck_report_time_precision"), "report", type_="check")
    op.create_check_constraint(op.f("ck_report_time_precision"), "report",
                               f"time_precision IN {NEW_PRECISIONS}")
    op.drop_constraint(op.f("ck_hotspot_class"), "hotspot", type_="check")
    op.create_check_constraint(op.f("ck_hotspot_class"), "hotspot",
                               f"class IS NULL OR class IN {NEW_CLASSES}")
    for table, name, column, kind in TIME_CHECKS:
        check = f"{column} IS NULL OR {column} >= '{EARLIEST}'::{kind}"
        bad = conn.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE NOT ({check})"))
        # An old bad row must not block the upgrade: then the check holds for new rows only.
        suffix = " NOT VALID" if bad else ""
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{name} CHECK ({check}){suffix}")


def downgrade() -> None:
    for table, name, _column, _kind in reversed(TIME_CHECKS):
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{name}")
    op.drop_constraint(op.f("ck_hotspot_class"), "hotspot", type_="check")
    op.execute("UPDATE hotspot SET class = 'sporadic' "
               f"WHERE class IS NOT NULL AND class NOT IN {OLD_CLASSES}")
    op.create_check_constraint(op.f("ck_hotspot_class"), "hotspot",
                               f"class IS NULL OR class IN {OLD_CLASSES}")
    op.drop_constraint(op.f("ck_report_time_precision"), "report", type_="check")
    op.execute("UPDATE report SET time_precision = 'unknown' "
               f"WHERE time_precision NOT IN {OLD_PRECISIONS}")
    op.create_check_constraint(op.f("ck_report_time_precision"), "report",
                               f"time_precision IN {OLD_PRECISIONS}")
    op.drop_table("lineage_name")
    op.drop_index("ix_user_session_user_id", table_name="user_session")
    op.drop_table("user_session")
    op.drop_column("user_account", "permissions")
    op.drop_column("user_account", "locked_until")
    op.drop_column("user_account", "failed_logins")
    op.drop_column("organisation", "public_opt_in")
    op.drop_constraint(op.f("uq_report_receipt_ref"), "report", type_="unique")
    op.drop_column("report", "receipt_ref")


def _random_ref(used: set[str]) -> str:
    while True:
        ref = secrets.token_hex(4).upper()
        if ref not in used:
            used.add(ref)
            return ref
