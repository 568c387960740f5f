"""two-step sign-in for staff: a sealed TOTP secret, one-time recovery codes, and the
half-signed-in browser that still owes a code

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_members") as table:
        table.add_column(sa.Column("totp_sealed", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("totp_pending_sealed", sa.LargeBinary(), nullable=True))
        table.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        table.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "code_hash"),
    )
    op.create_index("ix_staff_recovery_codes_staff_id", "staff_recovery_codes", ["staff_id"])
    op.create_table(
        "staff_pending_sign_ins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_staff_pending_sign_ins_staff_id", "staff_pending_sign_ins", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_pending_sign_ins_staff_id", table_name="staff_pending_sign_ins")
    op.drop_table("staff_pending_sign_ins")
    op.drop_index("ix_staff_recovery_codes_staff_id", table_name="staff_recovery_codes")
    op.drop_table("staff_recovery_codes")
    with op.batch_alter_table("staff_members") as table:
        table.drop_column("totp_enrolled_at")
        table.drop_column("totp_last_step")
        table.drop_column("totp_pending_sealed")
        table.drop_column("totp_sealed")
