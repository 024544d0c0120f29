"""extensions and accommodations; reminder e-mail

Revision ID: 0018_extensions_reminders
Revises: 0017_course_copy
Create Date: 2026-12-02

Issue 16, items 3 and 4: per-person and per-group phase dates and "excused" (with who granted
them), reminder preferences, the one row per person and event that keeps reminders to one
mail across workers, and addresses the mail server refused.
"""

from alembic import op
import sqlalchemy as sa

revision = "0018_extensions_reminders"
down_revision = "0017_course_copy"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("group_key", sa.String(length=200), nullable=True),
        sa.Column("phase", sa.String(length=40), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("excused", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_role", sa.String(length=20), nullable=False),
        sa.Column("granted_at", UTC, nullable=False),
        sa.Column("superseded_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_extension_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_extension_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["person.id"],
            name=op.f("fk_extension_granted_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension")),
    )
    op.create_index(
        "ix_extension_lookup", "extension", ["activity_id", "phase", "superseded_at"]
    )
    op.create_table(
        "extension_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("coaches_may_grant", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_extension_policy_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_policy")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_extension_policy_activity_id")),
    )
    op.create_table(
        "mail_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("unsubscribed", sa.Boolean(), nullable=False),
        sa.Column("kinds_off", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_mail_preference_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_preference")),
        sa.UniqueConstraint("person_id", name=op.f("uq_mail_preference_person_id")),
    )
    op.create_table(
        "mail_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_mail_sent_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_sent")),
        sa.UniqueConstraint(
            "person_id", "event_key", name=op.f("uq_mail_sent_person_id_event_key")
        ),
    )
    op.create_table(
        "refused_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("refused_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_address")),
        sa.UniqueConstraint("address", name=op.f("uq_refused_address_address")),
    )


def downgrade():
    op.drop_table("refused_address")
    op.drop_table("mail_sent")
    op.drop_table("mail_preference")
    op.drop_table("extension_policy")
    op.drop_index("ix_extension_lookup", table_name="extension")
    op.drop_table("extension")
