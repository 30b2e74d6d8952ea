"""digest clicks: reading history per subscriber, and the switch that allows it

Revision ID: 0013_digest_clicks
Revises: 0012_synonyms
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0013_digest_clicks"
down_revision = "0012_synonyms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_clicks",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_digest_clicks_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_digest_clicks_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_digest_clicks_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "article_id", name=op.f("pk_digest_clicks")),
    )
    with op.batch_alter_table("digest_clicks", schema=None) as batch_op:
        batch_op.create_index("ix_digest_clicks_site", ["site_id"], unique=False)
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reading_history", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("reading_history")
    with op.batch_alter_table("digest_clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_clicks_site")
    op.drop_table("digest_clicks")
