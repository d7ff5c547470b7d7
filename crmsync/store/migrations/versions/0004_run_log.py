"""run log, API calls per org

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the run log (each run's outcome, for the health page); tag calls by org."""
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index("ix_runs_finished_at", "runs", ["finished_at"], unique=False)
    op.add_column("api_calls", sa.Column("account", sa.String(length=64), nullable=True))
    op.create_index("ix_api_calls_account_at", "api_calls", ["account", "at"], unique=False)


def downgrade() -> None:
    """Drop the run log and the calls' org."""
    op.drop_index("ix_api_calls_account_at", table_name="api_calls")
    with op.batch_alter_table("api_calls") as batch:
        batch.drop_column("account")
    op.drop_index("ix_runs_finished_at", table_name="runs")
    op.drop_table("runs")
