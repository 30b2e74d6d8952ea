"""editors' accounts: optional TOTP second factor

Revision ID: 0022_editor_accounts
Revises: 0021_clicks_per_day
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0022_editor_accounts"
down_revision = "0021_clicks_per_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", service.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
