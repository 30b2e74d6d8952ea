"""site synonyms: phrases a site's queries rewrite, from its editors and its articles' "Also called" names

Revision ID: 0012_synonyms
Revises: 0011_topics
Create Date: 2026-11-29 14:40:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0012_synonyms"
down_revision = "0011_topics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_synonyms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("phrase_key", sa.String(length=200), nullable=False),
        sa.Column("means", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_synonyms_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_synonyms")),
        sa.UniqueConstraint("site_id", "phrase_key", name=op.f("uq_site_synonyms_site_id_phrase_key")),
    )
    with op.batch_alter_table("site_synonyms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_synonyms_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_synonyms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_synonyms_site_id"))
    op.drop_table("site_synonyms")
