"""editors' drafts of texts, and who approved each publication

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("authors", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("approved_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("diff", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("restored_from", sa.String(length=64), nullable=True))
    op.create_table(
        "text_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["staff_members.id"]),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_text_drafts_key", "text_drafts", ["key"])


def downgrade() -> None:
    op.drop_index("ix_text_drafts_key", table_name="text_drafts")
    op.drop_table("text_drafts")
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("restored_from")
        batch.drop_column("diff")
        batch.drop_column("approved_by")
        batch.drop_column("authors")
