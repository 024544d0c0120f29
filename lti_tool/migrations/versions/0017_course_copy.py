"""course copy continuity and platform notices

Revision ID: 0017_course_copy
Revises: 0016_lms_groups
Create Date: 2026-12-02

Issue 16 item 2: the history ids a link launched with, the courses a platform said a course was
copied from (LtiContextCopyNotice), which activity was made from which, and the PNS notices as
received (stored before they are processed).
"""

from alembic import op
import sqlalchemy as sa

revision = "0017_course_copy"
down_revision = "0016_lms_groups"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "link_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("context_history", sa.JSON(), nullable=False),
        sa.Column("link_history", sa.JSON(), nullable=False),
        sa.Column("linked_activity_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_link_history_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_history")),
        sa.UniqueConstraint("resource_link_id", name=op.f("uq_link_history_resource_link_id")),
    )
    op.create_table(
        "received_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("notice_id", sa.String(length=255), nullable=False),
        sa.Column("token_id", sa.String(length=255), nullable=False),
        sa.Column("notice_type", sa.String(length=100), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_received_notice_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_notice")),
        sa.UniqueConstraint(
            "platform_id", "notice_id", name=op.f("uq_received_notice_platform_id_notice_id")
        ),
        sa.UniqueConstraint(
            "platform_id", "token_id", name=op.f("uq_received_notice_platform_id_token_id")
        ),
    )
    with op.batch_alter_table("received_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_notice_received_at"), ["received_at"], unique=False
        )
    op.create_table(
        "context_origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("origin_context_id", sa.String(length=255), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["received_notice.id"],
            name=op.f("fk_context_origin_notice_id_received_notice"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_context_origin_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_origin")),
        sa.UniqueConstraint(
            "platform_id",
            "context_id",
            "origin_context_id",
            name=op.f("uq_context_origin_platform_id_context_id_origin_context_id"),
        ),
    )
    op.create_table(
        "notice_handler",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("notice_type", sa.String(length=100), nullable=False),
        sa.Column("service_url", sa.String(length=1000), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_notice_handler_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_handler")),
        sa.UniqueConstraint(
            "platform_id",
            "deployment_id",
            "notice_type",
            name=op.f("uq_notice_handler_platform_id_deployment_id_notice_type"),
        ),
    )
    op.create_table(
        "activity_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("source_activity_id", sa.Integer(), nullable=True),
        sa.Column("provenance", sa.String(length=500), nullable=False),
        sa.Column("shifted_days", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_copy_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_activity_copy_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_copy_source_activity_id_activity"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_copy")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_activity_copy_activity_id")),
    )
    with op.batch_alter_table("activity_copy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_copy_source_activity_id"), ["source_activity_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("activity_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_copy_source_activity_id"))
    op.drop_table("activity_copy")
    op.drop_table("notice_handler")
    op.drop_table("context_origin")
    with op.batch_alter_table("received_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_notice_received_at"))
    op.drop_table("received_notice")
    op.drop_table("link_history")
