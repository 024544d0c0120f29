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
    pass


def downgrade():
    pass
