"""editors' workbench: related-link clicks per day

Revision ID: 0021_clicks_per_day
Revises: 0020_workbench
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_clicks_per_day"
down_revision = "0020_workbench"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_click_days",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_id"], ["articles.id"], name=op.f("fk_related_click_days_from_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_related_click_days_site_id_sites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["to_id"], ["articles.id"], name=op.f("fk_related_click_days_to_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("from_id", "to_id", "day", name=op.f("pk_related_click_days")),
    )
    with op.batch_alter_table("related_click_days", schema=None) as batch_op:
        batch_op.create_index("ix_related_click_days_site_day", ["site_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("related_click_days", schema=None) as batch_op:
        batch_op.drop_index("ix_related_click_days_site_day")
    op.drop_table("related_click_days")
