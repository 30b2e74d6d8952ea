"""editors' workbench: scheduled publishing, the audit log

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

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=330), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_audit_entries_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_site_id_id", "audit_entries", ["site_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_entries_site_id_id", table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index(op.f("ix_scheduled_publications_publish_at"), table_name="scheduled_publications")
    op.drop_table("scheduled_publications")
