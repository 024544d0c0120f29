"""languages: a launch's language and a registration's default language

Revision ID: 0019_languages
Revises: 0018_extensions_reminders
Create Date: 2026-12-03

Issue 15, item 9: the launch stores the language its locale claim asks for (the nearest one
the tool speaks), and a registration names the language of launches whose claim names none.
"""

from alembic import op
import sqlalchemy as sa

revision = "0019_languages"
down_revision = "0018_extensions_reminders"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("launch_session") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
    with op.batch_alter_table("platform") as batch:
        batch.add_column(sa.Column("default_language", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("platform") as batch:
        batch.drop_column("default_language")
    with op.batch_alter_table("launch_session") as batch:
        batch.drop_column("locale")
