"""feedback rounds activity

Revision ID: 0006_feedback
Revises: 0005_rubrics
Create Date: 2026-11-26

Filled in by the feedback rounds activity's issue: only its own tables and columns.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0006_feedback"
down_revision = "0005_rubrics"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('rubric_source', sa.String(length=20), nullable=False),
    sa.Column('rubric_version_id', sa.Integer(), nullable=True),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('reviewers_per_submission', sa.Integer(), nullable=False),
    sa.Column('allocation', sa.String(length=20), nullable=False),
    sa.Column('self_review', sa.Boolean(), nullable=False),
    sa.Column('staff_review', sa.Boolean(), nullable=False),
    sa.Column('anonymity', sa.String(length=20), nullable=False),
    sa.Column('aggregate', sa.String(length=20), nullable=False),
    sa.Column('weight_peer', sa.Double(), nullable=False),
    sa.Column('weight_self', sa.Double(), nullable=False),
    sa.Column('weight_staff', sa.Double(), nullable=False),
    sa.Column('weight_reviewing', sa.Double(), nullable=False),
    sa.Column('reshuffle', sa.Boolean(), nullable=False),
    sa.Column('late_policy', sa.String(length=20), nullable=False),
    sa.Column('round_dates', sa.JSON(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('current_round', sa.Integer(), nullable=False),
    sa.Column('current_phase', sa.String(length=20), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_config_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_config')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_feedback_config_activity_id'))
    )
    op.create_table('feedback_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('source_criterion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_criterion_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_criterion'))
    )
    with op.batch_alter_table('feedback_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_criterion_activity_id'), ['activity_id'], unique=False)
    op.create_table('feedback_revision_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('comment_ids', sa.JSON(), nullable=False),
    sa.Column('goal_ids', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_revision_plan_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_feedback_revision_plan_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_revision_plan')),
    sa.UniqueConstraint('activity_id', 'person_id', 'round', name=op.f('uq_feedback_revision_plan_activity_id_person_id_round'))
    )
    op.create_table('feedback_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('computed', sa.Double(), nullable=True),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('override', sa.Double(), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('sent', sa.Double(), nullable=True),
    sa.Column('contest_comment', sa.Text(), nullable=False),
    sa.Column('contest_status', sa.String(length=20), nullable=True),
    sa.Column('contest_resolution', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_score_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_feedback_score_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_score')),
    sa.UniqueConstraint('activity_id', 'person_id', name=op.f('uq_feedback_score_activity_id_person_id'))
    )
    op.create_table('feedback_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=True),
    sa.Column('file_key', sa.String(length=64), nullable=True),
    sa.Column('file_type', sa.String(length=100), nullable=True),
    sa.Column('file_ext', sa.String(length=10), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('group_label', sa.String(length=200), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_submission_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_feedback_submission_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_submission')),
    sa.UniqueConstraint('activity_id', 'person_id', 'round', name=op.f('uq_feedback_submission_activity_id_person_id_round'))
    )
    with op.batch_alter_table('feedback_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_submission_activity_id'), ['activity_id'], unique=False)
    op.create_table('feedback_allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_allocation_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['person.id'], name=op.f('fk_feedback_allocation_reviewer_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['feedback_submission.id'], name=op.f('fk_feedback_allocation_submission_id_feedback_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_allocation')),
    sa.UniqueConstraint('submission_id', 'reviewer_id', name=op.f('uq_feedback_allocation_submission_id_reviewer_id'))
    )
    with op.batch_alter_table('feedback_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_allocation_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_allocation_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_allocation_submission_id'), ['submission_id'], unique=False)
    op.create_table('feedback_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('allocation_id', sa.Integer(), nullable=False),
    sa.Column('overall', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('helpfulness', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_review_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['allocation_id'], ['feedback_allocation.id'], name=op.f('fk_feedback_review_allocation_id_feedback_allocation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_review')),
    sa.UniqueConstraint('allocation_id', name=op.f('uq_feedback_review_allocation_id'))
    )
    with op.batch_alter_table('feedback_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_review_activity_id'), ['activity_id'], unique=False)
    op.create_table('feedback_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('response', sa.String(length=10), nullable=True),
    sa.Column('response_reason', sa.Text(), nullable=False),
    sa.Column('endorsed_by_id', sa.Integer(), nullable=True),
    sa.Column('endorsed_role', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_feedback_comment_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['feedback_criterion.id'], name=op.f('fk_feedback_comment_criterion_id_feedback_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['endorsed_by_id'], ['person.id'], name=op.f('fk_feedback_comment_endorsed_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['feedback_review.id'], name=op.f('fk_feedback_comment_review_id_feedback_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_comment')),
    sa.UniqueConstraint('review_id', 'criterion_id', name=op.f('uq_feedback_comment_review_id_criterion_id'))
    )
    with op.batch_alter_table('feedback_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_comment_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comment_review_id'), ['review_id'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_comment_review_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_comment_activity_id'))
    op.drop_table('feedback_comment')
    with op.batch_alter_table('feedback_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_review_activity_id'))
    op.drop_table('feedback_review')
    with op.batch_alter_table('feedback_allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_allocation_submission_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_allocation_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_allocation_activity_id'))
    op.drop_table('feedback_allocation')
    with op.batch_alter_table('feedback_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_submission_activity_id'))
    op.drop_table('feedback_submission')
    op.drop_table('feedback_score')
    op.drop_table('feedback_revision_plan')
    with op.batch_alter_table('feedback_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_criterion_activity_id'))
    op.drop_table('feedback_criterion')
    op.drop_table('feedback_config')
