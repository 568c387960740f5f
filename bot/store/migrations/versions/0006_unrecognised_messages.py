"""messages the bot did not understand, masked, for editors to label

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unrecognised_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.String(length=64), nullable=True),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.Column("labelled_by", sa.String(length=120), nullable=True),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pseudonym"], ["contacts.pseudonym"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_unrecognised_messages_pseudonym", "unrecognised_messages", ["pseudonym"])
    op.create_index("ix_unrecognised_messages_status", "unrecognised_messages", ["status"])


def downgrade() -> None:
    op.drop_index("ix_unrecognised_messages_status", table_name="unrecognised_messages")
    op.drop_index("ix_unrecognised_messages_pseudonym", table_name="unrecognised_messages")
    op.drop_table("unrecognised_messages")
