"""Merge the branches of parallel work into one head.

Revision ID: 0010_merge
Revises: 0005_feeds, 0006_editors, 0007_clicks, 0008_scheduler, 0009_digests
"""

revision = "0010_merge"
down_revision = ("0005_feeds", "0006_editors", "0007_clicks", "0008_scheduler", "0009_digests")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
