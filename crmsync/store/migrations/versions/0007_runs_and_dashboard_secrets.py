"""run counts and dashboard secrets

Revision ID: 0007
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Keep each run's counts; create the dashboard's secrets."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("summary", sa.JSON(), nullable=True))
    op.create_table(
        "dashboard_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_dashboard_secrets")),
    )


def downgrade() -> None:
    """Drop the dashboard's secrets and the run counts."""
    op.drop_table("dashboard_secrets")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("summary")
