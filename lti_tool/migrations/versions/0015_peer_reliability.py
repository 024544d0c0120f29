"""peer assessment reliability: settings, calibration exemplars and attempts

Revision ID: 0015_peer_reliability
Revises: 0014_privacy
Create Date: 2026-12-02

Issue 17: per feedback rounds activity, the discrepancy threshold, the weight of endorsements,
calibration (exemplars the facilitator assessed, students' attempts) and whether reviewers see
the other reviews after the round; "revise the rubric" phases opened from a feedback activity
with their evidence; the round from which a feedback criterion applies and the round that
retired it (a revised rubric replaces criteria for later rounds; past reviews keep theirs).
"""

from alembic import op
import sqlalchemy as sa

revision = "0015_peer_reliability"
down_revision = "0014_privacy"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback_reliability",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("discrepancy_threshold", sa.Integer(), nullable=False),
        sa.Column("endorsement_weight", sa.Double(), nullable=False),
        sa.Column("calibration", sa.Boolean(), nullable=False),
        sa.Column("calibration_second_try", sa.Boolean(), nullable=False),
        sa.Column("calibration_required", sa.Boolean(), nullable=False),
        sa.Column("calibration_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("show_other_reviews", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_feedback_reliability_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_feedback_reliability")),
    )
    op.create_table(
        "feedback_exemplar",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_feedback_exemplar_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_exemplar")),
    )
    with op.batch_alter_table("feedback_exemplar", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_exemplar_activity_id"), ["activity_id"], unique=False
        )
    op.create_table(
        "feedback_calibration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("exemplar_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_feedback_calibration_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exemplar_id"],
            ["feedback_exemplar.id"],
            name=op.f("fk_feedback_calibration_exemplar_id_feedback_exemplar"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_feedback_calibration_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_calibration")),
        sa.UniqueConstraint(
            "exemplar_id",
            "person_id",
            "attempt",
            name=op.f("uq_feedback_calibration_exemplar_id_person_id_attempt"),
        ),
    )
    with op.batch_alter_table("feedback_calibration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_calibration_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_calibration_exemplar_id"), ["exemplar_id"], unique=False
        )


    op.create_table(
        "rubric_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("source_activity_id", sa.Integer(), nullable=True),
        sa.Column("from_version_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_rubric_revision_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_activity_id"],
            ["activity.id"],
            name=op.f("fk_rubric_revision_source_activity_id_activity"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["person.id"],
            name=op.f("fk_rubric_revision_opened_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_revision")),
    )
    with op.batch_alter_table("rubric_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rubric_revision_activity_id"), ["activity_id"], unique=False
        )
    with op.batch_alter_table("feedback_criterion", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("from_round", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("retired_in_round", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("feedback_criterion", schema=None) as batch_op:
        batch_op.drop_column("retired_in_round")
        batch_op.drop_column("from_round")
    with op.batch_alter_table("rubric_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubric_revision_activity_id"))
    op.drop_table("rubric_revision")
    with op.batch_alter_table("feedback_calibration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_calibration_exemplar_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_calibration_activity_id"))
    op.drop_table("feedback_calibration")
    with op.batch_alter_table("feedback_exemplar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_exemplar_activity_id"))
    op.drop_table("feedback_exemplar")
    op.drop_table("feedback_reliability")
