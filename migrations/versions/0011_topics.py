"""reader topics, the subscribers who follow them, and the consent wording a subscriber saw

Revision ID: 0011_topics
Revises: 0010_merge
Create Date: 2026-11-29 14:40:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0011_topics"
down_revision = "0010_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("match_terms", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_reader_topics_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reader_topics")),
        sa.UniqueConstraint("site_id", "name_key", name=op.f("uq_reader_topics_site_id_name_key")),
    )
    op.create_index("ix_reader_topics_site_position", "reader_topics", ["site_id", "position"], unique=False)
    op.create_table(
        "subscriber_topics",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_topics_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["reader_topics.id"],
            name=op.f("fk_subscriber_topics_topic_id_reader_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "topic_id", name=op.f("pk_subscriber_topics")),
    )
    op.create_index("ix_subscriber_topics_topic_id", "subscriber_topics", ["topic_id"], unique=False)
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("consent_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("consent_text")
    op.drop_index("ix_subscriber_topics_topic_id", table_name="subscriber_topics")
    op.drop_table("subscriber_topics")
    op.drop_index("ix_reader_topics_site_position", table_name="reader_topics")
    op.drop_table("reader_topics")
