"""editors and failed sign-ins

Revision ID: 0006_editors
Revises: 0002_related
Create Date: 2026-11-27 03:40:00
"""

import sqlalchemy as sa
from alembic import op

import service.db

revision = "0006_editors"
down_revision = "0002_related"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_editors_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_editors")),
        sa.UniqueConstraint("email", name=op.f("uq_editors_email")),
    )
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_editors_site_id"), ["site_id"], unique=False)

    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_email_ip_at", ["email", "ip", "at"], unique=False)
        batch_op.create_index("ix_login_failures_ip_at", ["ip", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_ip_at")
        batch_op.drop_index("ix_login_failures_email_ip_at")

    op.drop_table("login_failures")
    with op.batch_alter_table("editors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_editors_site_id"))

    op.drop_table("editors")
