"""scheduled jobs and worker heartbeats

Revision ID: 0013_scheduled_jobs
Revises: 0012_stored_files
Create Date: 2026-12-02

Issue 14: the jobs the worker runs on a schedule (each due time once across workers) and the
heartbeat each worker loop writes, which /readyz reads.
"""

from alembic import op
import sqlalchemy as sa

revision = "0013_scheduled_jobs"
down_revision = "0012_stored_files"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("last_detail", sa.String(length=500), nullable=True),
        sa.Column("last_worker", sa.String(length=64), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )
    with op.batch_alter_table("scheduled_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_job_next_due_at"), ["next_due_at"], unique=False
        )
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeat")),
    )
    with op.batch_alter_table("worker_heartbeat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_heartbeat_beat_at"), ["beat_at"], unique=False)


def downgrade():
    with op.batch_alter_table("worker_heartbeat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_heartbeat_beat_at"))
    op.drop_table("worker_heartbeat")
    with op.batch_alter_table("scheduled_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_job_next_due_at"))
    op.drop_table("scheduled_job")
