"""privacy: per-platform course retention rules

Revision ID: 0014_privacy
Revises: 0013_scheduled_jobs
Create Date: 2026-12-02

Issue 18: a course's data is deleted N days after its last activity or end date; a new rule
is a dry run until an admin arms it.
"""

from alembic import op
import sqlalchemy as sa

revision = "0014_privacy"
down_revision = "0013_scheduled_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("armed", sa.Boolean(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_report", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_retention_rule_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rule")),
        sa.UniqueConstraint("platform_id", name=op.f("uq_retention_rule_platform_id")),
    )


def downgrade():
    op.drop_table("retention_rule")
