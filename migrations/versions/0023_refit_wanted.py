"""related index state: a refit asked for (new field weights) without dropping the index readers use

Revision ID: 0023_refit_wanted
Revises: 0022_editor_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_refit_wanted"
down_revision = "0022_editor_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("related_index_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refit_wanted", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("related_index_state", schema=None) as batch_op:
        batch_op.drop_column("refit_wanted")
