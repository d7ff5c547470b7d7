"""cursors per (org, portal, pair, side)

Revision ID: 0003
Revises: 0002

A HubSpot cursor keyed by portal alone was shared by every Salesforce org the portal
was synced with, so switching to a sandbox and back skipped the changes made meanwhile
(R6, R25). Cursors now belong to (org, portal, pair, system, object type). Old rows
cannot be assigned to an org and are dropped: the next run reads each feed from the
start once, and unchanged records settle against their snapshots without a write.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Re-create ``cursors`` keyed by scope and pair."""
    op.drop_table("cursors")
    op.create_table(
        "cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("salesforce_org_id", sa.String(length=64), nullable=False),
        sa.Column("hubspot_portal_id", sa.String(length=64), nullable=False),
        sa.Column("pair", sa.String(length=64), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cursors")),
        sa.UniqueConstraint(
            "salesforce_org_id",
            "hubspot_portal_id",
            "pair",
            "system",
            "object_type",
            name="uq_cursors_position",
        ),
    )


def downgrade() -> None:
    """Back to cursors keyed by one account id (positions are dropped)."""
    op.drop_table("cursors")
    op.create_table(
        "cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cursors")),
        sa.UniqueConstraint("system", "account_id", "object_type", name="uq_cursors_position"),
    )
