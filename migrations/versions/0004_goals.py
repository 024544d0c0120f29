"""goal setting activity

Revision ID: 0004_goals
Revises: 0003_lti_services
Create Date: 2026-11-26

Filled in by the goal setting activity's issue: only its own tables and columns.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_goals"
down_revision = "0003_lti_services"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
