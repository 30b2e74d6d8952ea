"""related pending: articles whose related lists wait for the drainer

Revision ID: 0014_related_pending
Revises: 0013_digest_clicks
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0014_related_pending"
down_revision = "0013_digest_clicks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_related_pending_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_related_pending")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_related_pending_site_id_id", "related_pending", ["site_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_related_pending_site_id_id", table_name="related_pending")
    op.drop_table("related_pending")
