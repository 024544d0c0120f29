"""session authority: launch sessions, used link tickets, released links, mentee scope

Revision ID: 0008_session_authority
Revises: 0007_grade_release
Create Date: 2026-12-02

Issue 11 (roles with scope, authority from the database, no session secret in URLs).
"""

from alembic import op
import sqlalchemy as sa

revision = "0008_session_authority"
down_revision = "0007_grade_release"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "launch_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_salt", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("resource_link_id", sa.Integer(), nullable=True),
        sa.Column("message_type", sa.String(length=80), nullable=False),
        sa.Column("courseless_role", sa.String(length=20), nullable=True),
        sa.Column("courseless_platform_admin", sa.Boolean(), nullable=False),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_launch_session_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_launch_session_membership_id_membership"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_launch_session_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform.id"],
            name=op.f("fk_launch_session_platform_id_platform"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_launch_session_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_session")),
    )
    with op.batch_alter_table("launch_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_launch_session_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "used_link_ticket",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_used_link_ticket")),
    )
    with op.batch_alter_table("used_link_ticket", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_link_ticket_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "link_launch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_link_launch_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_link_launch_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_launch")),
        sa.UniqueConstraint(
            "person_id", "resource_link_id", name=op.f("uq_link_launch_person_id_resource_link_id")
        ),
    )
    with op.batch_alter_table("link_launch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_launch_resource_link_id"), ["resource_link_id"], unique=False
        )

    # Existing memberships have no mentees; the server default fills them, then it goes, as the
    # model has none.
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mentee_subs", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.alter_column("mentee_subs", server_default=None)


def downgrade():
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("mentee_subs")
    with op.batch_alter_table("link_launch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_launch_resource_link_id"))
    op.drop_table("link_launch")
    with op.batch_alter_table("used_link_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_link_ticket_expires_at"))
    op.drop_table("used_link_ticket")
    with op.batch_alter_table("launch_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_launch_session_expires_at"))
    op.drop_table("launch_session")
