"""stored files

Revision ID: 0012_stored_files
Revises: 0011_signing_keys
Create Date: 2026-12-02

Issue 14: uploaded files kept in the database (the default upload store), so machines behind a
load balancer share them with no shared disk. Files already under INSTANCE_PATH/feedback_uploads
stay readable with UPLOAD_STORE=filesystem, and `flask storage migrate` copies them in.
"""

from alembic import op
import sqlalchemy as sa

revision = "0012_stored_files"
down_revision = "0011_signing_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )


def downgrade():
    op.drop_table("stored_files")
