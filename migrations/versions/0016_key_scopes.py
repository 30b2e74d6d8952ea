"""key scopes, sign-up rate-limit counters, confirmations owed

API keys get scopes; keys made before scopes existed keep every scope (they keep working as they did).

Revision ID: 0016_key_scopes
Revises: 0015_security
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0016_key_scopes"
down_revision = "0015_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=100), server_default=sa.text("'content'"), nullable=False)
        )
    op.execute("UPDATE api_keys SET scopes = 'content,subscribers,settings'")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirm_due_at", service.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "rate_limit_counters",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("window_start", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rate_limit_counters")),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_counters")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("confirm_due_at")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("scopes")
