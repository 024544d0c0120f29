"""signing keys in the database

Revision ID: 0011_signing_keys
Revises: 0010_idempotent_writes
Create Date: 2026-12-02

Issue 14: the tool's private keys kept in the database, encrypted (KEY_STORE=database), and at
most one current key (so two processes making the first key cannot both succeed).
"""

from alembic import op
import sqlalchemy as sa

revision = "0011_signing_keys"
down_revision = "0010_idempotent_writes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("sealed_private_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kid"],
            ["tool_key.kid"],
            name=op.f("fk_signing_keys_kid_tool_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    # A race before this index could have left two current keys: keep the newest current.
    tool_key = sa.table(
        "tool_key",
        sa.column("kid", sa.String()),
        sa.column("status", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("rotated_at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    current = conn.execute(
        sa.select(tool_key.c.kid, tool_key.c.created_at)
        .where(tool_key.c.status == "current")
        .order_by(tool_key.c.created_at.desc())
    ).all()
    for row in current[1:]:
        conn.execute(
            tool_key.update()
            .where(tool_key.c.kid == row.kid)
            .values(status="previous", rotated_at=current[0].created_at)
        )
    with op.batch_alter_table("tool_key", schema=None) as batch_op:
        batch_op.create_index(
            "uq_tool_key_one_current",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'current'"),
            postgresql_where=sa.text("status = 'current'"),
        )


def downgrade():
    with op.batch_alter_table("tool_key", schema=None) as batch_op:
        batch_op.drop_index("uq_tool_key_one_current")
    op.drop_table("signing_keys")
