"""console sessions and sign-in throttle (issue 11: console accounts)

Revision ID: 0009_secrets_console
Revises: 0008_session_authority
Create Date: 2026-12-02

Server-side console sessions (revoked by sign-out and password change) and the failed sign-in
counters behind lockout with backoff. Access tokens are encrypted in their existing column.
"""

from alembic import op
import sqlalchemy as sa

revision = "0009_secrets_console"
down_revision = "0008_session_authority"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admin_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("admin_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_user_id"],
            ["admin_user.id"],
            name=op.f("fk_admin_session_admin_user_id_admin_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_session_token_hash")),
    )
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admin_session_admin_user_id"), ["admin_user_id"], unique=False
        )
    op.create_table(
        "sign_in_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_throttle")),
        sa.UniqueConstraint("key", name=op.f("uq_sign_in_throttle_key")),
    )


def downgrade():
    op.drop_table("sign_in_throttle")
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_session_admin_user_id"))
    op.drop_table("admin_session")
