"""subscriber imports: CSV lists imported by the request or queued for the job

Revision ID: 0019_subscriber_imports
Revises: 0018_index_blobs
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0019_subscriber_imports"
down_revision = "0018_index_blobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriber_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("csv_text", sa.Text(), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subscriber_imports", schema=None) as batch_op:
        batch_op.create_index("ix_subscriber_imports_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriber_imports_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subscriber_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriber_imports_site_id"))
        batch_op.drop_index("ix_subscriber_imports_status")
    op.drop_table("subscriber_imports")
