"""Indexes for month-dated reports (the review by week and by month).

Imports dated only to a month store each report on the 1st at local midnight
(``time_precision = 'month'``). With many of them, every weekly read that leaves them out
(hot spot detection, the week's totals and map) used to walk them in the ``occurred_at``
index and throw them away; the monthly review and the week's "N rapporter är daterade bara
till månad" count them.

- ``ix_report_dated_occurred_at``: ``occurred_at`` of the reports dated to a day or finer;
- ``ix_report_month_dated``: ``(area_id, occurred_at)`` of the month-dated reports, with
  ``status`` included so they are counted from the index.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_report_dated_occurred_at", "report", ["occurred_at"],
                    postgresql_where=sa.text("time_precision <> 'month'"))
    op.create_index("ix_report_month_dated", "report", ["area_id", "occurred_at"],
                    postgresql_include=["status"],
                    postgresql_where=sa.text("time_precision = 'month'"))


def downgrade() -> None:
    op.drop_index("ix_report_month_dated", table_name="report")
    op.drop_index("ix_report_dated_occurred_at", table_name="report")
