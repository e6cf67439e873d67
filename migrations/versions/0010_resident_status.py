"""Residents' status and e-mail: the rejection reason code and the reporter's opt-out.

- ``report.reject_reason``: the code a coordinator chose from the fixed list
  (``est.services.moderation.REJECT_REASONS``), shown on ``/rapportera/status``;
- ``report.mail_opt_out``: the reporter followed the unsubscribe link; no more mail.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("report", sa.Column("reject_reason", sa.String(32), nullable=True))
    op.add_column("report", sa.Column("mail_opt_out", sa.Boolean(), nullable=False,
                                      server_default="false"))


def downgrade() -> None:
    op.drop_column("report", "mail_opt_out")
    op.drop_column("report", "reject_reason")
