"""grades that survive real gradebooks: release control, sticky hand scores, classified failures

Revision ID: 0007_grade_release
Revises: 0006_feedback
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = "0007_grade_release"
down_revision = "0006_feedback"
branch_labels = None
depends_on = None

OUTBOX_COLUMNS = (
    ("problem", sa.String(length=40)),
    ("last_response", sa.String(length=500)),
    ("automatic_score", sa.Double()),
    ("automatic_comment", sa.Text()),
    ("manual_score", sa.Double()),
    ("manual_comment", sa.Text()),
    ("manual_at", sa.DateTime(timezone=True)),
    ("released_score", sa.Double()),
    ("released_at", sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table("activity") as batch:
        batch.add_column(
            sa.Column("grade_release", sa.String(length=10), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("grades_released_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("artifact") as batch:
        batch.add_column(sa.Column("link_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("line_item") as batch:
        batch.add_column(sa.Column("problem", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("last_response", sa.String(length=500), nullable=True))
    with op.batch_alter_table("outbox_score") as batch:
        for name, kind in OUTBOX_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    # Scores recorded before this revision were sent as they changed: the student saw them.
    op.execute(
        "UPDATE outbox_score SET automatic_score = score_given, automatic_comment = comment, "
        "released_score = score_given"
    )


def downgrade():
    with op.batch_alter_table("outbox_score") as batch:
        for name, _ in reversed(OUTBOX_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("line_item") as batch:
        batch.drop_column("last_response")
        batch.drop_column("problem")
    with op.batch_alter_table("artifact") as batch:
        batch.drop_column("link_key")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("grades_released_at")
        batch.drop_column("grade_release")
