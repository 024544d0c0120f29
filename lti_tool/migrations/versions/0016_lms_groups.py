"""LMS groups and sections, group submissions and team-member evaluation

Revision ID: 0016_lms_groups
Revises: 0015_peer_reliability
Create Date: 2026-12-02

Issue 16 item 1: groups and sections as the LMS sends them (launch substitution values, the
Course Groups Service), the group set a feedback activity uses, the membership frozen when a
round is allocated, and team-member evaluation ratings.
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_lms_groups"
down_revision = "0015_peer_reliability"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "course_group_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_course_group_set_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_group_set")),
        sa.UniqueConstraint(
            "context_id",
            "source",
            "external_id",
            name=op.f("uq_course_group_set_context_id_source_external_id"),
        ),
    )
    with op.batch_alter_table("course_group_set", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_group_set_context_id"), ["context_id"], unique=False
        )
    op.create_table(
        "course_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_course_group_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["course_group_set.id"],
            name=op.f("fk_course_group_set_id_course_group_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_group")),
        sa.UniqueConstraint(
            "set_id", "external_id", name=op.f("uq_course_group_set_id_external_id")
        ),
    )
    with op.batch_alter_table("course_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_group_context_id"), ["context_id"], unique=False)
    op.create_table(
        "course_group_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_course_group_member_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["course_group.id"],
            name=op.f("fk_course_group_member_group_id_course_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_course_group_member_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_group_member")),
        sa.UniqueConstraint(
            "group_id", "person_id", name=op.f("uq_course_group_member_group_id_person_id")
        ),
    )
    with op.batch_alter_table("course_group_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_group_member_context_id"), ["context_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_group_member_group_id"), ["group_id"], unique=False
        )
    op.create_table(
        "course_groups_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("groups_url", sa.String(length=1000), nullable=False),
        sa.Column("group_sets_url", sa.String(length=1000), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("synced_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_course_groups_service_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_groups_service")),
        sa.UniqueConstraint("context_id", name=op.f("uq_course_groups_service_context_id")),
    )
    op.create_table(
        "feedback_group_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("group_set_id", sa.Integer(), nullable=True),
        sa.Column("group_submissions", sa.Boolean(), nullable=False),
        sa.Column("team_evaluation", sa.Boolean(), nullable=False),
        sa.Column("contribution_factor", sa.Boolean(), nullable=False),
        sa.Column("factor_min", sa.Double(), nullable=False),
        sa.Column("factor_max", sa.Double(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_feedback_group_config_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_set_id"],
            ["course_group_set.id"],
            name=op.f("fk_feedback_group_config_group_set_id_course_group_set"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_group_config")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_feedback_group_config_activity_id")),
    )
    op.create_table(
        "feedback_group_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("group_set_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("taken_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_feedback_group_snapshot_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_group_snapshot")),
        sa.UniqueConstraint(
            "activity_id", "round", name=op.f("uq_feedback_group_snapshot_activity_id_round")
        ),
    )
    op.create_table(
        "team_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("ratee_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_team_rating_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["person.id"],
            name=op.f("fk_team_rating_rater_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ratee_id"],
            ["person.id"],
            name=op.f("fk_team_rating_ratee_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_rating")),
        sa.UniqueConstraint(
            "activity_id",
            "rater_id",
            "ratee_id",
            "criterion",
            name=op.f("uq_team_rating_activity_id_rater_id_ratee_id_criterion"),
        ),
    )
    with op.batch_alter_table("team_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_rating_activity_id"), ["activity_id"], unique=False)


def downgrade():
    with op.batch_alter_table("team_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_rating_activity_id"))
    op.drop_table("team_rating")
    op.drop_table("feedback_group_snapshot")
    op.drop_table("feedback_group_config")
    op.drop_table("course_groups_service")
    with op.batch_alter_table("course_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_group_member_group_id"))
        batch_op.drop_index(batch_op.f("ix_course_group_member_context_id"))
    op.drop_table("course_group_member")
    with op.batch_alter_table("course_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_group_context_id"))
    op.drop_table("course_group")
    with op.batch_alter_table("course_group_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_group_set_context_id"))
    op.drop_table("course_group_set")
