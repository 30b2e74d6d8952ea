"""scheduler heartbeat

The running scheduler rewrites one row every SCHEDULER_HEARTBEAT_SECONDS; /readyz reads its age.

Revision ID: ops_observability
Revises: 0016_key_scopes
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "ops_observability"
down_revision = "0016_key_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeats")
