"""api call log

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the API call log (R1, R2)."""
    op.create_table(
        "api_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("deferred", sa.Boolean(), nullable=False),
        sa.Column("org_used", sa.BigInteger(), nullable=True),
        sa.Column("org_limit", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_calls")),
    )
    op.create_index("ix_api_calls_system_at", "api_calls", ["system", "at"], unique=False)


def downgrade() -> None:
    """Drop the API call log."""
    op.drop_index("ix_api_calls_system_at", table_name="api_calls")
    op.drop_table("api_calls")
