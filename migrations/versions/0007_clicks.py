"""related link click counts

Revision ID: 0007_clicks
Revises: 0002_related
Create Date: 2026-11-27 03:40:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0007_clicks"
down_revision = "0002_related"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_clicks",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_id"], ["articles.id"], name=op.f("fk_related_clicks_from_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_related_clicks_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_id"], ["articles.id"], name=op.f("fk_related_clicks_to_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("from_id", "to_id", name=op.f("pk_related_clicks")),
    )
    with op.batch_alter_table("related_clicks", schema=None) as batch_op:
        batch_op.create_index("ix_related_clicks_site_count", ["site_id", "count"], unique=False)
        batch_op.create_index("ix_related_clicks_to_id", ["to_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("related_clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_related_clicks_to_id")
        batch_op.drop_index("ix_related_clicks_site_count")
    op.drop_table("related_clicks")
