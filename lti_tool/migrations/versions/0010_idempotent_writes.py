"""idempotent writes and platform storage origins

Revision ID: 0010_idempotent_writes
Revises: 0009_secrets_console
Create Date: 2026-12-02

Issue 11: keys of submitted forms (a double submit stores once) and the origins a platform's
postMessage storage answers from.
"""

from alembic import op
import sqlalchemy as sa

revision = "0010_idempotent_writes"
down_revision = "0009_secrets_console"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submitted_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submitted_form")),
        sa.UniqueConstraint("key", name=op.f("uq_submitted_form_key")),
    )
    with op.batch_alter_table("submitted_form", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submitted_form_created_at"), ["created_at"], unique=False
        )
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("storage_origins", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade():
    with op.batch_alter_table("platform", schema=None) as batch_op:
        batch_op.drop_column("storage_origins")
    with op.batch_alter_table("submitted_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submitted_form_created_at"))
    op.drop_table("submitted_form")
