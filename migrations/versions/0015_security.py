"""security: editors' session version (signing out voids copied cookies), and recent click replays

Revision ID: 0015_security
Revises: 0014_related_pending
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0015_security"
down_revision = "0014_related_pending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "click_replays",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_click_replays")),
    )
    with op.batch_alter_table("click_replays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_click_replays_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("click_replays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_click_replays_at"))
    op.drop_table("click_replays")
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.drop_column("session_version")
