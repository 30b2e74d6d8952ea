"""newsletter subscribers, their interests, and suppressed addresses

Revision ID: 0004_subscribers
Revises: 0002_related
Create Date: 2026-11-27 03:40:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0004_subscribers"
down_revision = "0002_related"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("frequency", sa.String(length=8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("interest_text", sa.String(length=200), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirm_sent_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consent_source", sa.String(length=100), nullable=False),
        sa.Column("consent_ip", sa.String(length=45), nullable=True),
        sa.Column("bounce_count", sa.Integer(), nullable=False),
        sa.Column("last_bounce_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_bounce_code", sa.Integer(), nullable=True),
        sa.Column("last_digest_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_subscribers_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint("site_id", "email", name=op.f("uq_subscribers_site_id_email")),
    )
    op.create_index("ix_subscribers_site_status_id", "subscribers", ["site_id", "status", "id"], unique=False)
    op.create_table(
        "subscriber_interests",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriber_interests_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscriber_id", "topic", name=op.f("pk_subscriber_interests")),
    )
    op.create_index("ix_subscriber_interests_topic", "subscriber_interests", ["topic"], unique=False)
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_suppressions_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
        sa.UniqueConstraint("site_id", "email_hash", name=op.f("uq_suppressions_site_id_email_hash")),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_index("ix_subscriber_interests_topic", table_name="subscriber_interests")
    op.drop_table("subscriber_interests")
    op.drop_index("ix_subscribers_site_status_id", table_name="subscribers")
    op.drop_table("subscribers")
