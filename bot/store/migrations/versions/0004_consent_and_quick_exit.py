"""consent decides what is kept; a ticket remembers a quick exit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("consent", sa.Boolean(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("exited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("exited_at")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("consent")
