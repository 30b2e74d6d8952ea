"""editors' workbench: scheduled publishing

Revision ID: 0020_workbench
Revises: 0019_subscriber_imports
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0020_workbench"
down_revision = "0019_subscriber_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_publications",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("publish_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_scheduled_publications_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_scheduled_publications_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_scheduled_publications")),
    )
    op.create_index(
        op.f("ix_scheduled_publications_publish_at"), "scheduled_publications", ["publish_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scheduled_publications_publish_at"), table_name="scheduled_publications")
    op.drop_table("scheduled_publications")
