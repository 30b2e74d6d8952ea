"""related index state: a refit asked for (new field weights) without dropping the index readers use;
editors' TOTP secrets sealed (encrypted), which needs a longer column

Revision ID: 0023_housekeeping
Revises: 0022_editor_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_housekeeping"
down_revision = "0022_editor_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("related_index_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refit_wanted", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(64), type_=sa.String(255))


def downgrade() -> None:
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.alter_column("totp_secret", existing_type=sa.String(255), type_=sa.String(64))
    with op.batch_alter_table("related_index_state", schema=None) as batch_op:
        batch_op.drop_column("refit_wanted")
