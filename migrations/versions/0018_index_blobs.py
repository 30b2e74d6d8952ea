"""fitted related indexes stored in the database

Each site's fitted TF-IDF index is kept in ``related_index_blobs`` (signed parts) instead of a file under
``<VAR_DIR>/indexes/``, so every worker on every machine sharing the database loads the same index. Indexes
saved as files before are not carried over: each site's state row is removed, and the next write, drain or
refit fits the site again.

Revision ID: 0018_index_blobs
Revises: 0017_reliability
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_index_blobs"
down_revision = "0017_reliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_index_blobs",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "token", "part"),
    )
    # the saved files these rows named are not in the database: fit again from the articles
    op.execute("DELETE FROM related_index_log")
    op.execute("DELETE FROM related_index_state")


def downgrade() -> None:
    op.drop_table("related_index_blobs")
    op.execute("DELETE FROM related_index_log")
    op.execute("DELETE FROM related_index_state")
