"""Report change log for the review cache: ``report_change`` and its statement triggers.

Every INSERT, UPDATE and DELETE statement on ``report`` appends one row per (area, UTC day
of ``occurred_at``) it touched, from the statement's transition tables. Appending (never
updating a counter row) means concurrent writers never wait for each other; the review cache
(:mod:`est.review.cache`) reads ``count(*)`` and ``sum(id)`` over the days a page reads as
the version of its data.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = {"insert": ("new_rows",), "update": ("old_rows", "new_rows"), "delete": ("old_rows",)}


def upgrade() -> None:
    op.create_table(
        "report_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_change")),
    )
    op.create_index("ix_report_change_area_day", "report_change", ["area_id", "day", "id"])
    for event, tables in EVENTS.items():
        rows = " UNION ".join(
            f"SELECT area_id, (occurred_at AT TIME ZONE 'UTC')::date FROM {t}" for t in tables)
        op.execute(f"""
            CREATE FUNCTION report_change_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO report_change (area_id, day) SELECT DISTINCT * FROM ({rows}) c;
                RETURN NULL;
            END $$""")
        refs = " ".join(f"{'OLD' if t == 'old_rows' else 'NEW'} TABLE AS {t}" for t in tables)
        op.execute(f"""
            CREATE TRIGGER report_change_{event} AFTER {event.upper()} ON report
            REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION report_change_{event}()""")
    # Reports already stored: one row per area and day, so their versions start defined.
    op.execute("""INSERT INTO report_change (area_id, day)
                  SELECT DISTINCT area_id, (occurred_at AT TIME ZONE 'UTC')::date FROM report""")


def downgrade() -> None:
    for event in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS report_change_{event} ON report")
        op.execute(f"DROP FUNCTION IF EXISTS report_change_{event}()")
    op.drop_index("ix_report_change_area_day", table_name="report_change")
    op.drop_table("report_change")
