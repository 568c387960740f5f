"""A kept message remembers its turn id, so the engine answers it once (issue 18, CI)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_messages") as batch:
        batch.add_column(sa.Column("turn", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pending_messages") as batch:
        batch.drop_column("turn")
