"""feed sources and polls

Revision ID: 0005_feeds
Revises: 0003_related_index
Create Date: 2026-11-27 03:45:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0005_feeds"
down_revision = "0003_related_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("next_poll_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_warning", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_counts", sa.JSON(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_feed_sources_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_sources")),
        sa.UniqueConstraint("site_id", "url", name=op.f("uq_feed_sources_site_id_url")),
    )
    with op.batch_alter_table("feed_sources", schema=None) as batch_op:
        batch_op.create_index("ix_feed_sources_due", ["paused", "next_poll_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_sources_site_id"), ["site_id"], unique=False)

    op.create_table(
        "feed_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("started_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("entries_seen", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped_edited", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.JSON(), nullable=False),
        sa.Column("warning", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feed_sources.id"], name=op.f("fk_feed_polls_feed_id_feed_sources"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_feed_polls_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_polls")),
    )
    with op.batch_alter_table("feed_polls", schema=None) as batch_op:
        batch_op.create_index("ix_feed_polls_feed_id_id", ["feed_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_polls_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feed_polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_polls_site_id"))
        batch_op.drop_index("ix_feed_polls_feed_id_id")

    op.drop_table("feed_polls")
    with op.batch_alter_table("feed_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_sources_site_id"))
        batch_op.drop_index("ix_feed_sources_due")

    op.drop_table("feed_sources")
