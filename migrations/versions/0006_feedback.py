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
    pass


def downgrade():
    pass
