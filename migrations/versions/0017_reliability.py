"""scheduler heartbeat; subscriber ids never reused on SQLite

The subscribers table is rebuilt on SQLite with AUTOINCREMENT (``service.migrations.upgrade`` turns foreign keys
off around the migration, so the rebuild does not cascade into the tables that reference subscribers). The
ids in use are kept; the next id is above the highest present when the migration runs.

Revision ID: 0017_reliability
Revises: 0016_key_scopes
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0017_reliability"
down_revision = "0016_key_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=200), nullable=False),
        sa.Column("started_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tick_seconds", sa.Float(), nullable=False),
        sa.Column("stopped_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_heartbeat")),
    )
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "subscribers", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch_op:
            batch_op.alter_column("id", existing_type=sa.Integer(), autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("subscribers", recreate="always") as batch_op:
            batch_op.alter_column("id", existing_type=sa.Integer())
    op.drop_table("scheduler_heartbeat")
