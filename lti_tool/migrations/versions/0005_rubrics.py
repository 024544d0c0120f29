"""rubric co-creation activity

Revision ID: 0005_rubrics
Revises: 0004_goals
Create Date: 2026-11-26

Filled in by the rubric co-creation activity's issue: only its own tables and columns.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_rubrics"
down_revision = "0004_goals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rubric_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_rubric_ballot_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['person.id'], name=op.f('fk_rubric_ballot_voter_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_ballot')),
    sa.UniqueConstraint('activity_id', 'voter_id', name=op.f('uq_rubric_ballot_activity_id_voter_id'))
    )
    op.create_table('rubric_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('manual_weight', sa.Double(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_rubric_criterion_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_rubric_criterion_created_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_criterion'))
    )
    with op.batch_alter_table('rubric_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_criterion_activity_id'), ['activity_id'], unique=False)

    op.create_table('rubric_setup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('vote_mode', sa.String(length=20), nullable=False),
    sa.Column('dot_budget', sa.Integer(), nullable=False),
    sa.Column('criteria_count', sa.Integer(), nullable=False),
    sa.Column('criteria_threshold', sa.Integer(), nullable=True),
    sa.Column('level_points', sa.JSON(), nullable=False),
    sa.Column('seed', sa.Text(), nullable=False),
    sa.Column('participation_scored', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_rubric_setup_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_setup')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_rubric_setup_activity_id'))
    )
    op.create_table('rubric_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_rubric_version_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['context_id'], ['context.id'], name=op.f('fk_rubric_version_context_id_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['person.id'], name=op.f('fk_rubric_version_published_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_version')),
    sa.UniqueConstraint('activity_id', 'number', name=op.f('uq_rubric_version_activity_id_number'))
    )
    with op.batch_alter_table('rubric_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_version_context_id'), ['context_id'], unique=False)

    op.create_table('rubric_level_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_rubric_level_draft_author_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criterion.id'], name=op.f('fk_rubric_level_draft_criterion_id_rubric_criterion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_level_draft'))
    )
    with op.batch_alter_table('rubric_level_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_level_draft_criterion_id'), ['criterion_id'], unique=False)

    op.create_table('rubric_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('fate', sa.String(length=20), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_rubric_proposal_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_rubric_proposal_author_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criterion.id'], name=op.f('fk_rubric_proposal_criterion_id_rubric_criterion'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_rubric_proposal_decided_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_proposal'))
    )
    with op.batch_alter_table('rubric_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_proposal_activity_id'), ['activity_id'], unique=False)

    op.create_table('rubric_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['rubric_ballot.id'], name=op.f('fk_rubric_vote_ballot_id_rubric_ballot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criterion.id'], name=op.f('fk_rubric_vote_criterion_id_rubric_criterion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_vote')),
    sa.UniqueConstraint('ballot_id', 'criterion_id', name=op.f('uq_rubric_vote_ballot_id_criterion_id'))
    )
    with op.batch_alter_table('rubric_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_vote_criterion_id'), ['criterion_id'], unique=False)

    op.create_table('rubric_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_rubric_comment_author_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['rubric_proposal.id'], name=op.f('fk_rubric_comment_proposal_id_rubric_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_comment'))
    )
    with op.batch_alter_table('rubric_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rubric_comment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('rubric_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('points', sa.Double(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['person.id'], name=op.f('fk_rubric_level_accepted_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['criterion_id'], ['rubric_criterion.id'], name=op.f('fk_rubric_level_criterion_id_rubric_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['rubric_level_draft.id'], name=op.f('fk_rubric_level_draft_id_rubric_level_draft'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_level')),
    sa.UniqueConstraint('criterion_id', 'position', name=op.f('uq_rubric_level_criterion_id_position'))
    )


def downgrade():
    op.drop_table('rubric_level')
    with op.batch_alter_table('rubric_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_comment_proposal_id'))

    op.drop_table('rubric_comment')
    with op.batch_alter_table('rubric_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_vote_criterion_id'))

    op.drop_table('rubric_vote')
    with op.batch_alter_table('rubric_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_proposal_activity_id'))

    op.drop_table('rubric_proposal')
    with op.batch_alter_table('rubric_level_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_level_draft_criterion_id'))

    op.drop_table('rubric_level_draft')
    with op.batch_alter_table('rubric_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_version_context_id'))

    op.drop_table('rubric_version')
    op.drop_table('rubric_setup')
    with op.batch_alter_table('rubric_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rubric_criterion_activity_id'))

    op.drop_table('rubric_criterion')
    op.drop_table('rubric_ballot')
